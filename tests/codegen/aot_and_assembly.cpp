// Ahead-of-time compilation linked into a C program, and the machine code
// of a vectorized f32 loop on this host (AVX-512: zmm registers).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "codegen/llvm/host_target.h"
#include "kiln.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

/// out[i, j] = a[i, j] * 2 + b[j], split by 16 and vectorized, rows parallel:
/// vector code, a broadcast operand and the thread pool in one kernel.
LoweredFunc scaled_add(const std::string& name, bool symbolic) {
  Expr rows = symbolic ? size_var("R") : Expr(make_index(37));
  Expr cols = symbolic ? size_var("C") : Expr(make_index(53));
  Tensor a = placeholder({rows, cols}, f32(), "a");
  Tensor b = placeholder({cols}, f32(), "b");
  Tensor out = compute({rows, cols}, [&](Expr i, Expr j) { return a(i, j) * 2.0f + b(j); },
                       "out", {"i", "j"});
  Schedule sch(ComputeDef(name, {a, b}, {out}));
  auto [jo, ji] = sch.split("out.j", 16);
  sch.vectorize(ji);
  sch.parallel("out.i");
  return lower(sch, name);
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(KILN_BINARY_DIR) / "test_outputs" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

int run_command(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The C program knows nothing of kiln but the generated header; it checks
// every element itself and exits non-zero on a mismatch.
const char* kCProgram = R"(#include <stdio.h>
#include <stdint.h>
#include <math.h>
#include "scaled_add.h"

int main(void) {
  enum { R = 37, C = 53 };
  static float a[R * C], b[C], out[R * C];
  for (int i = 0; i < R * C; i++) a[i] = (float)((i * 7919) % 101) / 50.0f - 1.0f;
  for (int j = 0; j < C; j++) b[j] = (float)j / 10.0f;
  if (scaled_add(a, b, out, R, C) != 0) { printf("kernel failed\n"); return 2; }
  for (int i = 0; i < R; i++)
    for (int j = 0; j < C; j++) {
      float want = a[i * C + j] * 2.0f + b[j];
      if (fabsf(out[i * C + j] - want) > 1e-5f) {
        printf("mismatch at %d,%d: %f vs %f\n", i, j, out[i * C + j], want);
        return 1;
      }
    }
  printf("ok %d x %d\n", R, C);
  return 0;
}
)";

TEST(CodegenAot, ObjectAndHeaderLinkIntoACProgram) {
  fs::path dir = fresh_dir("aot_c_program");
  LoweredFunc f = scaled_add("scaled_add", /*symbolic=*/true);
  compile_aot(f, host_target(), (dir / "scaled_add.o").string(), (dir / "scaled_add.h").string());

  std::ifstream header(dir / "scaled_add.h");
  std::string text((std::istreambuf_iterator<char>(header)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("int scaled_add(const float* a, const float* b, float* out, int64_t R, "
                      "int64_t C);"),
            std::string::npos)
      << text;

  std::ofstream(dir / "main.c") << kCProgram;
  std::string exe = (dir / "main").string();
  std::string compile = "cc -std=c99 -O1 -I" + dir.string() + " " + (dir / "main.c").string() + " " +
                        (dir / "scaled_add.o").string() + " " + KILN_RUNTIME_LIB +
                        " -lstdc++ -lpthread -lm -o " + exe + " > " + (dir / "cc.log").string() +
                        " 2>&1";
  ASSERT_EQ(run_command(compile), 0) << "linking the C program failed; see " << dir / "cc.log";
  EXPECT_EQ(run_command(exe + " > " + (dir / "run.log").string()), 0)
      << "the C program found wrong results; see " << dir / "run.log";
}

TEST(CodegenAot, RefusesANameThatIsNotACIdentifier) {
  fs::path dir = fresh_dir("aot_bad_name");
  LoweredFunc f = scaled_add("scaled_add", false);
  f.name = "scaled-add";
  try {
    compile_aot(f, host_target(), (dir / "k.o").string(), (dir / "k.h").string());
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not a C identifier"), std::string::npos) << e.what();
  }
}

TEST(CodegenAssembly, VectorizedF32LoopUsesZmmRegisters) {
  if (!target_has_feature(host_target(), "avx512f")) {
    GTEST_SKIP() << "this CPU has no AVX-512 (host features: " << host_target().features << ")";
  }
  std::string assembly = emit_assembly(scaled_add("scaled_add_zmm", false), host_target());
  // A 16-lane f32 multiply-add or multiply on zmm registers.
  std::regex zmm_arith(R"(v(fmadd\w*ps|mulps|addps)\s+[^\n]*%zmm)");
  EXPECT_TRUE(std::regex_search(assembly, zmm_arith)) << assembly.substr(0, 4000);
}

TEST(CodegenAssembly, HostTargetCarriesTheCpuFeatures) {
  Target host = host_target();
  EXPECT_EQ(host.kind, Target::Kind::LLVM);
  EXPECT_FALSE(host.features.empty());
  // The IR of a kernel names the features, so a "generic" CPU name does not
  // mean generic code.
  std::string ir = emit_llvm_ir(scaled_add("scaled_add_ir", false), host, /*optimized=*/true);
  if (target_has_feature(host, "avx512f")) {
    EXPECT_NE(ir.find("+avx512f"), std::string::npos);
    EXPECT_NE(ir.find("<16 x float>"), std::string::npos) << ir.substr(0, 4000);
  }
}

}  // namespace
}  // namespace kiln
