// Sums and products of f16/bf16 values accumulate in f32 and round once, so
// the schedule does not change the answer: before, 4096 ones summed in f16
// gave 2048 (f16 cannot hold 2049), and an rfactor gave a different answer
// from the default schedule.
#include <gmock/gmock.h>

#include "reference_check.h"

namespace kiln {
namespace {

ComputeDef row_sum(int64_t m, int64_t n, Type t) {
  Tensor X = placeholder({m, n}, t, "X");
  IterVar k = reduce_axis(n, "k");
  Tensor Y = compute({m}, [&](Expr i) { return sum(X(i, k.var), k); }, "Y", {"i"});
  return ComputeDef("row_sum", {X}, {Y});
}

std::vector<double> run(const Schedule& sch, const Buffer& x) {
  Buffer y(sch.def().outputs()[0].dtype(), {x.dim(0)});
  compile_jit(lower(sch))->run({x, y});
  std::vector<double> out;
  for (int64_t i = 0; i < y.numel(); ++i) out.push_back(y.get_f64(i));
  return out;
}

TEST(HalfAccumulation, FourThousandOnesSumToFourThousandAtAnySchedule) {
  for (Type t : {f16(), bf16()}) {
    SCOPED_TRACE(t.str());
    const ComputeDef def = row_sum(3, 4096, t);
    // The reduction is the f32 stage Y_acc; Y keeps its type and rounds.
    ASSERT_EQ(def.stages().size(), 2u);
    EXPECT_EQ(def.stages()[0]->name, "Y_acc");
    EXPECT_EQ(def.stages()[0]->dtype, f32());
    EXPECT_EQ(def.outputs()[0].name(), "Y");
    EXPECT_EQ(def.outputs()[0].dtype(), t);

    Buffer x(t, {3, 4096});
    for (int64_t p = 0; p < x.numel(); ++p) x.set_f64(p, 1.0);
    EXPECT_EQ(interpret(def, {x})[0].get_f64(0), 4096.0);
    Schedule plain(def);
    Schedule factored(def);
    auto [ko, ki] = factored.split("Y_acc.k", 16);
    factored.vectorize(factored.stage(factored.rfactor(ki)).leaf_loops[0]);
    Schedule attached(def);
    attached.compute_at("Y_acc", "Y.i");
    for (const Schedule* s : {&plain, &factored, &attached}) {
      EXPECT_THAT(run(*s, x), ::testing::Each(4096.0));
    }
  }
}

TEST(HalfAccumulation, RandomRowsMatchTheReferenceAtAwkwardSizes) {
  for (Type t : {f16(), bf16()}) {
    for (int64_t n : {1, 31, 33, 1000}) {
      Schedule sch(row_sum(7, n, t));
      auto [ko, ki] = sch.split("Y_acc.k", 8);
      sch.rfactor(ko);
      check::expect_matches_reference(sch, {}, 11, 0.0, 1.0);
    }
  }
}

TEST(HalfAccumulation, SchedulingTheWrittenStagesReductionPointsToTheAccumulator) {
  Schedule sch(row_sum(3, 9, bf16()));
  try {
    sch.split("Y.k", 4);
    FAIL() << "Y has no loop Y.k";
  } catch (const ScheduleError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("its reduction is the f32 stage Y_acc (sums of "
                                               "f16/bf16 accumulate in f32), so schedule Y_acc.k"));
  }
}

TEST(HalfAccumulation, MaxAndMinStayOneStage) {
  Tensor X = placeholder({5, 9}, f16(), "X");
  IterVar k = reduce_axis(9, "k");
  Tensor Y = compute({5}, [&](Expr i) { return max(X(i, k.var), k); }, "Y", {"i"});
  ComputeDef def("row_max", {X}, {Y});
  EXPECT_EQ(def.stages().size(), 1u);
  check::expect_matches_reference(Schedule(def));
}

}  // namespace
}  // namespace kiln
