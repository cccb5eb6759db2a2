// cache_read, cache_write and rfactor rewrite the definition. The rewritten
// definition must compute the same outputs: checked with the reference
// interpreter on random inputs, at sizes that split factors do not divide.
#include <gtest/gtest.h>

#include "dsl/interpreter.h"
#include "runtime/buffer.h"
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

std::vector<Buffer> random_inputs(const ComputeDef& def) {
  std::vector<Buffer> inputs;
  for (size_t a = 0; a < def.inputs().size(); ++a) {
    const Tensor& t = def.inputs()[a];
    Buffer b(t.dtype(), concrete_shape(t.shape(), {}));
    b.fill_random(100 + a);
    inputs.push_back(b);
  }
  return inputs;
}

/// The schedule's (rewritten) definition computes what `original` computes.
void expect_same_outputs(const ComputeDef& original, const Schedule& sch) {
  std::vector<Buffer> inputs = random_inputs(original);
  std::vector<Buffer> expected = interpret(original, inputs);
  std::vector<Buffer> actual = interpret(sch.def(), inputs);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t o = 0; o < expected.size(); ++o) {
    EXPECT_LT(max_relative_error(actual[o], expected[o], 1e-3), 1e-4)
        << "output " << o << " differs; trace:\n" << sch.trace().to_json(original.name());
  }
  // Every stage schedule points at the op of its name in the new def.
  ASSERT_EQ(sch.stages().size(), sch.def().stages().size());
  for (const StageSchedule& st : sch.stages()) EXPECT_EQ(st.op, sch.def().find(st.name));
}

std::vector<std::string> stage_names(const Schedule& sch) {
  std::vector<std::string> names;
  for (const StageSchedule& st : sch.stages()) names.push_back(st.name);
  return names;
}

/// out[i] = reducer over k in [lo, lo + extent) (and l in [0, 3)) of
/// X[i, k, l], where cond holds.
ComputeDef reduction_def(ReduceOp op, int64_t lo, int64_t extent, bool two_axes, bool cond) {
  Tensor X = placeholder({5, lo + extent, 3}, f32(), "X");
  IterVar k = reduce_axis(make_index(lo), make_index(extent), "k");
  IterVar l = reduce_axis(3, "l");
  Tensor out = compute(
      {5},
      [&](Expr i) {
        std::vector<IterVar> axes = {k};
        if (two_axes) axes.push_back(l);
        Expr src = X(i, k.var, two_axes ? l.var : Expr(make_index(1)));
        Expr c = cond ? Expr(k.var + i >= make_index(lo + 2)) : Expr();
        switch (op) {
          case ReduceOp::Sum: return sum(src, axes, c);
          case ReduceOp::Prod: return prod(src, axes, c);
          case ReduceOp::Max: return max(src, axes, c);
          case ReduceOp::Min: return min(src, axes, c);
        }
        return Expr();
      },
      "out", {"i"});
  return ComputeDef("reduction", {X}, {out});
}

TEST(ScheduleGraphRewrite, RfactorOfARootLoop) {
  ComputeDef def = matmul_def();
  Schedule sch(def);
  EXPECT_EQ(sch.rfactor("C.k"), "C_rf");
  EXPECT_EQ(stage_names(sch), (std::vector<std::string>{"C_rf", "C"}));
  EXPECT_EQ(sch.stage("C_rf").root_loops, (std::vector<std::string>{"C_rf.k", "C_rf.i", "C_rf.j"}));
  EXPECT_FALSE(sch.stage("C_rf").op->is_reduction());  // k was the only reduction axis
  EXPECT_EQ(sch.stage("C").root_loops, (std::vector<std::string>{"C.i", "C.j", "C.k"}));
  expect_same_outputs(def, sch);
}

TEST(ScheduleGraphRewrite, RfactorOfSplitHalves) {
  for (bool nparts : {false, true}) {
    for (int amount : {1, 5, 11, 13}) {
      for (const char* half : {"C.k.i", "C.k.o"}) {
        ComputeDef def = matmul_def();
        Schedule sch(def);
        if (nparts) {
          sch.split_nparts("C.k", amount);
        } else {
          sch.split("C.k", amount);
        }
        sch.rfactor(half);
        expect_same_outputs(def, sch);
      }
    }
    for (const char* half : {"C.k.i", "C.k.o"}) {
      ComputeDef def = matmul_def();
      Schedule sch(def);
      if (nparts) {
        sch.split_nparts("C.k", 3);  // 11 = 3 parts of 4, the last one short
      } else {
        sch.split("C.k", 4);
      }
      sch.rfactor(half);
      int64_t extent = 0;
      const StageSchedule& rf = sch.stage("C_rf");
      ASSERT_TRUE(constant_loop_extent(rf, rf.root_loops[0], &extent));
      // Both splits of 11 make an outer half of 3 and an inner half of 4.
      EXPECT_EQ(extent, std::string(half) == "C.k.o" ? 3 : 4);
      expect_same_outputs(def, sch);
    }
  }
}

TEST(ScheduleGraphRewrite, RfactorKeepsOtherAxesConditionsAndReducers) {
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min, ReduceOp::Prod}) {
    for (bool two_axes : {false, true}) {
      for (bool cond : {false, true}) {
        SCOPED_TRACE(std::string(reduce_op_name(op)) + (two_axes ? " two axes" : " one axis") +
                     (cond ? " with condition" : ""));
        ComputeDef def = reduction_def(op, 2, 7, two_axes, cond);
        Schedule root(def);
        root.rfactor("out.k");
        expect_same_outputs(def, root);
        for (const char* half : {"out.k.o", "out.k.i"}) {
          Schedule split(def);
          split.split("out.k", 3);  // 7 = 3 + 3 + 1
          split.rfactor(half);
          expect_same_outputs(def, split);
        }
        if (two_axes) {
          Schedule second(def);
          second.split("out.l", 2);
          second.rfactor("out.l.i");
          expect_same_outputs(def, second);
        }
      }
    }
  }
}

TEST(ScheduleGraphRewrite, RfactorWithAProducerAndAConsumer) {
  ComputeDef def = reduce_epilogue_def();
  Schedule sch(def);
  sch.split("row_max.k", 8);
  sch.rfactor("row_max.k.i");
  EXPECT_EQ(stage_names(sch), (std::vector<std::string>{"row_max_rf", "row_max", "out"}));
  sch.vectorize("row_max_rf.k_i");
  sch.compute_at("row_max", "out.i");
  expect_same_outputs(def, sch);
}

TEST(ScheduleGraphRewrite, CacheWrite) {
  ComputeDef def = matmul_def();
  Schedule sch(def);
  EXPECT_EQ(sch.cache_write("C"), "C_local");
  EXPECT_EQ(stage_names(sch), (std::vector<std::string>{"C_local", "C"}));
  EXPECT_EQ(sch.stage("C_local").root_loops,
            (std::vector<std::string>{"C_local.i", "C_local.j", "C_local.k"}));
  EXPECT_EQ(sch.stage("C").root_loops, (std::vector<std::string>{"C.i", "C.j"}));
  sch.compute_at("C_local", "C.i");
  expect_same_outputs(def, sch);

  ComputeDef chain = chain_def();
  Schedule elementwise(chain);
  elementwise.cache_write("Q");
  EXPECT_EQ(stage_names(elementwise), (std::vector<std::string>{"P", "Q_local", "Q", "R"}));
  expect_same_outputs(chain, elementwise);
}

TEST(ScheduleGraphRewrite, CacheReadOfAnInputAndOfAStage) {
  ComputeDef def = two_readers_def();
  Schedule sch(def);
  EXPECT_EQ(sch.cache_read("A", {"D"}), "A_cache");
  EXPECT_EQ(sch.cache_read("B", {"C", "D"}), "B_cache");
  EXPECT_EQ(stage_names(sch), (std::vector<std::string>{"B", "B_cache", "C", "A_cache", "D"}));
  // B is now read by B_cache alone, so it can be computed inside it.
  sch.compute_at("B", "B_cache.j");
  expect_same_outputs(def, sch);

  ComputeDef blur = blur_def();
  Schedule b(blur);
  b.cache_read("blur_x", {"blur_y"});
  EXPECT_EQ(b.stage("blur_x_cache").root_loops,
            (std::vector<std::string>{"blur_x_cache.y", "blur_x_cache.x"}));
  b.compute_at("blur_x_cache", "blur_y.y");
  expect_same_outputs(blur, b);
}

TEST(ScheduleGraphRewrite, SchedulesOfOtherStagesSurviveRewrites) {
  ComputeDef def = reduce_epilogue_def();
  Schedule sch(def);
  sch.split("out.j", 8);
  sch.vectorize("out.j.i");
  sch.cache_write("row_max");
  sch.cache_read("X", {"out"});
  const StageSchedule& out = sch.stage("out");
  EXPECT_EQ(out.leaf_loops, (std::vector<std::string>{"out.i", "out.j.o", "out.j.i"}));
  EXPECT_EQ(out.kind_of("out.j.i"), ForKind::Vectorized);
  expect_same_outputs(def, sch);
}

}  // namespace
}  // namespace kiln
