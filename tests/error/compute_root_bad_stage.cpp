// compute_root refuses placeholders and unknown stages, and un-inlining a
// stage through which an attached stage reaches its reader.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorComputeRoot, Placeholder) {
  Schedule sch(blur_def());
  expect_refused(sch, "compute_root", [](Schedule& s) { s.compute_root("input"); },
                 "'input' is a placeholder (an input of blur); it is not computed");
}

TEST(ScheduleErrorComputeRoot, UnknownStage) {
  Schedule sch(blur_def());
  expect_refused(sch, "compute_root", [](Schedule& s) { s.compute_root("blur_z"); },
                 "no stage named 'blur_z' in blur\n  stages, producers first: blur_x, blur_y");
}

TEST(ScheduleErrorComputeRoot, UninliningWouldStrandAnAttachedStage) {
  Schedule sch(chain_def());
  sch.compute_inline("Q");
  sch.compute_at("P", "R.i");
  expect_refused(sch, "compute_root", [](Schedule& s) { s.compute_root("Q"); },
                 "this would leave stage 'P' computed at R.i while it is read by Q, not R; "
                 "compute P at root first\n  after this step, stages, producers first: [P] (at R.i), Q, R");
  // Moving P first makes it possible.
  sch.compute_root("P");
  sch.compute_root("Q");
  EXPECT_EQ(sch.stage("Q").attach, AttachKind::Root);
}

}  // namespace
}  // namespace kiln
