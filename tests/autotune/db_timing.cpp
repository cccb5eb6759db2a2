// time_kernel: the repeat count and time budget rules every command shares.
#include <gtest/gtest.h>

#include "autotune/timing.h"
#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

struct SmallKernel {
  std::shared_ptr<const CompiledKernel> kernel;
  std::vector<Buffer> args;
};

SmallKernel small_matmul() {
  const Op& op = find_op("matmul");
  const OpSizes sizes = op.resolve_sizes({{"M", 7}, {"N", 5}, {"K", 3}});
  const ComputeDef def = op.define(sizes);
  SmallKernel k;
  k.kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  k.args = random_inputs(def, sizes);
  for (Buffer& b : zero_outputs(def, sizes)) k.args.push_back(b);
  return k;
}

TEST(DbTiming, MedianOf) {
  EXPECT_EQ(median_of({}), 0);
  EXPECT_EQ(median_of({3, 1, 2}), 2);
  EXPECT_EQ(median_of({4, 1, 3, 2}), 2.5);
}

TEST(DbTiming, ExplicitRepeatIsExact) {
  const SmallKernel k = small_matmul();
  const Timing t = time_kernel(*k.kernel, k.args, 5, 0.0);  // a budget never cuts it
  EXPECT_EQ(t.repeats, 5);
  EXPECT_GT(t.median_ms, 0);
  EXPECT_LE(t.min_ms, t.median_ms);
}

TEST(DbTiming, BudgetCutsTheDefaultButNotBelowTheMinimum) {
  const SmallKernel k = small_matmul();
  EXPECT_EQ(time_kernel(*k.kernel, k.args, 0, 0.0).repeats, kMinTimingRepeats);
  EXPECT_EQ(time_kernel(*k.kernel, k.args, 0, 1e9).repeats, kDefaultTimingRepeats);
}

}  // namespace
}  // namespace kiln
