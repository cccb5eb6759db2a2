// vectorize_loops on small hand-built loops: ramps instead of vectorized
// loops, serial fallbacks, and the same effect as what went in.
#include <gtest/gtest.h>

#include "tests/passes/pass_test_util.h"

namespace kiln {
namespace {

using namespace passtest;

TEST(VectorizeLoops, UnitStrideAccessesBecomeRamps) {
  Expr x = v("b") * i64c(8) + v("i");
  Stmt store = Store::make("out", Load::make(i64(), "in", x) * i64c(2) + v("b"), x);
  Stmt before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, store);
  Stmt after = vectorize_loops(before);
  Census c = census(after);
  EXPECT_EQ(c.fors, 0) << after;
  const Store* st = after.as<Store>();
  ASSERT_NE(st, nullptr) << after;
  const Ramp* r = st->index.as<Ramp>();
  ASSERT_NE(r, nullptr) << after;
  EXPECT_TRUE(is_const(r->stride, 1)) << after;
  EXPECT_EQ(r->lanes, 8);
  EXPECT_EQ(c.vector_loads, 1) << after;
  auto fill = [](Evaluator& e) {
    for (int k = 0; k < 32; k++) e.memory["in"][k] = k * k - 7;
  };
  for (int64_t b = 0; b < 4; b++) expect_same_effect(before, after, {{"b", b}}, {{"in", 32}, {"out", 32}}, fill);
}

TEST(VectorizeLoops, ReductionTileKeepsItsInnerLoop) {
  // C[j] = C[j] + A[k] * B[k*4 + j] for k in [0, 5), j vectorized by 4.
  Expr c_at = v("j"), b_at = v("k") * i64c(4) + v("j");
  Stmt update = Store::make("C", Load::make(i64(), "C", c_at) + Load::make(i64(), "A", v("k")) *
                                     Load::make(i64(), "B", b_at), c_at);
  Stmt init = Store::make("C", i64c(0), c_at);
  Stmt before = For::make("j", i64c(0), i64c(4), ForKind::Vectorized,
                          Block::make({init, For::make("k", i64c(0), i64c(5), ForKind::Serial, update)}));
  Stmt after = vectorize_loops(before);
  Census c = census(after);
  EXPECT_EQ(c.vectorized, 0) << after;
  ASSERT_EQ(c.fors, 1) << after;
  EXPECT_EQ(c.loops[0]->name, "k");
  EXPECT_GE(c.vector_loads, 2) << after;  // C and B; A stays scalar
  auto fill = [](Evaluator& e) {
    for (int k = 0; k < 20; k++) e.memory["B"][k] = 3 * k - 11;
    for (int k = 0; k < 5; k++) e.memory["A"][k] = k + 2;
  };
  expect_same_effect(before, after, {}, {{"A", 5}, {"B", 20}, {"C", 4}}, fill);
}

TEST(VectorizeLoops, LetsSelectsAndStridesMapLaneWise) {
  // let t = in[2*i + 1] in out[7 - i] = select(i < 3, t, t * N) + (i % 3)
  Expr t = v("t");
  Stmt store = Store::make("out", select(v("i") < i64c(3), t, t * v("N")) + v("i") % i64c(3),
                           i64c(7) - v("i"));
  Stmt before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized,
                          LetStmt::make("t", Load::make(i64(), "in", v("i") * i64c(2) + i64c(1)), store));
  Stmt after = vectorize_loops(before);
  EXPECT_EQ(census(after).fors, 0) << after;
  auto fill = [](Evaluator& e) {
    for (int k = 0; k < 17; k++) e.memory["in"][k] = 5 * k - 20;
  };
  expect_same_effect(before, after, {{"N", 3}}, {{"in", 17}, {"out", 8}}, fill);
}

TEST(VectorizeLoops, LaneDependentConditionFallsBackToSerial) {
  Stmt guarded = IfThenElse::make(likely(v("i") < v("N")), Store::make("out", v("i"), v("i")));
  Stmt before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, guarded);
  Stmt after = vectorize_loops(before);
  const For* f = after.as<For>();
  ASSERT_NE(f, nullptr) << after;
  EXPECT_EQ(f->for_kind, ForKind::Serial);
  for (int64_t n = 0; n <= 9; n++) expect_same_effect(before, after, {{"N", n}}, {{"out", 8}});

  // A store every lane would make to one element (an accumulation) stays serial too.
  Stmt acc = Store::make("s", Load::make(i64(), "s", i64c(0)) + v("i"), i64c(0));
  before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, acc);
  after = vectorize_loops(before);
  ASSERT_NE(after.as<For>(), nullptr) << after;
  EXPECT_EQ(after.as<For>()->for_kind, ForKind::Serial);
  expect_same_effect(before, after, {}, {{"s", 1}});

  // So does an update of a buffer at an address lanes can share.
  Stmt hist = Store::make("h", Load::make(i64(), "h", v("i") / i64c(3)) + v("i"), v("i") / i64c(3));
  before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, hist);
  after = vectorize_loops(before);
  ASSERT_NE(after.as<For>(), nullptr) << after;
  expect_same_effect(before, after, {}, {{"h", 3}});

  // A non-constant extent cannot be a vector width.
  before = For::make("i", i64c(0), v("N"), ForKind::Vectorized, Store::make("out", v("i"), v("i")));
  after = vectorize_loops(before);
  ASSERT_NE(after.as<For>(), nullptr) << after;
  EXPECT_EQ(after.as<For>()->for_kind, ForKind::Serial);
}

}  // namespace
}  // namespace kiln
