// fuse refuses loops of different stages, non-adjacent loops, the inner
// loop named first, a spatial with a reduction loop, a loop with itself,
// loops a stage is computed at or that are marked, and a clashing name.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorFuse, LoopsOfDifferentStages) {
  Schedule sch(blur_def());
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("blur_x.y", "blur_y.x"); },
                 "'blur_x.y' and 'blur_y.x' belong to different stages (blur_x and blur_y); "
                 "fuse loops of one stage");
}

TEST(ScheduleErrorFuse, NonAdjacentLoops) {
  Schedule sch(matmul_def());
  sch.reorder({"C.k", "C.i", "C.j"});
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("C.k", "C.j"); },
                 "'C.k' and 'C.j' are not adjacent (C.i between them); reorder them next to each "
                 "other first");
}

TEST(ScheduleErrorFuse, InnerBeforeOuter) {
  Schedule sch(matmul_def());
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("C.j", "C.i"); },
                 "'C.i' encloses 'C.j'; name the outer loop first: fuse(C.i, C.j)");
}

TEST(ScheduleErrorFuse, SpatialWithReduction) {
  Schedule sch(matmul_def());
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("C.j", "C.k"); },
                 "'C.j' is a spatial loop and 'C.k' a reduction loop; only loops of the same "
                 "kind can be fused");
}

TEST(ScheduleErrorFuse, LoopWithItself) {
  Schedule sch(matmul_def());
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("C.i", "C.i"); },
                 "fuses 'C.i' with itself");
}

TEST(ScheduleErrorFuse, LoopAStageIsComputedAt) {
  Schedule sch(blur_def());
  sch.compute_at("blur_x", "blur_y.x");
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("blur_y.y", "blur_y.x"); },
                 "stage 'blur_x' is computed at blur_y.x (compute_at), so blur_y.x cannot be "
                 "fused. Compute blur_x at root, fuse blur_y.x, then compute blur_x at the fused "
                 "loop blur_y.y_x");
}

TEST(ScheduleErrorFuse, MarkedLoop) {
  Schedule sch(matmul_def());
  sch.parallel("C.i");
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("C.i", "C.j"); },
                 "'C.i' is already marked parallel, so it cannot be fused");
}

TEST(ScheduleErrorFuse, FusedNameAlreadyUsed) {
  Tensor A = placeholder({4, 5, 6}, f32(), "A");
  Tensor C = compute({4, 5, 6}, [&](Expr i, Expr j, Expr l) { return A(i, j, l); }, "C",
                     {"i", "j", "i_j"});
  Schedule sch(ComputeDef("clash", {A}, {C}));
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("C.i", "C.j"); },
                 "the fused loop would be named 'C.i_j', which stage 'C' already has");
}

TEST(ScheduleErrorFuse, AcceptedFuseNamesTheLoop) {
  Schedule sch(matmul_def());
  sch.split("C.j", 4);
  EXPECT_EQ(sch.fuse("C.i", "C.j.o"), "C.i_j.o");
  const StageSchedule& st = sch.stage("C");
  EXPECT_EQ(st.leaf_loops, (std::vector<std::string>{"C.i_j.o", "C.j.i", "C.k"}));
  int64_t extent = 0;
  ASSERT_TRUE(constant_loop_extent(st, "C.i_j.o", &extent));
  EXPECT_EQ(extent, 13 * 5);
}

}  // namespace
}  // namespace kiln
