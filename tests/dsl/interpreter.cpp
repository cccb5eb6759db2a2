// The reference interpreter against hand-written loops: matmul, integer
// floor division, 16-bit rounding, multi-stage pipelines, padding,
// conditional and max reductions, symbolic sizes, and the errors a caller
// can cause.
#include "dsl/interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "dsl/compute.h"
#include "base/error.h"

namespace kiln {
namespace {

ComputeDef matmul_def(Expr M, Expr N, Expr K, Type t = f32()) {
  Tensor A = placeholder({M, K}, t, "A");
  Tensor B = placeholder({K, N}, t, "B");
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

/// Expects f to throw UserError whose message contains every piece.
template <typename F>
void expect_user_error(F&& f, const std::vector<std::string>& pieces) {
  try {
    f();
    ADD_FAILURE() << "no UserError";
  } catch (const UserError& e) {
    for (const std::string& p : pieces)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "'" << p << "' not in: " << e.what();
  }
}

void check_matmul(int64_t m, int64_t n, int64_t k) {
  ComputeDef def = matmul_def(size_var("M"), size_var("N"), size_var("K"));
  Buffer a(f32(), {m, k}), b(f32(), {k, n});
  a.fill_random(1);
  b.fill_random(2);
  std::vector<Buffer> out = interpret(def, {a, b});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{m, n}));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0;  // the same order and precision as the interpreter
      for (int64_t r = 0; r < k; ++r)
        acc += static_cast<float>(a.get_f64(i * k + r)) * static_cast<float>(b.get_f64(r * n + j));
      EXPECT_EQ(out[0].get_f64(i * n + j), acc) << i << ", " << j;
      EXPECT_EQ(interpret_point(def, {a, b}, 0, {i, j}), acc);
    }
  }
}

TEST(Interpreter, MatmulMatchesHandLoop) {
  check_matmul(1, 1, 1);
  check_matmul(7, 13, 5);
}

TEST(Interpreter, Matmul64IsFast) {
  ComputeDef def = matmul_def(size_var("M"), size_var("N"), size_var("K"));
  Buffer a(f32(), {64, 64}), b(f32(), {64, 64});
  a.fill_random(1);
  b.fill_random(2);
  auto start = std::chrono::steady_clock::now();
  std::vector<Buffer> out = interpret(def, {a, b});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.0);
  float acc = 0;
  for (int r = 0; r < 64; ++r) acc += static_cast<float>(a.get_f64(63 * 64 + r) * b.get_f64(r * 64 + 5));
  EXPECT_NEAR(out[0].get_f64(63 * 64 + 5), acc, 1e-5);
}

TEST(Interpreter, IntegerDivisionAndModuloRoundDown) {
  Tensor X = placeholder({6}, i32(), "X");
  Tensor Y = placeholder({6}, i32(), "Y");
  Tensor Q = compute({6}, [&](Expr i) { return X(i) / Y(i); }, "Q");
  Tensor R = compute({6}, [&](Expr i) { return X(i) % Y(i); }, "R");
  ComputeDef def("divmod", {X, Y}, {Q, R});
  Buffer x(i32(), {6}), y(i32(), {6});
  const int xs[6] = {7, -7, 7, -7, -6, 0};
  const int ys[6] = {2, 2, -2, -2, 3, -5};
  const int q_want[6] = {3, -4, -4, 3, -2, 0};
  const int r_want[6] = {1, 1, -1, -1, 0, 0};
  for (int p = 0; p < 6; ++p) {
    x.set_i64(p, xs[p]);
    y.set_i64(p, ys[p]);
  }
  std::vector<Buffer> out = interpret(def, {x, y});
  for (int p = 0; p < 6; ++p) {
    EXPECT_EQ(out[0].get_i64(p), q_want[p]) << xs[p] << " / " << ys[p];
    EXPECT_EQ(out[1].get_i64(p), r_want[p]) << xs[p] << " % " << ys[p];
  }
  y.set_i64(3, 0);
  expect_user_error([&] { interpret(def, {x, y}); }, {"division by zero", "'Q'", "[3]"});
}

TEST(Interpreter, SelectEvaluatesOnlyTheTakenArm) {
  Tensor X = placeholder({3}, i64(), "X");
  Tensor Y = placeholder({3}, i64(), "Y");
  Tensor Q = compute({3}, [&](Expr i) { return select(Y(i) != 0, X(i) / Y(i), X(i)); }, "Q");
  ComputeDef def("safe_div", {X, Y}, {Q});
  Buffer x(i64(), {3}), y(i64(), {3});
  for (int p = 0; p < 3; ++p) x.set_i64(p, 9);
  y.set_i64(0, 2);
  y.set_i64(2, -4);
  std::vector<Buffer> out = interpret(def, {x, y});
  EXPECT_EQ(out[0].get_i64(0), 4);
  EXPECT_EQ(out[0].get_i64(1), 9);
  EXPECT_EQ(out[0].get_i64(2), -3);
}

TEST(Interpreter, IntegersWrapToTheirWidth) {
  Tensor X = placeholder({2}, i8(), "X");
  Tensor S = compute({2}, [&](Expr i) { return X(i) * cast(i8(), 2) + cast(i8(), 100); }, "S");
  ComputeDef def("wrap", {X}, {S});
  Buffer x(i8(), {2});
  x.set_i64(0, 100);  // 100 * 2 + 100 = 300 wraps to 44
  x.set_i64(1, -3);
  std::vector<Buffer> out = interpret(def, {x});
  EXPECT_EQ(out[0].get_i64(0), 44);
  EXPECT_EQ(out[0].get_i64(1), 94);
}

TEST(Interpreter, HalfAndBFloatRoundOnStore) {
  for (Type t : {f16(), bf16()}) {
    Tensor X = placeholder({3}, t, "X");
    // x * 3 / 3 + (t)(1/3), computed in f32 and rounded once, at the store;
    // the cast rounds 1/3 to 16 bits first.
    Tensor Y = compute({3}, [&](Expr i) {
      Expr third = cast(t, cast(f32(), X(i)) * 0.0f + 1.0f / 3.0f);
      return X(i) * 3.0f / 3.0f + third;
    }, "Y");
    ComputeDef def("round", {X}, {Y});
    Buffer x(t, {3});
    x.fill_random(4);
    std::vector<Buffer> out = interpret(def, {x});
    for (int p = 0; p < 3; ++p) {
      float xv = static_cast<float>(x.get_f64(p));
      float third = t == f16() ? half_bits_to_float(float_to_half_bits(1.0f / 3.0f))
                               : bfloat_bits_to_float(float_to_bfloat_bits(1.0f / 3.0f));
      float exact = xv * 3.0f / 3.0f + third;
      float want = t == f16() ? half_bits_to_float(float_to_half_bits(exact))
                              : bfloat_bits_to_float(float_to_bfloat_bits(exact));
      EXPECT_EQ(out[0].get_f64(p), want) << t.str() << " at " << p;
    }
  }
}

TEST(Interpreter, HalfSumAccumulatesInF32AndRoundsOnce) {
  // 2048 + 1 + 1: in f16 each partial sum would round (2049 -> 2048, ties
  // to even) and the sum stay 2048; accumulated in f32 it is 2050, which
  // f16 holds exactly.
  Tensor X = placeholder({3}, f16(), "X");
  IterVar r = reduce_axis(3, "r");
  Tensor S = compute({1}, [&](Expr) { return sum(X(r), r); }, "S");
  ComputeDef def("hsum", {X}, {S});
  Buffer x(f16(), {3});
  x.set_f64(0, 2048);
  x.set_f64(1, 1);
  x.set_f64(2, 1);
  EXPECT_EQ(interpret(def, {x})[0].get_f64(0), 2050.0);
}

TEST(Interpreter, MultiStagePipeline) {
  Expr N = size_var("N");
  Tensor A = placeholder({N}, f32(), "A");
  Tensor P = compute({N}, [&](Expr i) { return A(i) * 2.0f + 1.0f; }, "P");
  Tensor Q = compute({N}, [&](Expr i) { return exp(P(i)) - P(i); }, "Q");
  IterVar r = reduce_axis(N, "r");
  Tensor S = compute({1}, [&](Expr) { return sum(Q(r), r); }, "S");
  ComputeDef def("pipe", {A}, {Q, S});
  Buffer a(f32(), {11});
  a.fill_random(3);
  std::vector<Buffer> out = interpret(def, {a});
  ASSERT_EQ(out.size(), 2u);
  float total = 0;
  for (int p = 0; p < 11; ++p) {
    float pv = static_cast<float>(a.get_f64(p)) * 2.0f + 1.0f;
    float qv = std::exp(pv) - pv;
    EXPECT_EQ(out[0].get_f64(p), qv);
    total += qv;
  }
  EXPECT_EQ(out[1].get_f64(0), total);
  EXPECT_EQ(interpret_point(def, {a}, 1, {0}), total);
  EXPECT_EQ(interpret_point(def, {a}, 0, {10}), out[0].get_f64(10));
}

TEST(Interpreter, IfThenElsePadsOutOfRangeReads) {
  // A 1-D convolution with zero padding of 1 on each side.
  Expr N = size_var("N");
  Tensor X = placeholder({N}, f32(), "X");
  IterVar r = reduce_axis(3, "r");
  Tensor Y = compute({N}, [&](Expr i) {
    Expr at = i + r - 1;
    return sum(if_then_else(at >= 0 && at < N, X(at), 0.0f), r);
  }, "Y");
  ComputeDef def("conv", {X}, {Y});
  Buffer x(f32(), {5});
  for (int p = 0; p < 5; ++p) x.set_f64(p, p + 1);  // 1 2 3 4 5
  std::vector<Buffer> out = interpret(def, {x});
  const double want[5] = {3, 6, 9, 12, 9};
  for (int p = 0; p < 5; ++p) EXPECT_EQ(out[0].get_f64(p), want[p]) << p;
}

TEST(Interpreter, OutOfRangeReadNamesTensorIndexAndShape) {
  Tensor X = placeholder({4}, f32(), "X");
  Tensor Y = compute({4}, [&](Expr i) { return X(i + 1); }, "Y");
  ComputeDef def("shift", {X}, {Y});
  expect_user_error([&] { interpret(def, {Buffer(f32(), {4})}); }, {"'X'", "[4]", "'Y'"});
}

TEST(Interpreter, ReductionWithCondition) {
  // Lower-triangular row sums: sum of A[i, k] for k <= i.
  Tensor A = placeholder({5, 5}, f64(), "A");
  IterVar k = reduce_axis(5, "k");
  Tensor S = compute({5}, [&](Expr i) { return sum(A(i, k), k, k.var <= i); }, "S");
  ComputeDef def("tri", {A}, {S});
  Buffer a(f64(), {5, 5});
  a.fill_random(8);
  std::vector<Buffer> out = interpret(def, {a});
  for (int i = 0; i < 5; ++i) {
    double want = 0;
    for (int c = 0; c <= i; ++c) want += a.get_f64(i * 5 + c);
    EXPECT_EQ(out[0].get_f64(i), want);
  }
}

TEST(Interpreter, MaxAndMinReducers) {
  Tensor A = placeholder({3, 7}, i32(), "A");
  IterVar k = reduce_axis(7, "k");
  IterVar l = reduce_axis(2, 5, "l");  // columns 2..6
  Tensor M = compute({3}, [&](Expr i) { return max(A(i, k), k); }, "M");
  Tensor N = compute({3}, [&](Expr i) { return min(A(i, l), l); }, "N");
  // Nothing satisfies the condition: the result is max's identity.
  Tensor E = compute({3}, [&](Expr i) { return max(A(i, k), k, k.var > 100); }, "E");
  ComputeDef def("maxmin", {A}, {M, N, E});
  Buffer a(i32(), {3, 7});
  a.fill_random(5, -50, 50);
  std::vector<Buffer> out = interpret(def, {a});
  for (int i = 0; i < 3; ++i) {
    int64_t hi = INT64_MIN, lo = INT64_MAX;
    for (int c = 0; c < 7; ++c) hi = std::max(hi, a.get_i64(i * 7 + c));
    for (int c = 2; c < 7; ++c) lo = std::min(lo, a.get_i64(i * 7 + c));
    EXPECT_EQ(out[0].get_i64(i), hi);
    EXPECT_EQ(out[1].get_i64(i), lo);
    EXPECT_EQ(out[2].get_i64(i), INT32_MIN);
  }
}

TEST(Interpreter, SymbolicShapeArithmetic) {
  // Y has N - 2 elements: a valid (unpadded) 3-tap window.
  Expr N = size_var("N");
  Tensor X = placeholder({N}, f32(), "X");
  Tensor Y = compute({N - 2}, [&](Expr i) { return X(i) + X(i + 1) + X(i + 2); }, "Y");
  ComputeDef def("window", {X}, {Y});
  for (int64_t n : {3, 10}) {
    Buffer x(f32(), {n});
    x.fill_random(static_cast<uint64_t>(n));
    EXPECT_EQ(bind_sizes(def, {x}).at("N"), n);
    std::vector<Buffer> out = interpret(def, {x});
    ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{n - 2}));
    for (int64_t p = 0; p < n - 2; ++p) {
      float want = static_cast<float>(x.get_f64(p)) + static_cast<float>(x.get_f64(p + 1)) +
                   static_cast<float>(x.get_f64(p + 2));
      EXPECT_EQ(out[0].get_f64(p), want);
    }
  }
  EXPECT_EQ(concrete_shape({N * 2 + 1, N / 4}, {{"N", 7}}), (std::vector<int64_t>{15, 1}));
  expect_user_error([&] { concrete_shape({N - 9}, {{"N", 7}}); }, {"-2"});
}

TEST(Interpreter, SelectLetCastAndIntrinsics) {
  Tensor X = placeholder({4}, f32(), "X");
  Tensor Y = compute({4}, [&](Expr i) {
    Expr x = X(i);
    Expr v = Let::make("t", x * x, Var::make(f32(), "t") + sqrt(abs(x)));
    Expr c = cast(f32(), cast(i32(), x * 10.0f));  // toward zero
    return select(x > 0.0f, v, fma(x, x, c)) + floor(x) * ceil(x) + pow(abs(x) + 1.0f, 0.5f) +
           tanh(x) + erf(x) + rsqrt(abs(x) + 1.0f) + log(abs(x) + 1.0f);
  }, "Y");
  ComputeDef def("math", {X}, {Y});
  Buffer x(f32(), {4});
  x.fill_random(9, -3, 3);
  x.set_f64(0, -0.55);
  std::vector<Buffer> out = interpret(def, {x});
  for (int p = 0; p < 4; ++p) {
    float xv = static_cast<float>(x.get_f64(p));
    float c = static_cast<float>(static_cast<int>(xv * 10.0f));
    float sel = xv > 0 ? xv * xv + std::sqrt(std::fabs(xv)) : std::fma(xv, xv, c);
    float want = sel + std::floor(xv) * std::ceil(xv) + std::pow(std::fabs(xv) + 1.0f, 0.5f) +
                 std::tanh(xv) + std::erf(xv) + 1.0f / std::sqrt(std::fabs(xv) + 1.0f) +
                 std::log(std::fabs(xv) + 1.0f);
    EXPECT_FLOAT_EQ(out[0].get_f64(p), want) << xv;
  }
}

// ------------------------------------------------------------ errors

TEST(InterpreterErrors, WrongInputCount) {
  ComputeDef def = matmul_def(3, 3, 3);
  expect_user_error([&] { interpret(def, {Buffer(f32(), {3, 3})}); }, {"2 inputs", "A, B", "1"});
}

TEST(InterpreterErrors, WrongDtype) {
  ComputeDef def = matmul_def(3, 3, 3);
  expect_user_error([&] { interpret(def, {Buffer(f32(), {3, 3}), Buffer(f64(), {3, 3})}); },
                    {"'B'", "f64", "f32"});
}

TEST(InterpreterErrors, WrongRank) {
  ComputeDef def = matmul_def(3, 3, 3);
  expect_user_error([&] { interpret(def, {Buffer(f32(), {9}), Buffer(f32(), {3, 3})}); },
                    {"'A'", "f32[9]", "2"});
}

TEST(InterpreterErrors, MismatchedSizes) {
  ComputeDef def = matmul_def(size_var("M"), size_var("N"), size_var("K"));
  expect_user_error([&] { interpret(def, {Buffer(f32(), {2, 3}), Buffer(f32(), {4, 5})}); },
                    {"'K'", "'A'", "'B'", "3", "4"});
}

TEST(InterpreterErrors, ConstantDimensionMismatch) {
  ComputeDef def = matmul_def(size_var("M"), 4, size_var("K"));
  expect_user_error([&] { interpret(def, {Buffer(f32(), {2, 3}), Buffer(f32(), {3, 5})}); },
                    {"'B'", "f32[3, 5]", "dimension 1", "4"});
}

TEST(InterpreterErrors, SizeOnlyInOutputs) {
  Expr N = size_var("N"), R = size_var("R");
  Tensor X = placeholder({N}, f32(), "X");
  Tensor Y = compute({N, R}, [&](Expr i, Expr) { return X(i); }, "Y");
  ComputeDef def("broadcast", {X}, {Y});
  expect_user_error([&] { interpret(def, {Buffer(f32(), {3})}); }, {"'R'", "cannot be derived"});
}

TEST(InterpreterErrors, PointOutsideOutput) {
  ComputeDef def = matmul_def(2, 2, 2);
  std::vector<Buffer> in = {Buffer(f32(), {2, 2}), Buffer(f32(), {2, 2})};
  expect_user_error([&] { interpret_point(def, in, 0, {2, 0}); }, {"'C'", "[2, 0]"});
  expect_user_error([&] { interpret_point(def, in, 1, {0, 0}); }, {"output 1"});
}

}  // namespace
}  // namespace kiln
