// `kiln package` end to end from C: a package of several ops (one with a
// free size and a specialization of it) is built, then a C program that
// knows nothing of kiln but the package's header links lib<name>.so (and,
// once more, lib<name>.a), calls every function on random inputs and
// compares with outputs the reference interpreter wrote, and checks that
// bad arguments get the right error code and a message. The library must
// not need LLVM, and must export only the header's functions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "kiln.h"
#include "ops/op.h"
#include "package/build_package.h"
#include "package/c_api.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

/// One call of the C program: a function at concrete sizes.
struct Case {
  std::string function;  ///< without the package prefix
  std::string op;
  OpSizes sizes;
};

const char* kSpec = R"SPEC({"name": "kp", "target": "llvm", "ops": [
  {"op": "matmul", "shape": {"M": 8, "N": "N", "K": 8}},
  {"op": "matmul", "shape": {"M": 8, "N": 8, "K": 8}},
  {"op": "conv2d", "shape": {"N": 2, "C": 3, "H": 9, "W": 11, "K": 5, "R": 3, "S": 3, "stride": 1, "pad": 1}},
  {"op": "softmax", "shape": {"M": 16, "N": 100}},
  {"op": "layernorm", "shape": {"M": "M", "N": 50}},
  {"op": "matmul_bias_gelu", "shape": {"M": 6, "N": 20, "K": 9}}
]})SPEC";

std::vector<Case> cases() {
  return {
      {"matmul", "matmul", {{"M", 8}, {"N", 8}, {"K", 8}}},   // the specialized kernel
      {"matmul", "matmul", {{"M", 8}, {"N", 13}, {"K", 8}}},  // the free-N kernel
      {"matmul", "matmul", {{"M", 8}, {"N", 1}, {"K", 8}}},
      {"conv2d", "conv2d", {{"N", 2}, {"C", 3}, {"H", 9}, {"W", 11}, {"K", 5}, {"R", 3}, {"S", 3}}},
      {"softmax", "softmax", {{"M", 16}, {"N", 100}}},
      {"layernorm", "layernorm", {{"M", 7}, {"N", 50}}},
      {"layernorm", "layernorm", {{"M", 1}, {"N", 50}}},
      {"matmul_bias_gelu", "matmul_bias_gelu", {{"M", 6}, {"N", 20}, {"K", 9}}},
  };
}

int run_command(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_floats(const fs::path& p, const Buffer& b) {
  ASSERT_EQ(b.dtype(), f32());
  std::ofstream out(p, std::ios::binary);
  out.write(static_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size_bytes()));
}

std::string dims(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

const char* kProgramHead = R"C(#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kp.h"

static int failures = 0;

static float* load(const char* path, int64_t n) {
  float* p = (float*)malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
  FILE* f = fopen(path, "rb");
  if (!f || fread(p, sizeof(float), (size_t)n, f) != (size_t)n) {
    printf("FAIL cannot read %s\n", path);
    exit(3);
  }
  fclose(f);
  return p;
}

static DLTensor tensor(float* data, int32_t ndim, int64_t* shape) {
  DLTensor t;
  t.data = data;
  t.device.device_type = kDLCPU;
  t.device.device_id = 0;
  t.ndim = ndim;
  t.dtype.code = kDLFloat;
  t.dtype.bits = 32;
  t.dtype.lanes = 1;
  t.shape = shape;
  t.strides = NULL;
  t.byte_offset = 0;
  return t;
}

/* |got - want| / max(|want|, rms(want)), as kiln's own checks measure it. */
static void compare(const char* what, const float* got, const float* want, int64_t n) {
  double ss = 0, worst = 0;
  for (int64_t i = 0; i < n; i++) ss += (double)want[i] * want[i];
  double rms = n ? sqrt(ss / (double)n) : 0;
  for (int64_t i = 0; i < n; i++) {
    double scale = fabs(want[i]) > rms ? fabs(want[i]) : rms;
    double err = fabs((double)got[i] - want[i]) / (scale > 1e-30 ? scale : 1e-30);
    if (!(err <= worst)) worst = err;
  }
  if (!(worst <= 1e-4)) {
    printf("FAIL %s: max relative error %g\n", what, worst);
    failures++;
  } else {
    printf("ok %s (max relative error %.2g)\n", what, worst);
  }
}

static void expect_error(const char* what, int rc, int code, const char* needle) {
  const char* msg = kp_last_error();
  if (rc != code || !msg || !strstr(msg, needle)) {
    printf("FAIL %s: got code %d (want %d), message \"%s\" (want it to contain \"%s\")\n", what,
           rc, code, msg ? msg : "(null)", needle);
    failures++;
  } else {
    printf("ok %s: %s\n", what, msg);
  }
}

int main(void) {
  if (kp_set_num_threads(2) != KP_OK || kp_num_threads() != 2) {
    printf("FAIL kp_num_threads is %d after setting 2\n", kp_num_threads());
    failures++;
  }
  /* Absurd thread counts are refused with a message; the count stays. */
  expect_error("100000 threads", kp_set_num_threads(100000), KP_ERROR_ARGUMENT,
               "kp_set_num_threads: 100000 threads; use 1 to 1024");
  expect_error("0 threads", kp_set_num_threads(0), KP_ERROR_ARGUMENT, "use 1 to 1024");
  if (kp_num_threads() != 2) {
    printf("FAIL kp_num_threads is %d after refused counts\n", kp_num_threads());
    failures++;
  }
)C";

/// The C block that runs one case and compares its outputs.
std::string case_block(int index, const Case& c, const ComputeDef& def, const OpSizes& sizes,
                       const fs::path& dir) {
  const std::map<std::string, int64_t> bound(sizes.begin(), sizes.end());
  std::ostringstream b;
  const std::string id = "c" + std::to_string(index);
  const std::string label = "case " + std::to_string(index) + " kp_" + c.function;
  b << "  { /* " << label << " */\n";
  std::string args, shape_args;
  for (size_t i = 0; i < def.inputs().size(); i++) {
    const std::vector<int64_t> shape = concrete_shape(def.inputs()[i].shape(), bound);
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const std::string v = id + "_in" + std::to_string(i);
    b << "    int64_t " << v << "_shape[] = {" << dims(shape) << "};\n"
      << "    DLTensor " << v << " = tensor(load(\"" << (dir / (v + ".bin")).string() << "\", " << n
      << "), " << shape.size() << ", " << v << "_shape);\n";
    args += (args.empty() ? "" : ", ") + ("&" + v);
  }
  shape_args = args;
  for (size_t o = 0; o < def.outputs().size(); o++) {
    const std::string v = id + "_out" + std::to_string(o);
    b << "    int64_t " << v << "_shape[" << def.outputs()[o].ndim() << "];\n";
    shape_args += (shape_args.empty() ? "" : ", ") + v + "_shape";
  }
  b << "    int rc = kp_" << c.function << "_output_shapes(" << shape_args << ");\n"
    << "    if (rc) { printf(\"FAIL " << label << " output_shapes: %s\\n\", kp_last_error()); failures++; }\n"
    << "    else {\n";
  for (size_t o = 0; o < def.outputs().size(); o++) {
    const std::vector<int64_t> shape = concrete_shape(def.outputs()[o].shape(), bound);
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const std::string v = id + "_out" + std::to_string(o);
    for (size_t d = 0; d < shape.size(); d++) {
      b << "      if (" << v << "_shape[" << d << "] != " << shape[d] << ") { printf(\"FAIL " << label
        << ": output shape dim " << d << " is %lld\\n\", (long long)" << v << "_shape[" << d
        << "]); failures++; }\n";
    }
    b << "      float* " << v << "_data = (float*)calloc(" << n << " + 1, sizeof(float));\n"
      << "      DLTensor " << v << " = tensor(" << v << "_data, " << shape.size() << ", " << v << "_shape);\n";
    args += ", &" + v;
  }
  b << "      rc = kp_" << c.function << "(" << args << ");\n"
    << "      if (rc) { printf(\"FAIL " << label << ": code %d: %s\\n\", rc, kp_last_error()); failures++; }\n";
  for (size_t o = 0; o < def.outputs().size(); o++) {
    const std::vector<int64_t> shape = concrete_shape(def.outputs()[o].shape(), bound);
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const std::string v = id + "_out" + std::to_string(o);
    b << "      else compare(\"" << label << " output " << o << "\", " << v << "_data, load(\""
      << (dir / (v + "_ref.bin")).string() << "\", " << n << "), " << n << ");\n";
  }
  b << "    }\n  }\n";
  return b.str();
}

/// Refusals, on the matmul of case 0 (A, B: 8 x 8, both kernels there).
const char* kErrorBlock = R"C(  {
    int64_t sa[] = {8, 8}, sb[] = {8, 8}, sc[] = {8, 8};
    float* a = load("@DIR@/c0_in0.bin", 64);
    float* b = load("@DIR@/c0_in1.bin", 64);
    float* c = (float*)calloc(64, sizeof(float));
    DLTensor A = tensor(a, 2, sa), B = tensor(b, 2, sb), C = tensor(c, 2, sc);

    DLTensor bad = A;
    bad.dtype.code = kDLInt;
    expect_error("int32 input", kp_matmul(&bad, &B, &C), KP_ERROR_DTYPE, "argument 'A' has dtype int32; expected float32");
    bad = A;
    bad.dtype.bits = 64;
    expect_error("float64 input", kp_matmul(&bad, &B, &C), KP_ERROR_DTYPE, "dtype float64");
    int64_t wrong[] = {9, 8};
    bad = B;
    bad.shape = wrong;
    expect_error("K mismatch", kp_matmul(&A, &bad, &C), KP_ERROR_SHAPE, "argument 'B' dim 0 is 9 but must be 8");
    bad = A;
    bad.ndim = 1;
    expect_error("rank", kp_matmul(&bad, &B, &C), KP_ERROR_SHAPE, "has 1 dimensions");
    int64_t transposed[] = {1, 8};
    bad = A;
    bad.strides = transposed;
    expect_error("transposed strides", kp_matmul(&bad, &B, &C), KP_ERROR_LAYOUT, "is not contiguous");
    int64_t dense[] = {8, 1};
    bad = A;
    bad.strides = dense;
    if (kp_matmul(&bad, &B, &C) != KP_OK) {
      printf("FAIL explicit dense strides refused: %s\n", kp_last_error());
      failures++;
    }
    bad = A;
    bad.device.device_type = kDLCUDA;
    expect_error("cuda device", kp_matmul(&bad, &B, &C), KP_ERROR_DEVICE, "device type 2");
    expect_error("null input", kp_matmul(NULL, &B, &C), KP_ERROR_NULL, "argument 'A' is NULL");
    bad = A;
    bad.data = NULL;
    expect_error("null data", kp_matmul(&bad, &B, &C), KP_ERROR_NULL, "has no data");
    int64_t seven[] = {7, 8}, seven_out[] = {7, 8};
    DLTensor A7 = tensor(a, 2, seven), C7 = tensor(c, 2, seven_out);
    expect_error("no kernel for M=7", kp_matmul(&A7, &B, &C7), KP_ERROR_NO_KERNEL, "no kernel for M=7,N=8,K=8");
    DLTensor alias = tensor(a, 2, sc);
    expect_error("output overlaps input", kp_matmul(&A, &B, &alias), KP_ERROR_OVERLAP, "shares memory with argument 'A'");
    int64_t wide[] = {8, 9};
    bad = C;
    bad.shape = wide;
    expect_error("output shape", kp_matmul(&A, &B, &bad), KP_ERROR_SHAPE, "output 'C' dim 1 is 9 but must be 8");
    int64_t out_shape[2];
    bad = B;
    bad.shape = wrong;
    expect_error("output_shapes checks inputs", kp_matmul_output_shapes(&A, &bad, out_shape), KP_ERROR_SHAPE, "argument 'B' dim 0 is 9");
    /* Hostile sizes: a shape whose product overflows, one of 2^60 bytes,
       and an offset that wraps the address space. */
    int64_t huge[] = {(int64_t)1 << 62, (int64_t)1 << 62}, big[] = {(int64_t)1 << 29, (int64_t)1 << 29};
    bad = A;
    bad.shape = huge;
    expect_error("overflowing shape", kp_matmul(&bad, &B, &C), KP_ERROR_SHAPE, "more than 2^48 bytes");
    bad.shape = big;
    expect_error("2^60-byte shape", kp_matmul(&bad, &B, &C), KP_ERROR_SHAPE, "more than 2^48 bytes");
    bad = A;
    bad.byte_offset = UINT64_MAX - 16;
    expect_error("wrapping byte_offset", kp_matmul(&bad, &B, &C), KP_ERROR_LAYOUT, "byte_offset");
  }
  printf("%d failures\n", failures);
  return failures != 0;
}
)C";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

class PackageFromC : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test in its own process, in parallel: one directory
    // per process, removed when its tests pass.
    dir_ = fs::path(KILN_BINARY_DIR) / "test_outputs" / ("package_c_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    PackageOptions opt;
    opt.out_dir = (dir_ / "kp").string();
    opt.db_path = (dir_ / "empty.db").string();  // an empty database: every kernel is "not tuned"
    result_ = new PackageResult(build_package(parse_package_spec(kSpec), opt));
  }
  static void TearDownTestSuite() {
    delete result_;
    result_ = nullptr;
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    if (suite && suite->Passed()) fs::remove_all(dir_);
  }
  static fs::path dir_;
  static PackageResult* result_;
};

fs::path PackageFromC::dir_;
PackageResult* PackageFromC::result_ = nullptr;

TEST_F(PackageFromC, WritesEveryPartOfThePackage) {
  const fs::path pkg = dir_ / "kp";
  for (const char* f : {"libkp.so", "libkp.a", "include/kp.h", "include/dlpack.h", "src/kp_wrapper.c",
                        "torch/kp_torch.cpp", "torch/setup.py", "python/kp.py", "manifest.json", "README.md"}) {
    EXPECT_TRUE(fs::is_regular_file(pkg / f)) << f;
  }
  const nlohmann::json m = nlohmann::json::parse(read_text(pkg / "manifest.json"));
  EXPECT_FALSE(m["kiln_version"].get<std::string>().empty());
  ASSERT_EQ(m["functions"].size(), 5u);
  const nlohmann::json& mm = m["functions"][0];
  EXPECT_EQ(mm["name"], "kp_matmul");
  ASSERT_EQ(mm["kernels"].size(), 2u);
  // The specialization comes first, so it wins the dispatch.
  EXPECT_EQ(mm["kernels"][0]["sizes"]["N"], 8);
  EXPECT_EQ(mm["kernels"][1]["sizes"]["N"], "N");
  EXPECT_EQ(mm["kernels"][0]["schedule_source"], "default");
  EXPECT_EQ(mm["kernels"][0]["default_reason"], "not in the tuning database");
  EXPECT_FALSE(mm["kernels"][0]["trace"]["steps"].empty());
  EXPECT_TRUE(mm["kernels"][0]["tuned"].is_null());
  EXPECT_EQ(result_->notes.size(), 6u);
}

TEST_F(PackageFromC, LibraryNeedsNoLlvmAndExportsOnlyTheHeader) {
  const fs::path so = dir_ / "kp" / "libkp.so";
  ASSERT_EQ(run_command("ldd " + so.string() + " > " + (dir_ / "ldd.txt").string()), 0);
  const std::string ldd = read_text(dir_ / "ldd.txt");
  EXPECT_EQ(ldd.find("LLVM"), std::string::npos) << ldd;
  EXPECT_EQ(ldd.find("libkiln"), std::string::npos) << ldd;
  ASSERT_EQ(run_command("nm -D --defined-only " + so.string() + " > " + (dir_ / "nm.txt").string()), 0);
  std::istringstream nm(read_text(dir_ / "nm.txt"));
  std::set<std::string> exported;
  for (std::string line; std::getline(nm, line);) exported.insert(line.substr(line.rfind(' ') + 1));
  const std::vector<std::string> want = package_exported_symbols(result_->plan);
  EXPECT_EQ(exported, std::set<std::string>(want.begin(), want.end())) << read_text(dir_ / "nm.txt");
}

TEST_F(PackageFromC, CProgramMatchesTheInterpreterAndGetsClearErrors) {
  const fs::path data = dir_ / "data";
  fs::create_directories(data);
  std::string program = kProgramHead;
  const std::vector<Case> all = cases();
  for (size_t i = 0; i < all.size(); i++) {
    const Op& op = find_op(all[i].op);
    const OpSizes sizes = op.resolve_sizes(all[i].sizes);
    const ComputeDef def = op.define(sizes);
    const std::vector<Buffer> inputs = random_inputs(def, sizes, 100 + i);
    const std::vector<Buffer> outputs = interpret(def, inputs);
    const std::string id = "c" + std::to_string(i);
    for (size_t k = 0; k < inputs.size(); k++) write_floats(data / (id + "_in" + std::to_string(k) + ".bin"), inputs[k]);
    for (size_t k = 0; k < outputs.size(); k++) write_floats(data / (id + "_out" + std::to_string(k) + "_ref.bin"), outputs[k]);
    program += case_block(static_cast<int>(i), all[i], def, sizes, data);
  }
  program += replace_all(kErrorBlock, "@DIR@", data.string());
  std::ofstream(dir_ / "main.c") << program;

  const fs::path pkg = dir_ / "kp";
  const std::string cc = "cc -std=c99 -O1 -Wall -I" + (pkg / "include").string() + " " + (dir_ / "main.c").string();
  ASSERT_EQ(run_command(cc + " -L" + pkg.string() + " -lkp -Wl,-rpath," + pkg.string() + " -lm -o " +
                        (dir_ / "main_shared").string() + " > " + (dir_ / "cc.log").string() + " 2>&1"),
            0)
      << read_text(dir_ / "cc.log");
  EXPECT_EQ(run_command((dir_ / "main_shared").string() + " > " + (dir_ / "run_shared.log").string()), 0)
      << read_text(dir_ / "run_shared.log");

  // The static archive carries the runtime: the system libraries are all
  // it needs besides.
  ASSERT_EQ(run_command(cc + " " + (pkg / "libkp.a").string() + " -lstdc++ -lpthread -lm -o " +
                        (dir_ / "main_static").string() + " > " + (dir_ / "cc_static.log").string() + " 2>&1"),
            0)
      << read_text(dir_ / "cc_static.log");
  EXPECT_EQ(run_command((dir_ / "main_static").string() + " > " + (dir_ / "run_static.log").string()), 0)
      << read_text(dir_ / "run_static.log");
}

}  // namespace
}  // namespace kiln
