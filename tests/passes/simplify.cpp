// The simplifier: exact outputs for folding, canonical linear forms, rules
// for division, min/max and logic, conditions proved from loop ranges and
// statements; then a randomized check that simplify never changes a value.
#include <gtest/gtest.h>

#include <random>

#include "dsl/ir_equal.h"
#include "dsl/ir_operators.h"
#include "dsl/ir_printer.h"
#include "dsl/simplify.h"
#include "tests/passes/random_int_exprs.h"

namespace kiln {
namespace {

std::string simp(const Expr& e, const Scope& scope = {}) { return to_string(simplify(e, scope)); }

Interval range(int64_t lo, int64_t hi) { return Interval{make_index(lo), make_index(hi)}; }

const Expr x = make_var("x"), y = make_var("y"), N = make_var("N");

TEST(Simplify, FoldsIntegerArithmeticWithFloorDivision) {
  EXPECT_EQ(simp(Expr(7) / Expr(-2)), "-4");
  EXPECT_EQ(simp(Expr(-7) / Expr(2)), "-4");
  EXPECT_EQ(simp(Expr(-7) % Expr(2)), "1");
  EXPECT_EQ(simp(Expr(7) % Expr(-2)), "-1");
  EXPECT_EQ(simp(Expr(-8) / Expr(4)), "-2");
  EXPECT_EQ(simp(min(Expr(3), Expr(-5)) + max(Expr(2), Expr(9))), "4");
  EXPECT_EQ(simp(Expr(5) / Expr(0)), "5/0");  // left for the target to trap
}

TEST(Simplify, FoldsNarrowIntegersWithWrapAround) {
  Expr a = IntImm::make(i8(), 100), b = IntImm::make(i8(), 100);
  EXPECT_EQ(simp(a + b), "(int8)-56");
  EXPECT_EQ(simp(IntImm::make(i8(), -128) / IntImm::make(i8(), -1)), "(int8)-128");
  EXPECT_EQ(simp(cast(i8(), Expr(300))), "(int8)44");
  EXPECT_EQ(simp(IntImm::make(u8(), 3) - IntImm::make(u8(), 5)), "(uint8)254");
  EXPECT_EQ(simp(IntImm::make(u8(), 250) < IntImm::make(u8(), 5)), "false");
}

TEST(Simplify, FoldsFloatsExactlyAndNeverReassociates) {
  Expr f = simplify(Expr(0.1f) + Expr(0.2f));
  ASSERT_TRUE(f.as<FloatImm>());
  EXPECT_EQ(f.as<FloatImm>()->value, static_cast<double>(0.1f + 0.2f));
  Expr v = Var::make(f32(), "v");
  EXPECT_EQ(simp((v + 1.0f) + 2.0f), "v + 1.0f + 2.0f");  // (v + 1) + 2, not v + 3
  EXPECT_EQ(simp(v + 0.0f), "v + 0.0f");  // -0.0 + 0.0 is +0.0
  EXPECT_EQ(simp(v * 1.0f), "v");
  EXPECT_EQ(simp(v == v), "v == v");  // false for NaN
  EXPECT_EQ(simp(exp(Expr(1.0f))), "exp(1.0f)");
  EXPECT_EQ(simp(floor(Expr(-1.5f))), "-2.0f");
}

TEST(Simplify, CanonicalLinearForms) {
  EXPECT_EQ(simp((x + 3) - 1), "x + 2");
  EXPECT_EQ(simp(x - x), "0");
  EXPECT_EQ(simp(y + x * 16), "(x*16) + y");
  EXPECT_EQ(simp(3 + y + x * 16 + 2 * x), "(x*18) + y + 3");
  EXPECT_EQ(simp((x * 4 + y) * 4 - x * 16), "y*4");
  EXPECT_EQ(simp(3 - x), "3 - x");
  EXPECT_EQ(simp(x * 2 - y * 3 + 1), "((x*2) - (y*3)) + 1");
  EXPECT_EQ(simp(x - 5), "x - 5");
  EXPECT_EQ(simp((x + 1) * (y + 2) - (x + 1) * (y + 2)), "0");
  EXPECT_EQ(simp(x * (y + 1)), "x + (x*y)");
}

TEST(Simplify, DivisionAndModuloByConstants) {
  Scope s{{"y", range(0, 7)}};
  EXPECT_EQ(simp((x * 8 + y) / 8, s), "x");
  EXPECT_EQ(simp((x * 8 + y) / 8), "x + (y/8)");
  EXPECT_EQ(simp((x * 8 + y) % 8), "y % 8");
  EXPECT_EQ(simp((x * 8 + y) % 8, s), "y");
  EXPECT_EQ(simp((x * 16 + 15) / 8), "(x*2) + 1");
  EXPECT_EQ(simp((N + 7) / 8), "(N + 7)/8");
  EXPECT_EQ(simp(x / 8 / 4), "x/32");
  EXPECT_EQ(simp((x % 16) % 8), "x % 8");
  EXPECT_EQ(simp(x * 6 % 3), "0");
  EXPECT_EQ(simp(x / 1), "x");
  EXPECT_EQ(simp(x % 1), "0");
  EXPECT_EQ(simp(y / 8, s), "0");
}

TEST(Simplify, MinMaxRules) {
  EXPECT_EQ(simp(min(x, x)), "x");
  EXPECT_EQ(simp(min(x + 1, x + 3)), "x + 1");
  EXPECT_EQ(simp(max(x + 1, x + 3)), "x + 3");
  EXPECT_EQ(simp(min(Expr(3), x)), "min(x, 3)");
  EXPECT_EQ(simp(min(min(x, 5), 3)), "min(x, 3)");
  EXPECT_EQ(simp(max(max(x, 5), 3)), "max(x, 5)");
  EXPECT_EQ(simp(min(x, 5), {{"x", range(0, 3)}}), "x");
  EXPECT_EQ(simp(max(x, 5), {{"x", range(0, 3)}}), "5");
  Expr io = make_var("i_o");
  EXPECT_EQ(simp(min(io * 8 + 8, N) - io * 8, {{"i_o", range(0, 3)}}),
            "min((i_o*8) + 8, N) - (i_o*8)");
  // Symbolic ranges: j < N - 1 makes min(j, N) the j.
  EXPECT_EQ(simp(min(y, N), {{"y", Interval{make_index(0), N - 1}}}), "y");
}

TEST(Simplify, ConditionsProvedFromRanges) {
  Expr i = make_var("i"), j = make_var("j");
  Scope s{{"i", range(0, 15)}};
  EXPECT_EQ(simp(i < 16, s), "true");
  EXPECT_EQ(simp(i < 15, s), "i < 15");
  EXPECT_EQ(simp(i >= 0, s), "true");
  EXPECT_EQ(simp(i > 15, s), "false");
  EXPECT_EQ(simp(i == 20, s), "false");
  EXPECT_EQ(simp(i * 4 + j < N, s), "((i*4) + j) < N");
  EXPECT_EQ(simp(likely(i < 16), s), "true");
  EXPECT_EQ(simp(likely(i < 15), s), "likely(i < 15)");
  EXPECT_EQ(simp(j < N, {{"j", Interval{make_index(0), N - 1}}}), "true");
  // An inner loop bounded by an outer one: the tail loop of a split.
  Scope tail{{"i", range(0, 3)}, {"j", Interval{make_index(0), min(make_index(8), N - i * 8) - 1}}};
  EXPECT_TRUE(can_prove(i * 8 + j < N, tail));
  EXPECT_TRUE(can_prove(j < 8, tail));
  EXPECT_FALSE(can_prove(j < 7, tail));
  EXPECT_FALSE(can_prove(i * 8 + j < N - 1, tail));
}

TEST(Simplify, LogicSelectLetAndCalls) {
  Expr c = x < 3;
  EXPECT_EQ(simp(c && const_true()), "x < 3");
  EXPECT_EQ(simp(c && const_false()), "false");
  EXPECT_EQ(simp(const_false() || c), "x < 3");
  EXPECT_EQ(simp(!(x < 3)), "x >= 3");
  EXPECT_EQ(simp(!!c), "x < 3");
  EXPECT_EQ(simp(select(x < 16, y, N), {{"x", range(0, 15)}}), "y");
  EXPECT_EQ(simp(select(c, y + 1, 1 + y)), "y + 1");
  EXPECT_EQ(simp(Let::make("t", make_index(3), make_var("t") + x)), "x + 3");
  EXPECT_EQ(simp(Let::make("t", x * y, make_var("t") + 1)), "(let t = x*y in t + 1)");
  EXPECT_EQ(simp(abs(Expr(-5))), "5");
  EXPECT_EQ(simp(cast(i64(), IntImm::make(i8(), -3))), "-3");
}

TEST(Simplify, VectorRampsAndBroadcasts) {
  Expr r = Ramp::make(x, make_index(1), 4);
  EXPECT_EQ(simp(r + Broadcast::make(make_index(2), 4)), "ramp(x + 2, 1, 4)");
  EXPECT_EQ(simp(r * Broadcast::make(make_index(3), 4)), "ramp(x*3, 3, 4)");
  EXPECT_EQ(simp(Broadcast::make(make_index(2), 4) + Broadcast::make(make_index(3), 4)), "x4(5)");
  EXPECT_EQ(simp(Ramp::make(x, make_index(0), 4)), "x4(x)");
  Expr rf = Ramp::make(Expr(1.0f), Expr(1.0f), 4);
  EXPECT_EQ(simp(rf + Broadcast::make(Expr(1.0f), 4)), "ramp(1.0f, 1.0f, 4) + x4(1.0f)");
}

// A vector over one block of a blocked layout: (x*16 + lane) / 16 is x in
// every lane and the remainder the lane; a ramp that may cross a multiple
// of the divisor keeps its division.
TEST(Simplify, RampsWithinOneBlockOfTheDivisor) {
  Expr block = Ramp::make(x * 16, make_index(1), 16);
  Expr sixteen = Broadcast::make(make_index(16), 16);
  EXPECT_EQ(simp(block / sixteen), "x16(x)");
  EXPECT_EQ(simp(block % sixteen), "ramp(0, 1, 16)");
  Expr half = Ramp::make(x * 16 + y, make_index(1), 8);
  Expr within = Broadcast::make(make_index(16), 8);
  EXPECT_EQ(simp(half / within, {{"y", range(0, 8)}}), "x8(x)");
  EXPECT_EQ(simp(half % within, {{"y", range(0, 8)}}), "ramp(y, 1, 8)");
  EXPECT_EQ(simp(half / within, {{"y", range(0, 9)}}),
            "ramp((x*16) + y, 1, 8)/x8(16)");
  EXPECT_EQ(simp(Ramp::make(x, make_index(1), 4) / Broadcast::make(make_index(4), 4)),
            "ramp(x, 1, 4)/x4(4)");
}

Stmt store(const Expr& index) { return Store::make("A", Expr(1.0f), index); }

TEST(Simplify, StatementsDropDecidedIfsAndTrivialLoops) {
  Expr i = make_var("i");
  Stmt guarded = For::make("i", make_index(0), make_index(16), ForKind::Serial,
                           IfThenElse::make(likely(i < 16), store(i)));
  EXPECT_EQ(to_string(simplify(guarded)), to_string(For::make("i", make_index(0), make_index(16),
                                                              ForKind::Serial, store(i))));
  Stmt kept = For::make("i", make_index(0), N, ForKind::Serial,
                        IfThenElse::make(likely(i < 16), store(i)));
  EXPECT_TRUE(equal(simplify(kept), kept));
  Stmt empty = For::make("i", make_index(0), make_index(0), ForKind::Serial, store(i));
  Stmt one = For::make("i", x + 2, make_index(1), ForKind::Serial, store(i * 2));
  Stmt block = Block::make({empty, one, Evaluate::make(make_index(0))});
  EXPECT_EQ(to_string(simplify(block)), to_string(LetStmt::make("i", x + 2, store(i * 2))));
  Stmt one_const = For::make("i", make_index(3), make_index(1), ForKind::Serial, store(i * 2));
  EXPECT_EQ(to_string(simplify(one_const)), to_string(store(make_index(6))));
  Stmt else_only = IfThenElse::make(x < x, store(x), store(y));
  EXPECT_EQ(to_string(simplify(else_only)), to_string(store(y)));
  Stmt nothing = IfThenElse::make(make_index(3) < make_index(2), store(x));
  EXPECT_TRUE(simplify(nothing).as<Evaluate>());
}

// ---------------------------------------------------------------- random

/// simplify(e) == e at random points in the ranges, for thousands of random
/// expressions, with and without the ranges, in i64 and in wrapping i8.
void check_random(Type t, uint32_t seed, int count) {
  std::mt19937 rng(seed);
  int proved = 0;
  for (int n = 0; n < count; ++n) {
    randexpr::RandomCase c = randexpr::random_case(rng, t);
    Expr s = simplify(c.expr, c.scope);
    Expr s0 = simplify(c.expr);
    for (int p = 0; p < 24; ++p) {
      randexpr::Env env = randexpr::random_point(rng, c);
      int64_t want = randexpr::eval(c.expr, env);
      ASSERT_EQ(randexpr::eval(s, env), want)
          << "e = " << c.expr << "\nsimplified = " << s << "\nat " << randexpr::str(env);
      ASSERT_EQ(randexpr::eval(s0, env), want)
          << "e = " << c.expr << "\nsimplified without ranges = " << s0 << "\nat "
          << randexpr::str(env);
    }
    // A comparison proved true holds at every point of the ranges.
    Expr cond = randexpr::random_condition(rng, c, t);
    if (can_prove(cond, c.scope)) {
      ++proved;
      randexpr::for_each_point(c, [&](const randexpr::Env& env) {
        ASSERT_EQ(randexpr::eval(cond, env), 1) << "proved " << cond << " false at " << randexpr::str(env);
      });
    }
  }
  EXPECT_GT(proved, count / 50) << "the prover should succeed sometimes";
}

TEST(SimplifyRandom, PreservesValuesI64) { check_random(i64(), 1234, 3000); }
TEST(SimplifyRandom, PreservesValuesWrappingI8) { check_random(i8(), 99, 2000); }
TEST(SimplifyRandom, PreservesValuesI32) { check_random(i32(), 7, 1000); }

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

// Deep nests of min/max and long sums: the prover's budget and the
// bottom-up order keep the work near-linear (this would time out if a
// rule re-simplified subtrees or split min/max terms without bound).
TEST(Simplify, LargeExpressionsStayCheap) {
  Scope s;
  Expr e = make_var("v0");
  Expr sum = make_index(0);
  for (int k = 1; k < 60; ++k) {
    std::string name = "v" + std::to_string(k);
    s[name] = Interval{make_index(0), make_index(k)};
    Expr v = make_var(name);
    e = k % 2 ? min(e + v, v * 3 - 1) : max(e - 1, v + 2);
    sum = sum + v * k - (v + 1);
  }
  Expr r = simplify(e < sum, s);
  EXPECT_TRUE(r.defined());
  Expr total = simplify(sum - sum + make_var("v1"), s);
  EXPECT_EQ(to_string(total), "v1");
}

}  // namespace
}  // namespace kiln
