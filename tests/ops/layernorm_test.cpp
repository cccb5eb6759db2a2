// layernorm and rmsnorm default schedules against the reference at awkward
// sizes, constant rows (variance 0: layernorm gives beta), f16/bf16, eps
// choices, and bad parameters.
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
  const auto kernel = compile_jit(lower(op.default_schedule(def, Target::host())));
  Buffer y(f32(), {3, 83});
  kernel->run({in[0], in[1], in[2], y});
  for (int64_t r = 0; r < 3; ++r) {
    for (int64_t c = 0; c < 83; ++c) {
      ASSERT_NEAR(y.get_f64(r * 83 + c), in[2].get_f64(c), 1e-6) << "row " << r << " col " << c;
    }
  }
  EXPECT_LE(op.check(def, in, {y}), op.tolerance(def));
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
