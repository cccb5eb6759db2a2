// tile refuses bad factors (as split does), loops of two stages and a loop
// tiled with itself; a refusal leaves neither loop split.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorTile, BadFactors) {
  Schedule sch(matmul_def());
  expect_refused(sch, "tile", [](Schedule& s) { s.tile("C.i", "C.j", 0, 4); },
                 "tile factor fx must be positive, got 0");
  // fx is fine, fy is not: C.i must not have been split either.
  expect_refused(sch, "tile", [](Schedule& s) { s.tile("C.i", "C.j", 4, -2); },
                 "tile factor fy must be positive, got -2");
}

TEST(ScheduleErrorTile, LoopsOfTwoStages) {
  Schedule sch(blur_def());
  expect_refused(sch, "tile", [](Schedule& s) { s.tile("blur_x.y", "blur_y.x", 4, 4); },
                 "belong to different stages (blur_x and blur_y); tile loops of one stage");
}

TEST(ScheduleErrorTile, SameLoopTwice) {
  Schedule sch(matmul_def());
  expect_refused(sch, "tile", [](Schedule& s) { s.tile("C.j", "C.j", 4, 4); },
                 "tiles 'C.j' with itself");
}

TEST(ScheduleErrorTile, MarkedLoop) {
  Schedule sch(matmul_def());
  sch.vectorize("C.j");
  expect_refused(sch, "tile", [](Schedule& s) { s.tile("C.i", "C.j", 4, 4); },
                 "'C.j' is already marked vectorized, so it cannot be split");
}

TEST(ScheduleErrorTile, AcceptedTileOrdersTheFourLoops) {
  Schedule sch(matmul_def());
  std::vector<std::string> loops = sch.tile("C.i", "C.j", 4, 8);
  EXPECT_EQ(loops, (std::vector<std::string>{"C.i.o", "C.j.o", "C.i.i", "C.j.i"}));
  EXPECT_EQ(sch.stage("C").leaf_loops,
            (std::vector<std::string>{"C.i.o", "C.j.o", "C.i.i", "C.j.i", "C.k"}));
  ASSERT_EQ(sch.trace().steps.size(), 1u);
  EXPECT_EQ(sch.trace().steps[0], (TraceStep{"tile", {"C.i", "C.j"}, {4, 8}}));
}

}  // namespace
}  // namespace kiln
