// relu, gelu (both forms), sigmoid, add and mul (every broadcast) against
// the reference at awkward sizes and in f16/bf16; bad options refused.
#include "codegen/llvm/host_target.h"
#include "op_test_util.h"

namespace kiln {
namespace {

using op_test::expect_correct;
using op_test::expect_user_error;

const std::vector<OpSizes>& awkward() {
  static const std::vector<OpSizes> sizes = {{{"M", 1}, {"N", 1}},  {{"M", 7}, {"N", 13}},
                                             {{"M", 3}, {"N", 1027}}, {{"M", 2}, {"N", 64}},
                                             {{"M", 1}, {"N", 70}}};
  return sizes;
}

TEST(OpsElementwise, UnaryAwkwardSizes) {
  for (const char* name : {"relu", "gelu", "sigmoid"}) {
    for (const OpSizes& s : awkward()) expect_correct(find_op(name), s);
  }
  for (const OpSizes& s : awkward()) expect_correct(find_op("gelu"), s, {{"approximate", "tanh"}});
}

TEST(OpsElementwise, UnaryHalfTypes) {
  for (const char* name : {"relu", "gelu", "sigmoid"}) {
    for (const char* t : {"f16", "bf16"}) expect_correct(find_op(name), {{"M", 3}, {"N", 37}}, {{"dtype", t}});
  }
}

TEST(OpsElementwise, SigmoidSaturates) {
  const Op& op = find_op("sigmoid");
  const ComputeDef def = op.define({{"M", 1}, {"N", 19}});
  std::vector<Buffer> in = random_inputs(def, op.resolve_sizes({{"M", 1}, {"N", 19}}));
  in[0].fill_random(2, -120, 120);
  const auto kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  Buffer y(f32(), {1, 19});
  kernel->run({in[0], y});
  EXPECT_LE(op.check(def, in, {y}), op.tolerance(def));
}

TEST(OpsElementwise, BinaryBroadcasts) {
  for (const char* name : {"add", "mul"}) {
    for (const char* b : {"none", "row", "col", "scalar"}) {
      for (const OpSizes& s : awkward()) expect_correct(find_op(name), s, {{"broadcast", b}});
      expect_correct(find_op(name), {{"M", 5}, {"N", 41}}, {{"broadcast", b}, {"dtype", "bf16"}});
    }
  }
}

TEST(OpsElementwise, BroadcastShapes) {
  const Op& add = find_op("add");
  auto b_shape = [&](const char* mode) {
    const ComputeDef def = add.define({{"M", 5}, {"N", 7}}, {{"broadcast", mode}});
    std::vector<int64_t> shape;
    for (const Expr& e : def.inputs()[1].shape()) shape.push_back(constant_extent(e));
    return shape;
  };
  EXPECT_EQ(b_shape("none"), (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(b_shape("row"), (std::vector<int64_t>{1, 7}));
  EXPECT_EQ(b_shape("col"), (std::vector<int64_t>{5, 1}));
  EXPECT_EQ(b_shape("scalar"), (std::vector<int64_t>{1}));
  EXPECT_DOUBLE_EQ(add.bytes({{"M", 5}, {"N", 7}}, {{"broadcast", "row"}}), 4.0 * (70 + 7));
}

TEST(OpsElementwise, BadParameters) {
  expect_user_error([] { find_op("add").define({}, {{"broadcast", "diag"}}); }, "option broadcast");
  expect_user_error([] { find_op("gelu").define({}, {{"approximate", "sigmoid"}}); },
                    "option approximate");
  expect_user_error([] { find_op("relu").define({{"M", 0}}); }, "parameter M");
  expect_user_error([] { find_op("sigmoid").define({{"size", 8}}); }, "unknown parameter 'size'");
}

}  // namespace
}  // namespace kiln
