// The polynomial f32 exp/log/tanh/erf generated in IR, scalar and 16-wide,
// against double-precision libm on many points; f64 math through libm;
// special values; and the simpler intrinsics.
#include <cmath>
#include <limits>

#include "codegen_test_util.h"

namespace kiln {
namespace {

using namespace cgtest;

/// Out[i] = fn(In[i]) over n points, `lanes` at a time.
std::shared_ptr<const CompiledKernel> unary_kernel(Intrinsic fn, Type t, int lanes) {
  Expr N = var("N");
  Expr i = var("i");
  Expr index = lanes == 1 ? i : ramp(Mul::make(i, idx(lanes)), lanes);
  Expr extent = lanes == 1 ? N : Div::make(N, idx(lanes));
  Type vt = t.with_lanes(lanes);
  Stmt body = loop("i", idx(0), extent,
                   Store::make("Out", Call::make(vt, fn, {Load::make(vt, "In", index)}), index));
  std::string name = std::string("math_") + intrinsic_name(fn) + "_" + t.str() + "x" + std::to_string(lanes);
  return compile_jit(make_func(name, {input("In", t, {N}), output("Out", t, {N})}, {"N"}, body));
}

struct Accuracy {
  double max_error = 0;
  double worst_x = 0;
};

/// Runs fn on xs and measures |got - want| / max(|want|, floor) (floor = 1
/// gives absolute error for functions bounded by 1).
Accuracy measure(Intrinsic fn, int lanes, const std::vector<float>& xs, double (*ref)(double),
                 double floor) {
  int64_t n = static_cast<int64_t>(xs.size());
  Buffer in(f32(), {n}), out(f32(), {n});
  std::copy(xs.begin(), xs.end(), in.data_as<float>());
  unary_kernel(fn, f32(), lanes)->run({in, out});
  Accuracy acc;
  for (int64_t i = 0; i < n; i++) {
    double want = ref(xs[i]);
    // Beyond the f32 range the right answer is the rounded one: inf.
    if (std::fabs(want) > std::numeric_limits<float>::max()) want = std::copysign(INFINITY, want);
    double got = out.data_as<float>()[i];
    double err;
    if (std::isinf(want) || std::isnan(want)) {
      err = (got == want || (std::isnan(got) && std::isnan(want))) ? 0 : INFINITY;
    } else {
      err = std::fabs(got - want) / std::max(std::fabs(want), floor);
    }
    if (!(err <= acc.max_error)) {
      acc.max_error = err;
      acc.worst_x = xs[i];
    }
  }
  return acc;
}

/// n points evenly spread over [lo, hi], padded to a multiple of 16.
std::vector<float> linspace(double lo, double hi, int n) {
  std::vector<float> xs;
  for (int i = 0; i < n; i++) xs.push_back(static_cast<float>(lo + (hi - lo) * i / (n - 1)));
  while (xs.size() % 16) xs.push_back(static_cast<float>(hi));
  return xs;
}

/// Every 97th positive float from the smallest denormal to FLT_MAX.
std::vector<float> positive_floats() {
  std::vector<float> xs;
  for (uint32_t bits = 1; bits < 0x7F800000u; bits += 97 * 1021) {
    float f;
    std::memcpy(&f, &bits, 4);
    xs.push_back(f);
  }
  while (xs.size() % 16) xs.push_back(1.0f);
  return xs;
}

double ref_exp(double x) { return std::exp(x); }
double ref_log(double x) { return std::log(x); }
double ref_tanh(double x) { return std::tanh(x); }
double ref_erf(double x) { return std::erf(x); }

// Bounds are about 1.5x the measured errors (exp 1.2e-7, log 1.2e-7 relative;
// tanh 1.2e-7, erf 1.2e-7 absolute); one f32 ulp is 6e-8..1.2e-7 relative.

class PolyMath : public ::testing::TestWithParam<int> {};

TEST_P(PolyMath, ExpRelativeError) {
  int lanes = GetParam();
  // Includes results that are denormal (x < -87.3), measured against the
  // smallest normal float (their precision is absolute), and that overflow
  // (x > 88.72).
  Accuracy a = measure(Intrinsic::Exp, lanes, linspace(-104.0, 89.0, 200000), ref_exp,
                       std::numeric_limits<float>::min());
  EXPECT_LT(a.max_error, 2e-7) << "worst at x = " << a.worst_x;
}

TEST_P(PolyMath, LogRelativeError) {
  int lanes = GetParam();
  Accuracy a = measure(Intrinsic::Log, lanes, positive_floats(), ref_log, 1e-30);
  EXPECT_LT(a.max_error, 2e-7) << "worst at x = " << a.worst_x;
  // Near 1 log is tiny: relative accuracy there needs the (m - 1) reduction.
  Accuracy near1 = measure(Intrinsic::Log, lanes, linspace(0.9, 1.1, 100000), ref_log, 1e-30);
  EXPECT_LT(near1.max_error, 2e-7) << "worst at x = " << near1.worst_x;
}

TEST_P(PolyMath, TanhAbsoluteError) {
  Accuracy a = measure(Intrinsic::Tanh, GetParam(), linspace(-12.0, 12.0, 200000), ref_tanh, 1.0);
  EXPECT_LT(a.max_error, 2e-7) << "worst at x = " << a.worst_x;
}

TEST_P(PolyMath, ErfAbsoluteError) {
  Accuracy a = measure(Intrinsic::Erf, GetParam(), linspace(-6.0, 6.0, 200000), ref_erf, 1.0);
  EXPECT_LT(a.max_error, 2e-7) << "worst at x = " << a.worst_x;
}

TEST_P(PolyMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> xs = {inf, -inf, nan, 0.0f, -0.0f, -1.0f, 1.0f, 1e-45f,
                           200.0f, -200.0f, 88.7f, 89.0f, 3.92f, -3.95f, 0.625f, -0.624f};
  for (Intrinsic fn : {Intrinsic::Exp, Intrinsic::Log, Intrinsic::Tanh, Intrinsic::Erf}) {
    double (*ref)(double) = fn == Intrinsic::Exp ? ref_exp : fn == Intrinsic::Log ? ref_log
                            : fn == Intrinsic::Tanh ? ref_tanh : ref_erf;
    Accuracy a = measure(fn, GetParam(), xs, ref, fn == Intrinsic::Exp || fn == Intrinsic::Log ? 1.2e-38 : 1.0);
    EXPECT_LT(a.max_error, 2e-7) << intrinsic_name(fn) << " worst at x = " << a.worst_x;
  }
}

INSTANTIATE_TEST_SUITE_P(Lanes, PolyMath, ::testing::Values(1, 16));

TEST(CodegenMath, F64GoesThroughLibm) {
  for (Intrinsic fn : {Intrinsic::Exp, Intrinsic::Log, Intrinsic::Tanh, Intrinsic::Erf}) {
    for (int lanes : {1, 4}) {
      const int64_t n = 8;
      Buffer in(f64(), {n}), out(f64(), {n});
      for (int64_t i = 0; i < n; i++) in.data_as<double>()[i] = 0.37 * (i + 1);
      unary_kernel(fn, f64(), lanes)->run({in, out});
      for (int64_t i = 0; i < n; i++) {
        double x = in.data_as<double>()[i];
        double want = fn == Intrinsic::Exp ? std::exp(x) : fn == Intrinsic::Log ? std::log(x)
                      : fn == Intrinsic::Tanh ? std::tanh(x) : std::erf(x);
        EXPECT_DOUBLE_EQ(out.data_as<double>()[i], want) << intrinsic_name(fn) << "(" << x << ")";
      }
    }
  }
}

TEST(CodegenMath, SimpleIntrinsics) {
  Expr N = var("N");
  Expr i = var("i");
  Expr x = Load::make(f32(), "X", i);
  auto call = [](Intrinsic op, std::vector<Expr> args) { return Call::make(f32(), op, std::move(args)); };
  Stmt body = loop("i", idx(0), N, Block::make({
      Store::make("O", call(Intrinsic::Sqrt, {call(Intrinsic::Abs, {x})}), Mul::make(i, idx(6))),
      Store::make("O", call(Intrinsic::Rsqrt, {call(Intrinsic::Abs, {x})}), Add::make(Mul::make(i, idx(6)), idx(1))),
      Store::make("O", call(Intrinsic::Floor, {x}), Add::make(Mul::make(i, idx(6)), idx(2))),
      Store::make("O", call(Intrinsic::Ceil, {x}), Add::make(Mul::make(i, idx(6)), idx(3))),
      Store::make("O", call(Intrinsic::Fma, {x, x, f32c(1.0)}), Add::make(Mul::make(i, idx(6)), idx(4))),
      Store::make("O", call(Intrinsic::Pow, {call(Intrinsic::Abs, {x}), f32c(1.5)}), Add::make(Mul::make(i, idx(6)), idx(5))),
  }));
  auto kernel = compile_jit(make_func("simple_intrinsics", {input("X", f32(), {N}), output("O", f32(), {N, idx(6)})},
                                      {"N"}, body));
  const std::vector<float> xs = {-2.5f, -0.3f, 0.7f, 4.0f, 9.25f};
  const int64_t n = static_cast<int64_t>(xs.size());
  Buffer in(f32(), {n}), out(f32(), {n, 6});
  std::copy(xs.begin(), xs.end(), in.data_as<float>());
  kernel->run({in, out});
  for (int64_t k = 0; k < n; k++) {
    float v = xs[k];
    const float* o = out.data_as<float>() + 6 * k;
    EXPECT_FLOAT_EQ(o[0], std::sqrt(std::fabs(v)));
    EXPECT_FLOAT_EQ(o[1], 1.0f / std::sqrt(std::fabs(v)));
    EXPECT_EQ(o[2], std::floor(v));
    EXPECT_EQ(o[3], std::ceil(v));
    EXPECT_EQ(o[4], std::fma(v, v, 1.0f));
    EXPECT_FLOAT_EQ(o[5], std::pow(std::fabs(v), 1.5f));
  }
}

}  // namespace
}  // namespace kiln
