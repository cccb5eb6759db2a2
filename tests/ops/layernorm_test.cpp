// layernorm and rmsnorm default schedules against the reference at awkward
// sizes, constant rows (variance 0: layernorm gives beta), f16/bf16, eps
// choices, and bad parameters.
#include <cmath>
#include <functional>
#include <random>

#include "codegen/llvm/host_target.h"
#include "op_test_util.h"

namespace kiln {
namespace {

using op_test::expect_correct;
using op_test::expect_user_error;

const std::vector<OpSizes>& awkward() {
  static const std::vector<OpSizes> sizes = {{{"M", 1}, {"N", 1}},   {{"M", 7}, {"N", 13}},
                                             {{"M", 3}, {"N", 1027}}, {{"M", 4}, {"N", 64}},
                                             {{"M", 2}, {"N", 130}}};
  return sizes;
}

TEST(OpsLayernorm, AwkwardSizes) {
  for (const OpSizes& s : awkward()) expect_correct(find_op("layernorm"), s);
  expect_correct(find_op("layernorm"), {{"M", 3}, {"N", 50}}, {{"eps", "1e-12"}});
}

TEST(OpsLayernorm, HalfTypes) {
  for (const char* t : {"f16", "bf16"})
    expect_correct(find_op("layernorm"), {{"M", 3}, {"N", 77}}, {{"dtype", t}});
}

TEST(OpsLayernorm, ConstantRowsGiveBeta) {
  const Op& op = find_op("layernorm");
  const OpSizes sizes = {{"M", 3}, {"N", 83}};
  const ComputeDef def = op.define(sizes);
  // Values with few mantissa bits: the row sums are exact in f32, so the
  // mean is exact and every X - mean is exactly 0.
  std::vector<Buffer> in = random_inputs(def, op.resolve_sizes(sizes));
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 83; ++c) in[0].set_f64(r * 83 + c, 0.375 * (r + 1) - 2.0);
  const auto kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  Buffer y(f32(), {3, 83});
  kernel->run({in[0], in[1], in[2], y});
  for (int64_t r = 0; r < 3; ++r) {
    for (int64_t c = 0; c < 83; ++c) {
      ASSERT_NEAR(y.get_f64(r * 83 + c), in[2].get_f64(c), 1e-6) << "row " << r << " col " << c;
    }
  }
  EXPECT_LE(op.check(def, in, {y}), op.tolerance(def));
}

/// Runs the default layernorm kernel on rows made by value(row, col).
Buffer run_layernorm(int64_t m, int64_t n, const std::function<double(int64_t, int64_t)>& value,
                     std::vector<Buffer>* inputs) {
  const Op& op = find_op("layernorm");
  const OpSizes sizes = {{"M", m}, {"N", n}};
  const ComputeDef def = op.define(sizes);
  *inputs = random_inputs(def, op.resolve_sizes(sizes));
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) (*inputs)[0].set_f64(r * n + c, value(r, c));
  const auto kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  Buffer y(f32(), {m, n});
  kernel->run({(*inputs)[0], (*inputs)[1], (*inputs)[2], y});
  return y;
}

TEST(OpsLayernorm, ConstantRowsOfAnyValueAndLengthGiveExactlyBeta) {
  // Values whose row sums are not exact in f32: 3.7 at N = 4096 was off by
  // 1.4e-3 relative and a row of 1e20 gave beta +- gamma.
  const double values[] = {3.7, -123.456, 1e20, -3e-30};
  const int64_t n = 4096;
  std::vector<Buffer> in;
  const Buffer y = run_layernorm(4, n, [&](int64_t r, int64_t) { return values[r]; }, &in);
  for (int64_t r = 0; r < 4; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      ASSERT_EQ(y.get_f64(r * n + c), in[2].get_f64(c)) << "row of " << values[r] << ", col " << c;
    }
  }
}

TEST(OpsLayernorm, RowsOfCloseValuesKeepTheirPrecision) {
  // 1000 + noise of 1e-3: the spread is 1e-6 of the level. Compared with
  // layernorm in double precision (not the interpreter, which computes the
  // same f32 definition).
  const int64_t m = 3, n = 4096;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> noise(0, 1e-3);
  std::vector<float> x(m * n);
  for (float& v : x) v = static_cast<float>(1000.0 + noise(rng));
  std::vector<Buffer> in;
  const Buffer y = run_layernorm(m, n, [&](int64_t r, int64_t c) { return x[r * n + c]; }, &in);
  double worst = 0;
  for (int64_t r = 0; r < m; ++r) {
    double mean = 0, var = 0;
    for (int64_t c = 0; c < n; ++c) mean += x[r * n + c];
    mean /= n;
    for (int64_t c = 0; c < n; ++c) var += (x[r * n + c] - mean) * (x[r * n + c] - mean);
    var /= n;
    for (int64_t c = 0; c < n; ++c) {
      const double want = (x[r * n + c] - mean) / std::sqrt(var + 1e-5) * in[1].get_f64(c) +
                          in[2].get_f64(c);
      worst = std::max(worst, std::abs(y.get_f64(r * n + c) - want));
    }
  }
  EXPECT_LT(worst, 1e-3);
}

TEST(OpsRmsnorm, AwkwardSizesAndTypes) {
  for (const OpSizes& s : awkward()) expect_correct(find_op("rmsnorm"), s);
  for (const char* t : {"f16", "bf16"})
    expect_correct(find_op("rmsnorm"), {{"M", 5}, {"N", 33}}, {{"dtype", t}, {"eps", "1e-5"}});
}

TEST(OpsNorms, BadParameters) {
  for (const char* name : {"layernorm", "rmsnorm"}) {
    const Op& op = find_op(name);
    expect_user_error([&] { op.define({{"N", -1}}); }, "parameter N");
    expect_user_error([&] { op.define({{"K", 2}}); }, "unknown parameter 'K'");
    expect_user_error([&] { op.define({}, {{"eps", "0.1"}}); }, "option eps");
  }
}

TEST(OpsNorms, Counts) {
  EXPECT_DOUBLE_EQ(find_op("layernorm").bytes({{"M", 2}, {"N", 3}}), 4.0 * (12 + 6));
  EXPECT_DOUBLE_EQ(find_op("rmsnorm").bytes({{"M", 2}, {"N", 3}}, {{"dtype", "f16"}}),
                   2.0 * (12 + 3));
}

}  // namespace
}  // namespace kiln
