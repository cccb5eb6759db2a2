// parallel refuses reduction loops (a race) and loops marked with another
// kind.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorParallel, ReductionLoopWouldRace) {
  Schedule sch(reduce_epilogue_def());
  expect_refused(sch, "parallel", [](Schedule& s) { s.parallel("row_max.k"); },
                 "'row_max.k' is a reduction loop of stage 'row_max'; running its iterations in "
                 "parallel would race on row_max. Use rfactor(row_max.k) first, or parallelize a "
                 "spatial loop");
}

TEST(ScheduleErrorParallel, LoopAlreadyMarked) {
  Schedule sch(matmul_def());
  sch.vectorize("C.j");
  expect_refused(sch, "parallel", [](Schedule& s) { s.parallel("C.j"); },
                 "'C.j' is already marked vectorized; a loop has one kind");
}

TEST(ScheduleErrorParallel, SymbolicSpatialLoopIsFine) {
  Schedule sch(symbolic_matmul_def());
  sch.parallel("C.i");
  EXPECT_EQ(sch.stage("C").kind_of("C.i"), ForKind::Parallel);
  EXPECT_EQ(sch.trace().steps.size(), 1u);
}

}  // namespace
}  // namespace kiln
