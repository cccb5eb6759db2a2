// reorder refuses a loop named twice, loops of two stages, unknown loops
// and an empty list.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorReorder, LoopNamedTwice) {
  Schedule sch(matmul_def());
  expect_refused(sch, "reorder", [](Schedule& s) { s.reorder({"C.k", "C.i", "C.k"}); },
                 "names 'C.k' twice; name each loop once");
}

TEST(ScheduleErrorReorder, LoopsOfTwoStages) {
  Schedule sch(blur_def());
  expect_refused(sch, "reorder", [](Schedule& s) { s.reorder({"blur_y.x", "blur_x.y"}); },
                 "'blur_y.x' and 'blur_x.y' belong to different stages (blur_y and blur_x); "
                 "reorder loops of one stage");
}

TEST(ScheduleErrorReorder, UnknownLoop) {
  Schedule sch(matmul_def());
  expect_refused(sch, "reorder", [](Schedule& s) { s.reorder({"C.j", "C.l"}); },
                 "stage 'C' has no loop 'C.l'");
}

TEST(ScheduleErrorReorder, EmptyList) {
  Schedule sch(matmul_def());
  expect_refused(sch, "reorder", [](Schedule& s) { s.reorder({}); },
                 "reorder needs at least one loop");
}

TEST(ScheduleErrorReorder, AcceptedReorderKeepsOtherPositions) {
  Schedule sch(matmul_def());
  sch.split("C.i", 4);
  sch.reorder({"C.k", "C.i.o"});
  EXPECT_EQ(sch.stage("C").leaf_loops,
            (std::vector<std::string>{"C.k", "C.i.i", "C.j", "C.i.o"}));
}

}  // namespace
}  // namespace kiln
