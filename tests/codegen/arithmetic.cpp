// The LLVM backend's arithmetic on hand-built lowered IR, scalar and
// vector: floats with contraction, wrapping integers, floor division and
// modulo, 16-bit floats rounded on store and cast, bools, casts.
#include <cstdint>
#include <limits>
#include <random>

#include "codegen_test_util.h"

namespace kiln {
namespace {

using namespace cgtest;

/// Out[i] = value(i) for i in [0, n), `lanes` at a time (n a multiple of
/// lanes). `value` gets the index expression to load with.
Stmt elementwise(const std::string& out, const std::string& loop_var, Expr n, int lanes,
                 const std::function<Expr(const Expr&)>& value) {
  Expr i = var(loop_var);
  Expr index = lanes == 1 ? i : ramp(Mul::make(i, idx(lanes)), lanes);
  Expr extent = lanes == 1 ? n : Div::make(n, idx(lanes));
  return loop(loop_var, idx(0), extent, Store::make(out, value(index), index));
}

Expr ld(const std::string& buf, Type t, const Expr& index) {
  return Load::make(t.with_lanes(index.type().lanes), buf, index);
}

class FloatArith : public ::testing::TestWithParam<int> {};

TEST_P(FloatArith, MatchesReference) {
  const int lanes = GetParam();
  const int64_t n = lanes == 1 ? 37 : 48;
  Expr N = var("N");
  auto A = [&](const Expr& i) { return ld("A", f32(), i); };
  auto B = [&](const Expr& i) { return ld("B", f32(), i); };
  Stmt body = Block::make({
      elementwise("O0", "i0", N, lanes, [&](const Expr& i) { return Add::make(Mul::make(A(i), B(i)), A(i)); }),
      elementwise("O1", "i1", N, lanes, [&](const Expr& i) { return Div::make(Sub::make(A(i), B(i)), B(i)); }),
      elementwise("O2", "i2", N, lanes, [&](const Expr& i) { return Min::make(A(i), B(i)); }),
      elementwise("O3", "i3", N, lanes, [&](const Expr& i) { return Max::make(A(i), B(i)); }),
      elementwise("O4", "i4", N, lanes, [&](const Expr& i) { return Mod::make(A(i), B(i)); }),
  });
  std::vector<BufferArg> args = {input("A", f32(), {N}), input("B", f32(), {N})};
  for (int k = 0; k < 5; k++) args.push_back(output("O" + std::to_string(k), f32(), {N}));
  auto kernel = compile_jit(make_func("float_arith_" + std::to_string(lanes), args, {"N"}, body));

  std::vector<Buffer> bufs;
  for (int k = 0; k < 7; k++) bufs.emplace_back(f32(), std::vector<int64_t>{n});
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  for (int64_t i = 0; i < n; i++) {
    bufs[0].data_as<float>()[i] = dist(rng);
    float b = dist(rng);
    bufs[1].data_as<float>()[i] = std::fabs(b) < 0.1f ? 0.5f : b;
  }
  kernel->run(bufs);
  for (int64_t i = 0; i < n; i++) {
    double a = bufs[0].data_as<float>()[i], b = bufs[1].data_as<float>()[i];
    double want[5] = {a * b + a, (a - b) / b, std::min(a, b), std::max(a, b), a - b * std::floor(a / b)};
    for (int k = 0; k < 5; k++) {
      EXPECT_NEAR(bufs[2 + k].data_as<float>()[i], want[k], 1e-5 * (1 + std::fabs(want[k])))
          << "output O" << k << " at " << i << " (a=" << a << ", b=" << b << ")";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Lanes, FloatArith, ::testing::Values(1, 16));

class FloorDivMod : public ::testing::TestWithParam<std::tuple<Type, int>> {};

TEST_P(FloorDivMod, NegativeOperands) {
  const Type t = std::get<0>(GetParam());
  const int lanes = std::get<1>(GetParam());
  const int64_t n = 64;
  Expr N = var("N");
  auto A = [&](const Expr& i) { return ld("A", t, i); };
  auto B = [&](const Expr& i) { return ld("B", t, i); };
  auto c = [&](const Expr& i, int64_t v) { return make_const(t.with_lanes(i.type().lanes), v); };
  // Divisors: a run-time value, a power of two, an odd constant, a negative
  // constant.
  std::vector<std::function<Expr(const Expr&)>> divisors = {
      B, [&](const Expr& i) { return c(i, 4); }, [&](const Expr& i) { return c(i, 3); },
      [&](const Expr& i) { return c(i, -3); }};
  const int64_t divisor_values[4] = {0, 4, 3, -3};
  std::vector<Stmt> stmts;
  std::vector<BufferArg> args = {input("A", t, {N}), input("B", t, {N})};
  for (int d = 0; d < 4; d++) {
    std::string q = "Q" + std::to_string(d), r = "R" + std::to_string(d);
    stmts.push_back(elementwise(q, "q" + std::to_string(d), N, lanes,
                                [&](const Expr& i) { return Div::make(A(i), divisors[d](i)); }));
    stmts.push_back(elementwise(r, "r" + std::to_string(d), N, lanes,
                                [&](const Expr& i) { return Mod::make(A(i), divisors[d](i)); }));
    args.push_back(output(q, t, {N}));
    args.push_back(output(r, t, {N}));
  }
  auto kernel = compile_jit(
      make_func("floor_divmod_" + t.str() + "_" + std::to_string(lanes), args, {"N"}, Block::make(stmts)));
  std::vector<Buffer> bufs;
  for (size_t k = 0; k < args.size(); k++) bufs.emplace_back(t, std::vector<int64_t>{n});
  for (int64_t i = 0; i < n; i++) {
    int64_t a = i * 7 % 41 - 20;  // -20 .. 20
    int64_t b = (i % 13) - 6;
    if (b == 0) b = -7;
    bufs[0].set_i64(i, a);
    bufs[1].set_i64(i, b);
  }
  kernel->run(bufs);
  for (int64_t i = 0; i < n; i++) {
    int64_t a = bufs[0].get_i64(i);
    for (int d = 0; d < 4; d++) {
      int64_t b = d == 0 ? bufs[1].get_i64(i) : divisor_values[d];
      EXPECT_EQ(bufs[2 + 2 * d].get_i64(i), floor_div(a, b)) << a << " / " << b;
      EXPECT_EQ(bufs[3 + 2 * d].get_i64(i), floor_mod(a, b)) << a << " mod " << b;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, FloorDivMod,
                         ::testing::Values(std::make_tuple(i32(), 1), std::make_tuple(i64(), 1),
                                           std::make_tuple(i32(), 8), std::make_tuple(i16(), 16)));

TEST(CodegenIntegers, WrapMinMaxSelectUnsigned) {
  Expr N = var("N");
  Expr i = var("i");
  Expr a = ld("A", i32(), i), b = ld("B", i32(), i);
  Expr ua = Cast::make(u32(), a), ub = Cast::make(u32(), b);
  Stmt body = loop("i", idx(0), N, Block::make({
      Store::make("W", Add::make(Mul::make(a, b), i32c(7)), i),
      Store::make("M", Add::make(Min::make(a, b), Max::make(a, b)), i),
      Store::make("S", Select::make(LT::make(a, b), a, Sub::make(b, a)), i),
      Store::make("U", Cast::make(i32(), Add::make(Div::make(ua, ub), Mod::make(ua, ub))), i),
  }));
  auto kernel = compile_jit(make_func(
      "int_misc",
      {input("A", i32(), {N}), input("B", i32(), {N}), output("W", i32(), {N}),
       output("M", i32(), {N}), output("S", i32(), {N}), output("U", i32(), {N})},
      {"N"}, body));
  const int64_t n = 19;
  std::vector<Buffer> bufs;
  for (int k = 0; k < 6; k++) bufs.emplace_back(i32(), std::vector<int64_t>{n});
  for (int64_t k = 0; k < n; k++) {
    bufs[0].data_as<int32_t>()[k] = static_cast<int32_t>((k % 3 == 0) ? (1 << 30) + k : -k * 1000 - 1);
    bufs[1].data_as<int32_t>()[k] = static_cast<int32_t>(k % 2 ? 4 + k : -3 - k);
  }
  kernel->run(bufs);
  for (int64_t k = 0; k < n; k++) {
    int32_t x = bufs[0].data_as<int32_t>()[k], y = bufs[1].data_as<int32_t>()[k];
    int32_t wrap = static_cast<int32_t>(static_cast<uint32_t>(x) * static_cast<uint32_t>(y) + 7u);
    uint32_t ux = static_cast<uint32_t>(x), uy = static_cast<uint32_t>(y);
    EXPECT_EQ(bufs[2].data_as<int32_t>()[k], wrap);
    EXPECT_EQ(bufs[3].data_as<int32_t>()[k], std::min(x, y) + std::max(x, y));
    EXPECT_EQ(bufs[4].data_as<int32_t>()[k], x < y ? x : y - x);
    EXPECT_EQ(bufs[5].data_as<int32_t>()[k], static_cast<int32_t>(ux / uy + ux % uy));
  }
}

class HalfTypes : public ::testing::TestWithParam<std::tuple<Type, int>> {};

// Arithmetic happens in f32 and rounds once, on store; casts round too.
TEST_P(HalfTypes, ComputeInF32RoundOnStoreAndCast) {
  const Type t = std::get<0>(GetParam());
  const int lanes = std::get<1>(GetParam());
  const int64_t n = 32;
  Expr N = var("N");
  auto A = [&](const Expr& i) { return ld("A", t, i); };
  auto B = [&](const Expr& i) { return ld("B", t, i); };
  auto X = [&](const Expr& i) { return ld("X", f32(), i); };
  Stmt body = Block::make({
      elementwise("O", "i0", N, lanes, [&](const Expr& i) { return Add::make(Mul::make(A(i), B(i)), A(i)); }),
      // Cast rounds even though the value is then widened again.
      elementwise("R", "i1", N, lanes, [&](const Expr& i) {
        return Cast::make(f32().with_lanes(i.type().lanes), Cast::make(t.with_lanes(i.type().lanes), X(i)));
      }),
      elementwise("W", "i2", N, lanes, [&](const Expr& i) { return Cast::make(f32().with_lanes(i.type().lanes), A(i)); }),
  });
  auto kernel = compile_jit(make_func(
      "half_" + t.str() + "_" + std::to_string(lanes),
      {input("A", t, {N}), input("B", t, {N}), input("X", f32(), {N}), output("O", t, {N}),
       output("R", f32(), {N}), output("W", f32(), {N})},
      {"N"}, body));
  bool bf = t.is_bfloat();
  auto to_bits = [&](float f) { return bf ? to_bfloat_bits(f) : to_half_bits(f); };
  auto from_bits = [&](uint16_t h) { return bf ? from_bfloat_bits(h) : from_half_bits(h); };
  std::vector<Buffer> bufs = {Buffer(t, {n}), Buffer(t, {n}), Buffer(f32(), {n}),
                              Buffer(t, {n}), Buffer(f32(), {n}), Buffer(f32(), {n})};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  for (int64_t i = 0; i < n; i++) {
    bufs[0].data_as<uint16_t>()[i] = to_bits(dist(rng));
    bufs[1].data_as<uint16_t>()[i] = to_bits(dist(rng));
    bufs[2].data_as<float>()[i] = dist(rng) * 1000.0f;
  }
  kernel->run(bufs);
  for (int64_t i = 0; i < n; i++) {
    float a = from_bits(bufs[0].data_as<uint16_t>()[i]), b = from_bits(bufs[1].data_as<uint16_t>()[i]);
    float want = from_bits(to_bits(a * b + a));
    float got = from_bits(bufs[3].data_as<uint16_t>()[i]);
    // The f32 result may be fused (one f32 ulp apart), which can move the
    // 16-bit rounding by one step at most.
    float step = std::fabs(want) * (bf ? 1.0f / 128 : 1.0f / 1024) + 1e-6f;
    EXPECT_NEAR(got, want, step) << "a=" << a << " b=" << b;
    float x = bufs[2].data_as<float>()[i];
    EXPECT_EQ(bufs[4].data_as<float>()[i], from_bits(to_bits(x))) << "cast of " << x;
    EXPECT_EQ(bufs[5].data_as<float>()[i], a);
  }
}

INSTANTIATE_TEST_SUITE_P(Types, HalfTypes,
                         ::testing::Values(std::make_tuple(f16(), 1), std::make_tuple(f16(), 16),
                                           std::make_tuple(bf16(), 1), std::make_tuple(bf16(), 16)));

class Bools : public ::testing::TestWithParam<int> {};

TEST_P(Bools, StoredAsBytesUsedAsConditions) {
  const int lanes = GetParam();
  const int64_t n = 24;
  Expr N = var("N");
  Type bl = boolean();
  auto A = [&](const Expr& i) { return ld("A", f32(), i); };
  auto B = [&](const Expr& i) { return ld("B", f32(), i); };
  auto M = [&](const Expr& i) { return ld("M", bl, i); };
  Stmt body = Block::make({
      elementwise("L", "i0", N, lanes, [&](const Expr& i) { return And::make(LT::make(A(i), B(i)), Not::make(M(i))); }),
      elementwise("S", "i1", N, lanes, [&](const Expr& i) { return Select::make(M(i), A(i), B(i)); }),
  });
  auto kernel = compile_jit(make_func(
      "bools_" + std::to_string(lanes),
      {input("A", f32(), {N}), input("B", f32(), {N}), input("M", bl, {N}), output("L", bl, {N}),
       output("S", f32(), {N})},
      {"N"}, body));
  std::vector<Buffer> bufs = {Buffer(f32(), {n}), Buffer(f32(), {n}), Buffer(bl, {n}), Buffer(bl, {n}),
                              Buffer(f32(), {n})};
  for (int64_t i = 0; i < n; i++) {
    bufs[0].data_as<float>()[i] = static_cast<float>(i % 5);
    bufs[1].data_as<float>()[i] = static_cast<float>(i % 3);
    bufs[2].data_as<uint8_t>()[i] = (i % 4 == 1) ? 1 : 0;
  }
  kernel->run(bufs);
  for (int64_t i = 0; i < n; i++) {
    float a = bufs[0].data_as<float>()[i], b = bufs[1].data_as<float>()[i];
    bool m = bufs[2].data_as<uint8_t>()[i] != 0;
    EXPECT_EQ(bufs[3].data_as<uint8_t>()[i], (a < b && !m) ? 1 : 0) << i;
    EXPECT_EQ(bufs[4].data_as<float>()[i], m ? a : b) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Lanes, Bools, ::testing::Values(1, 8));

TEST(CodegenCasts, RoundingWrappingAndExtension) {
  Expr i = var("i");
  Expr x = ld("X", f32(), i);
  Expr d = ld("D", f64(), i);
  Stmt body = loop("i", idx(0), var("N"), Block::make({
      Store::make("T", Cast::make(i32(), x), i),                                   // toward zero
      Store::make("F", Cast::make(f32(), Add::make(Cast::make(i32(), x), i32c(1))), i),
      Store::make("H", Cast::make(f16(), d), i),                                   // one rounding
      Store::make("U", Cast::make(i32(), Cast::make(u8(), Cast::make(i32(), x))), i),  // wraps
      Store::make("E", Cast::make(i64(), Cast::make(i8(), Cast::make(i32(), x))), i),  // sign-extends
  }));
  Expr N = var("N");
  auto kernel = compile_jit(make_func(
      "casts",
      {input("X", f32(), {N}), input("D", f64(), {N}), output("T", i32(), {N}), output("F", f32(), {N}),
       output("H", f16(), {N}), output("U", i32(), {N}), output("E", i64(), {N})},
      {"N"}, body));
  const std::vector<float> xs = {-2.7f, -0.5f, 0.0f, 1.5f, 300.9f, -129.2f, 65.0f};
  const int64_t n = static_cast<int64_t>(xs.size());
  std::vector<Buffer> bufs = {Buffer(f32(), {n}), Buffer(f64(), {n}), Buffer(i32(), {n}), Buffer(f32(), {n}),
                              Buffer(f16(), {n}), Buffer(i32(), {n}), Buffer(i64(), {n})};
  for (int64_t k = 0; k < n; k++) {
    bufs[0].data_as<float>()[k] = xs[k];
    bufs[1].data_as<double>()[k] = 1.0 + 1.0 / 2048 + 1e-12 * (k + 1);  // just above a tie
  }
  kernel->run(bufs);
  for (int64_t k = 0; k < n; k++) {
    int32_t t = static_cast<int32_t>(xs[k]);
    EXPECT_EQ(bufs[2].data_as<int32_t>()[k], t);
    EXPECT_EQ(bufs[3].data_as<float>()[k], static_cast<float>(t + 1));
    // Rounding through f32 first would tie to even (1.0); one rounding goes up.
    EXPECT_EQ(from_half_bits(bufs[4].data_as<uint16_t>()[k]), 1.0f + 1.0f / 1024);
    EXPECT_EQ(bufs[5].data_as<int32_t>()[k], static_cast<int32_t>(static_cast<uint8_t>(t)));
    EXPECT_EQ(bufs[6].data_as<int64_t>()[k], static_cast<int64_t>(static_cast<int8_t>(t)));
  }
}

}  // namespace
}  // namespace kiln
