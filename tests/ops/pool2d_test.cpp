// pool2d: max and avg (padding counted, PyTorch's default) against the
// reference at awkward sizes with stride 1 and 2, pad 0 and 1; a hand
// computed avg window at a corner; counts; refused parameters.
#include <gtest/gtest.h>

#include "codegen/llvm/host_target.h"
#include "tests/ops/window_test_util.h"

namespace kiln {
namespace {

using optest::expect_default_schedule_correct;
using optest::expect_user_error;

const Op& pool2d() { return find_op("pool2d"); }

OpSizes pool_sizes(int64_t n, int64_t c, int64_t h, int64_t w, int64_t r, int64_t s,
                   int64_t stride, int64_t pad) {
  return {{"N", n}, {"C", c}, {"H", h}, {"W", w}, {"R", r}, {"S", s}, {"stride", stride},
          {"pad", pad}};
}

TEST(OpsPool2d, DefaultScheduleAtAwkwardSizes) {
  for (const char* mode : {"max", "avg"}) {
    for (const OpSizes& sizes : {pool_sizes(1, 1, 1, 1, 1, 1, 1, 0),
                                 pool_sizes(2, 3, 7, 9, 3, 3, 1, 1),
                                 pool_sizes(1, 5, 11, 37, 3, 3, 2, 1),
                                 pool_sizes(1, 2, 13, 17, 2, 2, 2, 0),
                                 pool_sizes(1, 3, 9, 23, 7, 5, 3, 2)}) {
      expect_default_schedule_correct(pool2d(), sizes, {{"mode", mode}});
    }
  }
}

TEST(OpsPool2d, SymbolicDefaultScheduleServesEverySize) {
  // R and S are structural (no buffer carries them): fixed at 3 x 3.
  const ComputeDef def = pool2d().define_symbolic({{"stride", 2}, {"pad", 1}}, {{"mode", "avg"}});
  const auto kernel = compile_jit(lower(pool2d().default_schedule(def, host_target())));
  for (const OpSizes& sizes : {pool_sizes(1, 2, 5, 7, 3, 3, 2, 1), pool_sizes(2, 3, 11, 40, 3, 3, 2, 1)}) {
    SCOPED_TRACE(optest::describe(sizes));
    EXPECT_LE(optest::run_and_check(pool2d(), *kernel, def, sizes), pool2d().tolerance(def));
  }
}

TEST(OpsPool2d, AvgCountsThePadding) {
  // A 3x3 window at the corner with pad 1 covers 4 input elements and 5
  // padded zeros; the average divides by 9, as torch's count_include_pad.
  const OpSizes sizes = pool_sizes(1, 1, 2, 2, 3, 3, 1, 1);
  const ComputeDef def = pool2d().define(sizes, {{"mode", "avg"}});
  Buffer data(f32(), {1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) data.set_f64(i, 1.0 + i);  // 1 2 / 3 4
  const auto kernel = compile_jit(lower(pool2d().default_schedule(def, host_target())));
  Buffer out(f32(), {1, 1, 2, 2});
  kernel->run({data, out});
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out.get_f64(i), 10.0 / 9.0, 1e-6) << i;
  // Max ignores the padding even where every input is negative.
  const ComputeDef max_def = pool2d().define(sizes, {{"mode", "max"}});
  for (int i = 0; i < 4; ++i) data.set_f64(i, -1.0 - i);
  compile_jit(lower(pool2d().default_schedule(max_def, host_target())))->run({data, out});
  EXPECT_EQ(out.get_f64(0), -1.0);
  EXPECT_EQ(out.get_f64(3), -1.0);
}

TEST(OpsPool2d, ShapesAndCounts) {
  const OpSizes sizes = pool_sizes(1, 64, 112, 112, 3, 3, 2, 1);
  const ComputeDef def = pool2d().define(sizes);
  EXPECT_EQ(concrete_shape(def.outputs()[0].shape(), {}), (std::vector<int64_t>{1, 64, 56, 56}));
  EXPECT_DOUBLE_EQ(pool2d().flops(sizes), 64.0 * 56 * 56 * 9);
  EXPECT_DOUBLE_EQ(pool2d().bytes(sizes), 4.0 * (64 * 112 * 112 + 64 * 56 * 56));
}

TEST(OpsPool2d, BadParametersAreRefusedByName) {
  const Op& op = pool2d();
  expect_user_error([&] { op.define({}, {{"mode", "min"}}); },
                    {"option mode", "'min'", "max|avg"});
  expect_user_error([&] { op.define({{"S", -3}}); }, {"parameter S", "got -3"});
  expect_user_error([&] { op.define({{"dilation", 2}}); },
                    {"unknown parameter 'dilation'", "stride (default 2)"});
  expect_user_error([&] { op.define({{"R", 3}, {"pad", 2}}); },
                    {"pool2d: pad=2", "more than half the window (R=3)", "pad <= 1"});
  expect_user_error([&] { op.define({{"H", 2}, {"R", 4}, {"pad", 0}}); },
                    {"pool2d", "H=2", "R=4", "stride=2", "output extent of 0"});
}

}  // namespace
}  // namespace kiln
