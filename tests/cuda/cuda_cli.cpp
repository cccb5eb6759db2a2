// The kiln command with a CUDA target: `show --stage cuda|ptx` works without
// a GPU; `bench` says clearly that there is no device (or, with one, runs).
#include <gtest/gtest.h>

#include <string>

#include "tests/cuda/cuda_test_util.h"
#include "tests/support/run_kiln.h"

namespace kiln {
namespace {

using Result = test_support::KilnRun;
using test_support::run_kiln;

TEST(CudaCli, ShowCudaSourceAndPtx) {
  Result src = run_kiln("show matmul --shape M=64,N=64,K=64 --target 'cuda -arch=sm_90' --stage cuda");
  EXPECT_EQ(src.exit_code, 0) << src.output;
  EXPECT_NE(src.output.find("extern \"C\" __global__ void __launch_bounds__(256)\nmatmul_C("), std::string::npos)
      << src.output;
  EXPECT_NE(src.output.find("__syncthreads();"), std::string::npos);
  Result wrong = run_kiln("show matmul --stage ptx");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("--stage ptx needs a cuda target"), std::string::npos) << wrong.output;
  KILN_REQUIRE_NVRTC();
  Result ptx = run_kiln("show relu --target cuda --stage ptx");
  EXPECT_EQ(ptx.exit_code, 0) << ptx.output;
  EXPECT_NE(ptx.output.find(".target sm_80"), std::string::npos) << ptx.output;
}

TEST(CudaCli, BenchWithoutADeviceSaysSo) {
  std::string why;
  if (cuda::device_available(&why)) GTEST_SKIP() << "a CUDA device is present";
  Result r = run_kiln("bench matmul --shape M=64,N=64,K=64 --target cuda");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("kiln: no CUDA device/driver found"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kiln
