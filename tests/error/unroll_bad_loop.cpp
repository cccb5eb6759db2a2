// unroll refuses loops without a constant extent, loops of more than 256
// iterations and loops marked with another kind.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorUnroll, NonConstantExtent) {
  Schedule sch(symbolic_matmul_def());
  expect_refused(sch, "unroll", [](Schedule& s) { s.unroll("C.k"); },
                 "'C.k' has no constant extent, so it cannot be unrolled; split it by a constant "
                 "factor first");
}

TEST(ScheduleErrorUnroll, MoreThan256Iterations) {
  Tensor A = placeholder({300}, f32(), "A");
  Tensor C = compute({300}, [&](Expr i) { return A(i) * 2.0f; }, "C", {"i"});
  Schedule sch(ComputeDef("long", {A}, {C}));
  expect_refused(sch, "unroll", [](Schedule& s) { s.unroll("C.i"); },
                 "'C.i' has 300 iterations, more than the 256 a loop may be unrolled to");
  sch.split_nparts("C.i", 2);  // inner: ceil(300 / 2) = 150
  sch.unroll("C.i.i");
}

TEST(ScheduleErrorUnroll, LoopMarkedAnotherKind) {
  Schedule sch(matmul_def());
  sch.parallel("C.i");
  expect_refused(sch, "unroll", [](Schedule& s) { s.unroll("C.i"); },
                 "'C.i' is already marked parallel; a loop has one kind");
}

TEST(ScheduleErrorUnroll, ReductionLoopMayBeUnrolled) {
  Schedule sch(matmul_def());
  sch.unroll("C.k");
  sch.unroll("C.k");  // marking the same kind again changes nothing
  EXPECT_EQ(sch.stage("C").kind_of("C.k"), ForKind::Unrolled);
}

}  // namespace
}  // namespace kiln
