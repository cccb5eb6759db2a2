// vectorize refuses reduction loops (a race), loops without a constant
// extent, loops wider than 64 lanes and loops marked with another kind.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorVectorize, ReductionLoopWouldRace) {
  Schedule sch(matmul_def());
  sch.split("C.i", 4);
  sch.split("C.j", 8);
  sch.reorder({"C.i.o", "C.j.o", "C.k", "C.i.i", "C.j.i"});
  expect_refused(sch, "vectorize", [](Schedule& s) { s.vectorize("C.k"); },
                 "kiln: schedule error in vectorize(C.k): 'C.k' is a reduction loop of stage "
                 "'C'; vectorizing it would race on C. Use rfactor(C.k) first, or vectorize a "
                 "spatial loop\n  loops of C, outer to inner: C.i.o, C.j.o, [C.k], C.i.i, C.j.i");
}

TEST(ScheduleErrorVectorize, NonConstantExtent) {
  Schedule sch(symbolic_matmul_def());
  expect_refused(sch, "vectorize", [](Schedule& s) { s.vectorize("C.j"); },
                 "'C.j' has no constant extent, so it cannot be vectorized; split it by a "
                 "constant factor first");
  // The outer half of a symbolic loop is not constant either; the inner is.
  sch.split("C.j", 8);
  expect_refused(sch, "vectorize", [](Schedule& s) { s.vectorize("C.j.o"); },
                 "split it by a constant factor first");
  sch.vectorize("C.j.i");
  EXPECT_EQ(sch.stage("C").kind_of("C.j.i"), ForKind::Vectorized);
}

TEST(ScheduleErrorVectorize, MoreThan64Lanes) {
  Tensor A = placeholder({100}, f32(), "A");
  Tensor C = compute({100}, [&](Expr i) { return A(i) + 1.0f; }, "C", {"i"});
  Schedule sch(ComputeDef("wide", {A}, {C}));
  expect_refused(sch, "vectorize", [](Schedule& s) { s.vectorize("C.i"); },
                 "'C.i' has 100 iterations, more than the 64 lanes a vector may have; split it "
                 "by a factor of at most 64");
  sch.split("C.i", 64);
  sch.vectorize("C.i.i");
}

TEST(ScheduleErrorVectorize, LoopMarkedAnotherKind) {
  Schedule sch(matmul_def());
  sch.unroll("C.j");
  expect_refused(sch, "vectorize", [](Schedule& s) { s.vectorize("C.j"); },
                 "'C.j' is already marked unrolled; a loop has one kind");
}

}  // namespace
}  // namespace kiln
