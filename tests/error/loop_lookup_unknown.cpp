// Naming a loop that does not exist (any longer) is refused by every loop
// primitive, and the message says which loops exist and what became of the
// named one.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorLoopLookup, UnknownStageInLoopName) {
  Schedule sch(matmul_def());
  expect_refused(sch, "split", [](Schedule& s) { s.split("D.i", 4); },
                 "no stage named 'D' (in loop 'D.i')");
  expect_refused(sch, "split", [](Schedule& s) { s.split("D.i", 4); },
                 "stages, producers first: C");
}

TEST(ScheduleErrorLoopLookup, UnknownLoopListsTheLoops) {
  Schedule sch(matmul_def());
  expect_refused(sch, "vectorize", [](Schedule& s) { s.vectorize("C.q"); },
                 "stage 'C' has no loop 'C.q'\n  loops of C, outer to inner: C.i, C.j, C.k");
}

TEST(ScheduleErrorLoopLookup, NotALoopName) {
  Schedule sch(matmul_def());
  expect_refused(sch, "unroll", [](Schedule& s) { s.unroll("i"); },
                 "'i' is not a loop name; loops are named <stage>.<axis>, like C.i");
}

TEST(ScheduleErrorLoopLookup, PlaceholderHasNoLoops) {
  Schedule sch(matmul_def());
  expect_refused(sch, "parallel", [](Schedule& s) { s.parallel("A.i"); },
                 "'A' in 'A.i' is a placeholder (an input of matmul); it has no loops");
}

TEST(ScheduleErrorLoopLookup, SplitLoopSaysIntoWhat) {
  Schedule sch(matmul_def());
  sch.split("C.i", 4);
  expect_refused(sch, "split", [](Schedule& s) { s.split("C.i", 2); },
                 "'C.i' was split into C.i.o and C.i.i; name one of those instead\n"
                 "  loops of C, outer to inner: C.i.o, C.i.i, C.j, C.k");
}

TEST(ScheduleErrorLoopLookup, FusedLoopSaysIntoWhat) {
  Schedule sch(matmul_def());
  sch.fuse("C.i", "C.j");
  expect_refused(sch, "parallel", [](Schedule& s) { s.parallel("C.j"); },
                 "'C.j' was fused into C.i_j; name that loop instead");
}

TEST(ScheduleErrorLoopLookup, StageOfLoopAndStageLookups) {
  Schedule sch(matmul_def());
  EXPECT_EQ(sch.stage_of_loop("C.k").name, "C");
  EXPECT_THROW(sch.stage_of_loop("C.z"), ScheduleError);
  EXPECT_EQ(sch.stage("C").name, "C");
  try {
    sch.stage("Z");
    ADD_FAILURE() << "stage(Z) accepted";
  } catch (const ScheduleError& e) {
    EXPECT_NE(std::string(e.what()).find("no stage named 'Z' in matmul"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kiln
