// depthwise_conv2d: the default schedule against the reference at awkward
// sizes (1, primes, widths off the 16-column vector) with stride 2, pad 0
// and 1, dilation 2, 1x1 and 7x7 windows; counts; refused parameters.
#include <gtest/gtest.h>

#include "codegen/llvm/host_target.h"
#include "tests/ops/window_test_util.h"

namespace kiln {
namespace {

using optest::expect_default_schedule_correct;
using optest::expect_user_error;

const Op& depthwise() { return find_op("depthwise_conv2d"); }

OpSizes dw_sizes(int64_t n, int64_t c, int64_t h, int64_t w, int64_t r, int64_t s,
                 int64_t stride, int64_t pad, int64_t dilation = 1) {
  return {{"N", n}, {"C", c}, {"H", h}, {"W", w}, {"R", r}, {"S", s},
          {"stride", stride}, {"pad", pad}, {"dilation", dilation}};
}

TEST(OpsDepthwiseConv2d, DefaultScheduleAtAwkwardSizes) {
  for (const OpSizes& sizes : {dw_sizes(1, 1, 1, 1, 1, 1, 1, 0),
                               dw_sizes(2, 3, 7, 9, 3, 3, 1, 1),
                               dw_sizes(1, 5, 11, 37, 3, 3, 2, 0),
                               dw_sizes(1, 4, 13, 17, 3, 3, 1, 2, 2),
                               dw_sizes(1, 7, 5, 19, 1, 1, 1, 0),
                               dw_sizes(1, 3, 19, 23, 7, 7, 2, 3)}) {
    expect_default_schedule_correct(depthwise(), sizes);
  }
}

TEST(OpsDepthwiseConv2d, SymbolicDefaultScheduleServesEverySize) {
  const ComputeDef def = depthwise().define_symbolic({{"stride", 2}, {"pad", 1}, {"dilation", 1}});
  const auto kernel = compile_jit(lower(depthwise().default_schedule(def, host_target())));
  for (const OpSizes& sizes : {dw_sizes(1, 2, 5, 7, 3, 3, 2, 1), dw_sizes(2, 3, 11, 40, 1, 5, 2, 1)}) {
    SCOPED_TRACE(optest::describe(sizes));
    EXPECT_LE(optest::run_and_check(depthwise(), *kernel, def, sizes), depthwise().tolerance(def));
  }
}

TEST(OpsDepthwiseConv2d, ShapesAndCounts) {
  const OpSizes sizes = dw_sizes(2, 3, 10, 12, 3, 5, 2, 1);
  const ComputeDef def = depthwise().define(sizes);
  EXPECT_EQ(concrete_shape(def.inputs()[1].shape(), {}), (std::vector<int64_t>{3, 1, 3, 5}));
  EXPECT_EQ(concrete_shape(def.outputs()[0].shape(), {}), (std::vector<int64_t>{2, 3, 5, 5}));
  EXPECT_DOUBLE_EQ(depthwise().flops(sizes), 2.0 * 2 * 3 * 5 * 5 * 3 * 5);
  EXPECT_DOUBLE_EQ(depthwise().bytes(sizes), 4.0 * (2 * 3 * 10 * 12 + 3 * 3 * 5 + 2 * 3 * 5 * 5));
}

TEST(OpsDepthwiseConv2d, BadParametersAreRefusedByName) {
  const Op& op = depthwise();
  expect_user_error([&] { op.define({{"H", -7}}); }, {"parameter H", "got -7"});
  expect_user_error([&] { op.define({{"K", 3}}); }, {"unknown parameter 'K'", "C (default 128)"});
  expect_user_error([&] { op.define({}, {{"layout", "nhwc"}}); }, {"unknown option 'layout'"});
  expect_user_error([&] { op.define({{"W", 3}, {"S", 3}, {"pad", 0}, {"dilation", 3}}); },
                    {"depthwise_conv2d", "W=3", "S=3", "dilation=3", "output extent of -3"});
}

}  // namespace
}  // namespace kiln
