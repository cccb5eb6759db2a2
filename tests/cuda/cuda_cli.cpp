// The kiln command with a CUDA target: `show --stage cuda|ptx` works without
// a GPU; `bench` says clearly that there is no device (or, with one, runs).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "tests/cuda/cuda_test_util.h"

namespace kiln {
namespace {

struct Result {
  int rc = 0;
  std::string out;
};

Result kiln_cli(const std::string& args) {
  Result r;
  FILE* p = popen((std::string(KILN_CLI_PATH) + " " + args + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CudaCli, ShowCudaSourceAndPtx) {
  Result src = kiln_cli("show matmul --shape M=64,N=64,K=64 --target 'cuda -arch=sm_90' --stage cuda");
  EXPECT_EQ(src.rc, 0) << src.out;
  EXPECT_NE(src.out.find("extern \"C\" __global__ void __launch_bounds__(256)\nmatmul_C("), std::string::npos)
      << src.out;
  EXPECT_NE(src.out.find("__syncthreads();"), std::string::npos);
  Result wrong = kiln_cli("show matmul --stage ptx");
  EXPECT_EQ(wrong.rc, 1);
  EXPECT_NE(wrong.out.find("--stage ptx needs a cuda target"), std::string::npos) << wrong.out;
  KILN_REQUIRE_NVRTC();
  Result ptx = kiln_cli("show relu --target cuda --stage ptx");
  EXPECT_EQ(ptx.rc, 0) << ptx.out;
  EXPECT_NE(ptx.out.find(".target sm_80"), std::string::npos) << ptx.out;
}

TEST(CudaCli, BenchWithoutADeviceSaysSo) {
  std::string why;
  if (cuda::device_available(&why)) GTEST_SKIP() << "a CUDA device is present";
  Result r = kiln_cli("bench matmul --shape M=64,N=64,K=64 --target cuda");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("kiln: no CUDA device/driver found"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace kiln
