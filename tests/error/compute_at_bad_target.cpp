// compute_at refuses unknown stages, placeholders and outputs; loops of
// stages that do not read the stage, or of inlined stages; stages with
// other readers; cycles; and a stage's own loops.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorComputeAt, UnknownStage) {
  Schedule sch(matmul_def());
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("Z", "C.i"); },
                 "no stage named 'Z' in matmul\n  stages, producers first: C");
}

TEST(ScheduleErrorComputeAt, Placeholder) {
  Schedule sch(matmul_def());
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("A", "C.i"); },
                 "'A' is a placeholder (an input of matmul); it is not computed, so it has no "
                 "schedule. Use cache_read(A, readers)");
}

TEST(ScheduleErrorComputeAt, OutputStage) {
  Schedule sch(two_readers_def());
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("C", "D.i"); },
                 "'C' is an output of two_readers; an output is stored whole in its buffer, so "
                 "it is computed at root");
}

TEST(ScheduleErrorComputeAt, TargetDoesNotReadTheStage) {
  Schedule sch(chain_def());
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("P", "R.i"); },
                 "'R' does not read 'P' (P is read by Q); compute P at a loop of a stage that "
                 "reads it");
}

TEST(ScheduleErrorComputeAt, ReadThroughAnInlinedStageIsFine) {
  Schedule sch(chain_def());
  sch.compute_inline("Q");
  sch.compute_at("P", "R.j");
  EXPECT_EQ(sch.stage("P").attach, AttachKind::At);
  EXPECT_EQ(sch.stage("P").attach_stage, "R");
  EXPECT_EQ(sch.stage("P").attach_loop, "R.j");
}

TEST(ScheduleErrorComputeAt, StageHasOtherReaders) {
  Schedule sch(two_readers_def());
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("B", "C.i"); },
                 "'B' is also read by D, besides C; computed inside C.i it would cover only what "
                 "C needs. Compute B at root or inline it");
}

TEST(ScheduleErrorComputeAt, Cycle) {
  Schedule sch(chain_def());
  sch.compute_at("P", "Q.i");
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("Q", "P.j"); },
                 "'P' is itself computed inside 'Q' (at Q.i); computing Q inside P would be a "
                 "cycle");
}

TEST(ScheduleErrorComputeAt, OwnLoop) {
  Schedule sch(chain_def());
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("P", "P.i"); },
                 "'P.i' is a loop of 'P' itself");
}

TEST(ScheduleErrorComputeAt, LoopOfAnInlinedStage) {
  Schedule sch(chain_def());
  sch.compute_inline("Q");
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("P", "Q.i"); },
                 "'Q' is inlined, so it has no loops; compute Q at root first");
}

TEST(ScheduleErrorComputeAt, UnknownLoop) {
  Schedule sch(chain_def());
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("P", "Q.z"); },
                 "stage 'Q' has no loop 'Q.z'");
}

TEST(ScheduleErrorComputeAt, UninliningWouldStrandAnAttachedStage) {
  Schedule sch(chain_def());
  sch.compute_inline("Q");
  sch.compute_at("P", "R.i");
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("Q", "R.j"); },
                 "this would leave stage 'P' computed at R.i while it is read by Q, not R; "
                 "compute P at root first");
}

}  // namespace
}  // namespace kiln
