// softmax's default schedule against the reference at awkward sizes, on
// rows of large values (no overflow), in f16/bf16, and its bad parameters.
#include <cmath>

#include "codegen/llvm/host_target.h"
#include "op_test_util.h"

namespace kiln {
namespace {

using op_test::expect_correct;
using op_test::expect_user_error;

const Op& softmax() { return find_op("softmax"); }

TEST(OpsSoftmax, AwkwardSizes) {
  for (const OpSizes& s : std::vector<OpSizes>{{{"M", 1}, {"N", 1}},
                                               {{"M", 7}, {"N", 13}},
                                               {{"M", 3}, {"N", 1027}},
                                               {{"M", 5}, {"N", 64}},
                                               {{"M", 2}, {"N", 200}}}) {
    expect_correct(softmax(), s);
  }
}

TEST(OpsSoftmax, HalfTypes) {
  for (const char* t : {"f16", "bf16"}) expect_correct(softmax(), {{"M", 3}, {"N", 77}}, {{"dtype", t}});
}

TEST(OpsSoftmax, LargeValuesDoNotOverflow) {
  // Rows of 1e4..8e4: exp of any of them overflows f32 unless the row max
  // is subtracted first.
  const OpSizes sizes = {{"M", 4}, {"N", 131}};
  const ComputeDef def = softmax().define(sizes);
  std::vector<Buffer> inputs = random_inputs(def, softmax().resolve_sizes(sizes));
  inputs[0].fill_random(5, 1e4, 8e4);
  const auto kernel = compile_jit(lower(softmax().default_schedule(def, host_target())));
  Buffer y(f32(), {4, 131});
  kernel->run({inputs[0], y});
  for (int64_t r = 0; r < 4; ++r) {
    double total = 0;
    for (int64_t c = 0; c < 131; ++c) {
      const double v = y.get_f64(r * 131 + c);
      ASSERT_TRUE(std::isfinite(v)) << "row " << r << " column " << c;
      total += v;
    }
    EXPECT_NEAR(total, 1.0, 1e-4) << "row " << r;
  }
  EXPECT_LE(softmax().check(def, inputs, {y}), softmax().tolerance(def));
}

TEST(OpsSoftmax, BadParameters) {
  expect_user_error([] { softmax().define({{"M", -3}}); }, "parameter M");
  expect_user_error([] { softmax().define({{"K", 3}}); }, "unknown parameter 'K'");
  expect_user_error([] { softmax().define({}, {{"dtype", "i8"}}); }, "option dtype");
}

TEST(OpsSoftmax, Counts) {
  EXPECT_DOUBLE_EQ(softmax().bytes({{"M", 2}, {"N", 3}}), 2.0 * 6 * 4);
  EXPECT_DOUBLE_EQ(softmax().bytes({{"M", 2}, {"N", 3}}, {{"dtype", "bf16"}}), 2.0 * 6 * 2);
}

}  // namespace
}  // namespace kiln
