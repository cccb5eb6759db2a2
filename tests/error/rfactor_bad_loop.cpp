// rfactor takes a root reduction loop or one half of a single split of
// one, on a stage with nothing but such splits applied.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

/// C[i] = sum over k, l of A[i, k, l].
ComputeDef two_reductions_def() {
  Tensor A = placeholder({5, 6, 7}, f32(), "A");
  IterVar k = reduce_axis(6, "k");
  IterVar l = reduce_axis(7, "l");
  Tensor C = compute({5}, [&](Expr i) { return sum(A(i, k.var, l.var), {k, l}); }, "C", {"i"});
  return ComputeDef("sum2", {A}, {C});
}

/// P = 2 * A; C[i] = sum_k P[i, k].
ComputeDef producer_reduction_def() {
  Tensor A = placeholder({5, 9}, f32(), "A");
  Tensor P = compute({5, 9}, [&](Expr i, Expr j) { return A(i, j) * 2.0f; }, "P", {"i", "j"});
  IterVar k = reduce_axis(9, "k");
  Tensor C = compute({5}, [&](Expr i) { return sum(P(i, k.var), k); }, "C", {"i"});
  return ComputeDef("row_sum", {A}, {C});
}

TEST(ScheduleErrorRfactor, SpatialLoop) {
  Schedule sch(matmul_def());
  expect_refused(sch, "rfactor", [](Schedule& s) { s.rfactor("C.i"); },
                 "'C.i' is a spatial loop; rfactor takes a reduction loop of C");
}

TEST(ScheduleErrorRfactor, FusedLoop) {
  Schedule sch(two_reductions_def());
  sch.fuse("C.k", "C.l");
  expect_refused(sch, "rfactor", [](Schedule& s) { s.rfactor("C.k_l"); },
                 "'C.k_l' was made by fuse; rfactor takes a root reduction loop or one half of a "
                 "split of one");
}

TEST(ScheduleErrorRfactor, TwoLevelsOfSplit) {
  Schedule sch(matmul_def());
  sch.split("C.k", 4);
  sch.split("C.k.i", 2);
  expect_refused(sch, "rfactor", [](Schedule& s) { s.rfactor("C.k.i.o"); },
                 "'C.k.i.o' comes from 2 levels of split");
}

TEST(ScheduleErrorRfactor, StageAlreadyScheduled) {
  Schedule split_spatial(matmul_def());
  split_spatial.split("C.i", 4);
  expect_refused(split_spatial, "rfactor", [](Schedule& s) { s.rfactor("C.k"); },
                 "'C' is already scheduled (C.i was split); apply rfactor(C.k) right after "
                 "splitting the reduction loop");
  Schedule reordered(matmul_def());
  reordered.split("C.k", 4);
  reordered.reorder({"C.k.i", "C.k.o"});
  expect_refused(reordered, "rfactor", [](Schedule& s) { s.rfactor("C.k.i"); },
                 "(its loops were reordered); apply rfactor(C.k.i) right after splitting");
  Schedule marked(matmul_def());
  marked.vectorize("C.j");
  expect_refused(marked, "rfactor", [](Schedule& s) { s.rfactor("C.k"); },
                 "(C.j is marked vectorized); apply rfactor(C.k) right after splitting");
  Schedule attached(producer_reduction_def());
  attached.compute_at("P", "C.i");
  expect_refused(attached, "rfactor", [](Schedule& s) { s.rfactor("C.k"); },
                 "(P computed at its loops); apply rfactor(C.k) right after splitting");
}

TEST(ScheduleErrorRfactor, Twice) {
  Schedule sch(matmul_def());
  EXPECT_EQ(sch.rfactor("C.k"), "C_rf");
  expect_refused(sch, "rfactor", [](Schedule& s) { s.rfactor("C.k"); },
                 "it would add stage 'C_rf', but matmul already has one");
}

TEST(ScheduleErrorRfactor, SplitOfTheReductionLoopIsAccepted) {
  Schedule sch(matmul_def());
  sch.split("C.k", 4);
  EXPECT_EQ(sch.rfactor("C.k.i"), "C_rf");
  EXPECT_EQ(sch.stage("C_rf").root_loops,
            (std::vector<std::string>{"C_rf.k_i", "C_rf.i", "C_rf.j", "C_rf.k_o"}));
  EXPECT_EQ(sch.stage("C").root_loops, (std::vector<std::string>{"C.i", "C.j", "C.k_i"}));
  EXPECT_EQ(sch.stage("C_rf").loop_axis_kind.at("C_rf.k_i"), AxisKind::Spatial);
  // The new spatial loop can now be vectorized or run in parallel.
  sch.vectorize("C_rf.k_i");
}

}  // namespace
}  // namespace kiln
