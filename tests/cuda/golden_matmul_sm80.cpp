// bench/cuda/matmul_default_sm80.cu is the CUDA source of the default
// matmul for sm_80, kept for people to read (and to diff when the code
// generator or the default schedule changes). This test keeps it true: it
// regenerates the source and compares. No device or NVRTC is needed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/run_kiln.h"

namespace kiln {
namespace {

TEST(CudaGolden, DefaultMatmulSm80MatchesTheCheckedInSource) {
  const std::string path = std::string(KILN_SOURCE_DIR) + "/bench/cuda/matmul_default_sm80.cu";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream golden;
  golden << in.rdbuf();
  const test_support::KilnRun r =
      test_support::run_kiln("show matmul --target cuda --stage cuda", {"", /*separate_stderr=*/true});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Not EXPECT_EQ on the texts: 1,200 lines each would bury the message.
  EXPECT_TRUE(r.output == golden.str())
      << "the generated CUDA source of the default matmul (sm_80) differs from " << path
      << "; if the change is intended, regenerate it with\n  kiln show matmul --target cuda "
         "--stage cuda > bench/cuda/matmul_default_sm80.cu\nand review the diff";
}

}  // namespace
}  // namespace kiln
