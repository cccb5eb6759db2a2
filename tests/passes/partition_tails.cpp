// partition_tails on small hand-built nests: no guard in the steady loop,
// and the same effect as what went in for every size in a range.
#include <gtest/gtest.h>

#include "tests/passes/pass_test_util.h"

namespace kiln {
namespace {

using namespace passtest;

/// for o in [0, ceil(N/8)): for i in [0, 8) (kind): if likely(o*8 + i < N) out[o*8+i] = 3*(o*8+i) + 1
Stmt split_tail_nest(ForKind inner_kind) {
  Expr x = v("o") * i64c(8) + v("i");
  Stmt store = Store::make("out", x * i64c(3) + i64c(1), x);
  Stmt guarded = IfThenElse::make(likely(x < v("N")), store);
  Stmt inner = For::make("i", i64c(0), i64c(8), inner_kind, guarded);
  return For::make("o", i64c(0), (v("N") + i64c(7)) / i64c(8), ForKind::Serial, inner);
}

TEST(PartitionTails, SplitTailBecomesSteadyLoopAndEpilogue) {
  Stmt before = split_tail_nest(ForKind::Vectorized);
  Stmt after = partition_tails(before);
  std::vector<const For*> loops = top_loops(after);
  ASSERT_EQ(loops.size(), 2u) << after;
  EXPECT_EQ(loops[0]->name, "o");
  EXPECT_EQ(loops[1]->name, "o");
  EXPECT_EQ(census(loops[0]->body).ifs, 0) << "steady loop keeps a guard:\n" << after;
  EXPECT_EQ(census(loops[1]->body).ifs, 1) << after;
  // The vectorized loop keeps its constant extent in both pieces.
  for (const For* o : loops) {
    const For* inner = o->body.as<For>();
    ASSERT_NE(inner, nullptr) << after;
    EXPECT_EQ(inner->for_kind, ForKind::Vectorized);
    EXPECT_TRUE(is_const(inner->extent, 8));
  }
  for (int64_t n = 0; n <= 26; n++) {
    expect_same_effect(before, after, {{"N", n}}, {{"out", 32}});
    // The steady part covers exactly the whole blocks.
    Evaluator e({});
    e.vars = {{"N", n}};
    EXPECT_EQ(e.eval(loops[0]->extent), Value{n / 8}) << "N=" << n << "\n" << after;
  }
}

TEST(PartitionTails, LowerAndUpperBoundsGiveThreePieces) {
  // A stage computed at a loop reads a window that starts before 0 and runs
  // past N: the guard has both sides.
  Expr x = v("x") - i64c(2);
  Stmt store = Store::make("out", x, v("x"));
  Stmt guarded = IfThenElse::make(likely(x >= i64c(0)) && likely(x * i64c(2) + i64c(1) < v("N")), store);
  Stmt before = For::make("x", i64c(0), v("N") + i64c(4), ForKind::Parallel, guarded);
  Stmt after = partition_tails(before);
  std::vector<const For*> loops = top_loops(after);
  ASSERT_EQ(loops.size(), 3u) << after;
  for (const For* f : loops) EXPECT_EQ(f->for_kind, ForKind::Parallel);
  EXPECT_EQ(census(loops[1]->body).ifs, 0) << after;
  for (int64_t n = 0; n <= 13; n++) expect_same_effect(before, after, {{"N", n}}, {{"out", 20}});
}

TEST(PartitionTails, TermsOfOtherShapesStay) {
  // Floor division of the loop variable is not linear: the guard is kept
  // whole; the linear term next to it is solved and dropped.
  Stmt store = Store::make("out", v("x"), v("x"));
  Stmt nonlinear = IfThenElse::make(likely(v("x") / i64c(3) < v("N")), store);
  Stmt before = For::make("x", i64c(0), i64c(20), ForKind::Serial, nonlinear);
  EXPECT_TRUE(partition_tails(before).same_as(before));

  Stmt mixed = IfThenElse::make(likely(v("x") / i64c(3) < v("N")) && likely(v("x") < v("M")), store);
  before = For::make("x", i64c(0), i64c(20), ForKind::Serial, mixed);
  Stmt after = partition_tails(before);
  std::vector<const For*> loops = top_loops(after);
  ASSERT_EQ(loops.size(), 2u) << after;
  Census steady = census(loops[0]->body);
  EXPECT_EQ(steady.ifs, 1) << after;
  EXPECT_EQ(to_string(loops[0]->body).find("M"), std::string::npos) << after;
  for (int64_t n = 0; n <= 8; n++) {
    for (int64_t m = -1; m <= 22; m += 3) {
      expect_same_effect(before, after, {{"N", n}, {"M", m}}, {{"out", 20}});
    }
  }
}

TEST(PartitionTails, VectorizedAndUnrolledLoopsAreNotSplit) {
  Stmt store = Store::make("out", v("i"), v("i"));
  Stmt guarded = IfThenElse::make(likely(v("i") < v("N")), store);
  for (ForKind k : {ForKind::Vectorized, ForKind::Unrolled}) {
    Stmt before = For::make("i", i64c(0), i64c(8), k, guarded);
    EXPECT_TRUE(partition_tails(before).same_as(before));
  }
}

TEST(PartitionTails, SeesThroughLetsAndNestedLoops) {
  // 2-D tiles: both outer loops split; the four corners' innermost loops
  // keep guards only where a tail is.
  Expr y = v("yo") * i64c(4) + v("yi");
  Stmt body = LetStmt::make(
      "x", v("xo") * i64c(3) + v("xi"),
      IfThenElse::make(likely(y < v("H")) && likely(v("x") < v("W")),
                       Store::make("out", y * i64c(100) + v("x"), y * i64c(16) + v("x"))));
  Stmt nest = For::make("xi", i64c(0), i64c(3), ForKind::Serial, body);
  nest = For::make("yi", i64c(0), i64c(4), ForKind::Serial, nest);
  nest = For::make("xo", i64c(0), (v("W") + i64c(2)) / i64c(3), ForKind::Serial, nest);
  Stmt before = For::make("yo", i64c(0), (v("H") + i64c(3)) / i64c(4), ForKind::Serial, nest);
  Stmt after = partition_tails(before);
  std::vector<const For*> ys = top_loops(after);
  ASSERT_EQ(ys.size(), 2u) << after;
  std::vector<const For*> steady_xs = top_loops(ys[0]->body);
  ASSERT_EQ(steady_xs.size(), 2u) << after;
  EXPECT_EQ(census(steady_xs[0]->body).ifs, 0) << after;
  for (int64_t h = 0; h <= 9; h++) {
    for (int64_t w = 0; w <= 10; w++) expect_same_effect(before, after, {{"H", h}, {"W", w}}, {{"out", 16 * 16}});
  }
}

}  // namespace
}  // namespace kiln
