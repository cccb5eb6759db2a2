// Interval arithmetic: exact results for the cases bounds inference relies
// on, and a randomized check that every sampled value lies in bounds_of.
#include <gtest/gtest.h>

#include <random>

#include "dsl/interval.h"
#include "dsl/ir_equal.h"
#include "dsl/ir_operators.h"
#include "dsl/ir_printer.h"
#include "tests/passes/random_int_exprs.h"

namespace kiln {
namespace {

Interval range(int64_t lo, int64_t hi) { return Interval{make_index(lo), make_index(hi)}; }

std::string str(const Interval& r) {
  auto end = [](const Expr& e) { return e.defined() ? to_string(e) : std::string("unbounded"); };
  return "[" + end(r.min) + ", " + end(r.max) + "]";
}

std::string bounds(const Expr& e, const Scope& s = {}) { return str(bounds_of(e, s)); }

const Expr x = make_var("x"), y = make_var("y"), N = make_var("N");

TEST(Interval, SplitLoopsCoverTheirParent) {
  Expr io = make_var("i_o"), ii = make_var("i_i");
  Scope s{{"i_o", range(0, 3)}, {"i_i", range(0, 7)}};
  EXPECT_EQ(bounds(io * 8 + ii, s), "[0, 31]");
  EXPECT_EQ(bounds(io * 8 + ii + 1, s), "[1, 32]");
  // A symbolic outer extent stays symbolic.
  Scope sym{{"i_o", Interval{make_index(0), (N + 7) / 8 - 1}}, {"i_i", range(0, 7)}};
  EXPECT_EQ(bounds(io * 8 + ii, sym), "[0, (((N + 7)/8)*8) - 1]");
  // The outer loop fixed (a symbol), the inner one ranging: a window.
  EXPECT_EQ(bounds(io * 8 + ii, {{"i_i", range(0, 7)}}), "[i_o*8, (i_o*8) + 7]");
  // The extent of a clipped tile: the i_o*8 inside the min cancels.
  EXPECT_EQ(bounds(min(io * 8 + 8, N) - io * 8, s), "[min(N - 24, 8), min(N, 8)]");
  EXPECT_EQ(bounds(min(io * 8 + 8, make_index(30)) - io * 8, s), "[6, 8]");
}

TEST(Interval, LinearTermsCancelBeforeBounding) {
  EXPECT_EQ(bounds(x - x), "[0, 0]");
  EXPECT_EQ(bounds(x - x, {{"x", range(0, 10)}}), "[0, 0]");
  EXPECT_EQ(bounds(N - x, {{"x", Interval{make_index(0), N - 1}}}), "[1, N]");
  EXPECT_EQ(bounds(3 - x * 2, {{"x", range(-1, 4)}}), "[-5, 5]");
  EXPECT_EQ(bounds(x + y), "[x + y, x + y]");
  EXPECT_TRUE(bounds_of(x + y, {}).is_point());
}

TEST(Interval, DivisionModuloMinMaxSelect) {
  Scope s{{"x", range(-5, 9)}, {"y", range(1, 4)}};
  EXPECT_EQ(bounds(x / 4, s), "[-2, 2]");
  EXPECT_EQ(bounds(x / -4, s), "[-3, 1]");
  EXPECT_EQ(bounds(x % 8, s), "[0, 7]");
  EXPECT_EQ(bounds(y % 8, s), "[1, 4]");
  EXPECT_EQ(bounds(x % 8), "[0, 7]");
  EXPECT_EQ(bounds(x % y, s), "[0, 3]");
  EXPECT_EQ(bounds(min(x, 5), s), "[-5, 5]");
  EXPECT_EQ(bounds(max(x, y), s), "[1, 9]");
  EXPECT_EQ(bounds(min(x, N), s), "[min(N, -5), min(N, 9)]");
  EXPECT_EQ(bounds(select(x < y, y * 2, x), s), "[-5, 9]");
  EXPECT_EQ(bounds(x * y, s), "[-20, 36]");
  EXPECT_EQ(bounds(y * y, s), "[1, 16]");
  EXPECT_EQ(bounds(abs(x), s), "[0, 9]");
}

TEST(Interval, ComparisonsLoadsLetsAndVectors) {
  Scope s{{"x", range(0, 15)}};
  EXPECT_EQ(bounds(x < 16, s), "[true, true]");
  EXPECT_EQ(bounds(x < 8, s), "[false, true]");
  EXPECT_EQ(bounds(cast(i64(), x < 8), s), "[0, 1]");
  EXPECT_EQ(bounds(Load::make(f32(), "A", x), s), "[unbounded, unbounded]");
  EXPECT_EQ(bounds(Load::make(i64(), "idx", x) + 1, s), "[unbounded, unbounded]");
  EXPECT_EQ(bounds(Let::make("t", x * 2, make_var("t") + 1), s), "[1, 31]");
  EXPECT_EQ(bounds(Ramp::make(x, make_index(2), 4), s), "[0, 21]");
  EXPECT_EQ(bounds(Ramp::make(x, make_index(-1), 4), s), "[-3, 15]");
  EXPECT_EQ(bounds(Broadcast::make(x, 8), s), "[0, 15]");
  EXPECT_EQ(bounds(cast(f32(), x), s), "[0.0f, 15.0f]");
  Expr v = Var::make(f32(), "v");
  EXPECT_EQ(bounds(v * 2.0f + 1.0f), "[(v*2.0f) + 1.0f, (v*2.0f) + 1.0f]");
}

TEST(Interval, NarrowIntegersAccountForWrapAround) {
  Expr a = Var::make(i8(), "a");
  Scope s{{"a", Interval{IntImm::make(i8(), 0), IntImm::make(i8(), 100)}}};
  EXPECT_EQ(bounds(a + IntImm::make(i8(), 20), s), "[(int8)20, (int8)120]");
  // a + 100 wraps for a > 27: any i8 value is possible.
  EXPECT_EQ(bounds(a + IntImm::make(i8(), 100), s), "[(int8)-128, (int8)127]");
}

TEST(Interval, UnionAndPoints) {
  Interval a = range(0, 3), b{x, x + 5};
  EXPECT_EQ(str(interval_union(a, b)), "[min(x, 0), max(x + 5, 3)]");
  EXPECT_EQ(str(interval_union(a, Interval{make_index(1), Expr()})), "[0, unbounded]");
  EXPECT_TRUE(Interval::point(x + 1).is_point());
  EXPECT_TRUE((Interval{x + 1, x + 1}).is_point());
  EXPECT_FALSE(a.is_point());
  EXPECT_FALSE(Interval::everything().is_bounded());
}

/// Every sampled value of a random expression lies within its bounds.
void check_contains(Type t, uint32_t seed, int count) {
  std::mt19937 rng(seed);
  int bounded = 0;
  for (int n = 0; n < count; ++n) {
    randexpr::RandomCase c = randexpr::random_case(rng, t);
    Interval r = bounds_of(c.expr, c.scope);
    bounded += r.is_bounded();
    for (int p = 0; p < 24; ++p) {
      randexpr::Env env = randexpr::random_point(rng, c);
      int64_t v = randexpr::eval(c.expr, env);
      if (r.min.defined()) {
        ASSERT_LE(randexpr::eval(r.min, env), v)
            << "e = " << c.expr << "\nbounds " << str(r) << "\nat " << randexpr::str(env);
      }
      if (r.max.defined()) {
        ASSERT_GE(randexpr::eval(r.max, env), v)
            << "e = " << c.expr << "\nbounds " << str(r) << "\nat " << randexpr::str(env);
      }
    }
  }
  EXPECT_GT(bounded, count / 4) << "most expressions should get some bounds";
}

TEST(IntervalRandom, ContainsEverySampledValueI64) { check_contains(i64(), 42, 3000); }
TEST(IntervalRandom, ContainsEverySampledValueWrappingI8) { check_contains(i8(), 5, 2000); }

/// For sums of ranged vars with constant coefficients the bounds are exact.
TEST(IntervalRandom, LinearSumsAreTight) {
  std::mt19937 rng(3);
  for (int n = 0; n < 500; ++n) {
    randexpr::RandomCase c = randexpr::random_case(rng, i64());
    Expr e = make_index(static_cast<int64_t>(rng() % 21) - 10);
    for (const char* name : {"x", "y", "z"}) {
      e = e + make_var(name) * make_index(static_cast<int64_t>(rng() % 13) - 6);
    }
    c.expr = e;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    randexpr::for_each_point(c, [&](const randexpr::Env& env) {
      int64_t v = randexpr::eval(e, env);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    });
    Interval r = bounds_of(e, c.scope);
    ASSERT_TRUE(is_const(r.min, lo) && is_const(r.max, hi))
        << e << " has range [" << lo << ", " << hi << "], bounds_of gives " << str(r);
  }
}

}  // namespace
}  // namespace kiln
