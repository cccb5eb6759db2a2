// split and split_nparts refuse non-positive amounts, loops a stage is
// computed at, and loops already marked with a kind.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorSplit, FactorZeroOrNegative) {
  Schedule sch(matmul_def());
  expect_refused(sch, "split", [](Schedule& s) { s.split("C.i", 0); },
                 "split factor must be positive, got 0");
  expect_refused(sch, "split", [](Schedule& s) { s.split("C.k", -3); },
                 "split factor must be positive, got -3\n  loops of C, outer to inner: C.i, C.j, "
                 "[C.k]");
}

TEST(ScheduleErrorSplit, NpartsZeroOrNegative) {
  Schedule sch(matmul_def());
  expect_refused(sch, "split_nparts", [](Schedule& s) { s.split_nparts("C.j", 0); },
                 "nparts must be positive, got 0");
  expect_refused(sch, "split_nparts", [](Schedule& s) { s.split_nparts("C.j", -1); },
                 "nparts must be positive, got -1");
}

TEST(ScheduleErrorSplit, LoopAStageIsComputedAt) {
  Schedule sch(blur_def());
  sch.compute_at("blur_x", "blur_y.y");
  expect_refused(sch, "split", [](Schedule& s) { s.split("blur_y.y", 4); },
                 "stage 'blur_x' is computed at blur_y.y (compute_at), so blur_y.y cannot be "
                 "split. Compute blur_x at root, split blur_y.y, then compute blur_x at one of "
                 "the new loops (blur_y.y.o or blur_y.y.i)");
  expect_refused(sch, "split_nparts", [](Schedule& s) { s.split_nparts("blur_y.y", 2); },
                 "cannot be split");
}

TEST(ScheduleErrorSplit, MarkedLoop) {
  Schedule sch(matmul_def());
  sch.vectorize("C.j");
  expect_refused(sch, "split", [](Schedule& s) { s.split("C.j", 4); },
                 "'C.j' is already marked vectorized, so it cannot be split; split and fuse "
                 "loops before marking them");
  sch.unroll("C.k");
  expect_refused(sch, "split_nparts", [](Schedule& s) { s.split_nparts("C.k", 2); },
                 "'C.k' is already marked unrolled");
}

TEST(ScheduleErrorSplit, AcceptedSplitRecordsNamesAndTrace) {
  Schedule sch(matmul_def());
  auto [o, i] = sch.split("C.i", 4);
  EXPECT_EQ(o, "C.i.o");
  EXPECT_EQ(i, "C.i.i");
  auto [no, ni] = sch.split_nparts("C.k", 3);
  const StageSchedule& st = sch.stage("C");
  EXPECT_EQ(st.leaf_loops, (std::vector<std::string>{"C.i.o", "C.i.i", "C.j", no, ni}));
  int64_t extent = 0;
  ASSERT_TRUE(constant_loop_extent(st, "C.i.o", &extent));
  EXPECT_EQ(extent, 4);  // ceil(13 / 4)
  ASSERT_TRUE(constant_loop_extent(st, "C.k.i", &extent));
  EXPECT_EQ(extent, 4);  // ceil(11 / 3)
  ASSERT_TRUE(constant_loop_extent(st, "C.k.o", &extent));
  EXPECT_EQ(extent, 3);
  EXPECT_EQ(st.loop_axis_kind.at("C.k.i"), AxisKind::Reduce);
  ASSERT_EQ(sch.trace().steps.size(), 2u);
  EXPECT_EQ(sch.trace().steps[1], (TraceStep{"split_nparts", {"C.k"}, {3}}));
}

}  // namespace
}  // namespace kiln
