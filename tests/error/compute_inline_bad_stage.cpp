// compute_inline refuses reductions, outputs, stages other stages are
// computed at, placeholders and unknown stages.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorComputeInline, Reduction) {
  Schedule sch(reduce_epilogue_def());
  expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("row_max"); },
                 "'row_max' reduces over k; inlining a stage that has a reduction is not "
                 "supported. Use compute_at(row_max, loop) or compute_root(row_max)");
}

TEST(ScheduleErrorComputeInline, Output) {
  Schedule sch(reduce_epilogue_def());
  expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("out"); },
                 "'out' is an output of reduce_epilogue; an output must be stored, so it cannot "
                 "be inlined. Use compute_root(out)");
}

TEST(ScheduleErrorComputeInline, StageOthersAreComputedAt) {
  Schedule sch(chain_def());
  sch.compute_at("P", "Q.j");
  expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("Q"); },
                 "P is computed at loops of 'Q'; inlining Q would remove those loops. Compute P "
                 "elsewhere first");
}

TEST(ScheduleErrorComputeInline, PlaceholderAndUnknown) {
  Schedule sch(chain_def());
  expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("A"); },
                 "'A' is a placeholder");
  expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("Nope"); },
                 "no stage named 'Nope' in chain");
}

}  // namespace
}  // namespace kiln
