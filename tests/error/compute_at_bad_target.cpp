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
                 "'B' is also read by D, which is not computed inside C.i; computed there it "
                 "would cover only what C needs. Compute D at C.i first, or compute B at root or "
                 "inline it");
}

// B's readers are C and E; E is computed inside C.j, so B at C.i (which
// encloses C.j) covers both. Moving E back to root would leave B short.
TEST(ScheduleErrorComputeAt, OtherReaderComputedInsideTheLoopIsFine) {
  Tensor A = placeholder({8, 6}, f32(), "A");
  Tensor B = compute({8, 6}, [&](Expr i, Expr j) { return A(i, j) * 2.0f; }, "B", {"i", "j"});
  Tensor E = compute({8, 6}, [&](Expr i, Expr j) { return B(i, j) - 1.0f; }, "E", {"i", "j"});
  Tensor C = compute({8, 6}, [&](Expr i, Expr j) { return B(i, j) + E(i, j); }, "C", {"i", "j"});
  Schedule sch(ComputeDef("inner_reader", {A}, {C}));
  sch.compute_at("E", "C.j");
  sch.compute_at("B", "C.i");
  EXPECT_EQ(sch.stage("B").attach_loop, "C.i");
  expect_refused(sch, "compute_root", [](Schedule& s) { s.compute_root("E"); },
                 "this would leave stage 'B' computed at C.i while it is read by E, outside C.i; "
                 "compute B at root first");
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
