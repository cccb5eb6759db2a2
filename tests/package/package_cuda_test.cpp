// A package for a CUDA target: kernels compiled to PTX with NVRTC, held in
// lib<name>.so and launched through the driver API. The C program
// tests/package/cuda_package_check.c calls it with device tensors and
// checks the numbers on a machine with a GPU; without one it checks that a
// CUDA call fails with GP_ERROR_CUDA and a message (the library itself
// loads and runs its checks on any machine).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "codegen/cuda/nvrtc.h"
#include "package/build_package.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int run_command(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(PackageCuda, PtxPackageLaunchesThroughTheDriverApi) {
  std::string why;
  if (!nvrtc_available(&why)) GTEST_SKIP() << "NVRTC is not available: " << why;
  const fs::path dir = fs::path(KILN_BINARY_DIR) / "test_outputs" / "package_cuda";
  fs::remove_all(dir);
  fs::create_directories(dir);
  PackageOptions opt;
  opt.out_dir = (dir / "gp").string();
  opt.db_path = (dir / "empty.db").string();
  build_package(parse_package_spec(R"({"name": "gp", "target": "cuda -arch=sm_80", "ops": [
      {"op": "matmul", "shape": {"M": 64, "N": "N", "K": 32}},
      {"op": "matmul", "shape": {"M": 64, "N": 48, "K": 32}},
      {"op": "softmax", "shape": {"M": "M", "N": 100}},
      {"op": "conv2d", "shape": {"N": 2, "C": 3, "H": 9, "W": 11, "K": 5, "R": 3, "S": 3,
                                 "stride": 1, "pad": 1}}]})"),
                opt);
  const fs::path pkg = dir / "gp";
  for (const char* f : {"ptx/gp__matmul_0.ptx", "ptx/gp__matmul_1.ptx", "ptx/gp__softmax_0.ptx",
                        "ptx/gp__conv2d_0.ptx"}) {
    ASSERT_TRUE(fs::is_regular_file(pkg / f)) << f;
    EXPECT_NE(read_text(pkg / f).find(".target sm_80"), std::string::npos) << f;
  }
  // The .so holds the PTX and needs neither libcuda nor libnvrtc to load.
  ASSERT_EQ(run_command("ldd " + (pkg / "libgp.so").string() + " > " + (dir / "ldd.txt").string()), 0);
  const std::string ldd = read_text(dir / "ldd.txt");
  EXPECT_EQ(ldd.find("libcuda"), std::string::npos) << ldd;
  EXPECT_EQ(ldd.find("nvrtc"), std::string::npos) << ldd;
  EXPECT_EQ(ldd.find("LLVM"), std::string::npos) << ldd;

  const std::string exe = (dir / "cuda_check").string();
  ASSERT_EQ(run_command("cc -std=c11 -O1 -Wall -I" + (pkg / "include").string() + " " + KILN_SOURCE_DIR +
                        "/tests/package/cuda_package_check.c -L" + pkg.string() + " -lgp -Wl,-rpath," +
                        pkg.string() + " -ldl -lm -o " + exe + " > " + (dir / "cc.log").string() + " 2>&1"),
            0)
      << read_text(dir / "cc.log");
  EXPECT_EQ(run_command(exe + " > " + (dir / "run.log").string() + " 2>&1"), 0) << read_text(dir / "run.log");
}

}  // namespace
}  // namespace kiln
