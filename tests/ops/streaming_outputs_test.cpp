// Outputs of at least kStreamingOutputBytes are written with non-temporal
// stores by the row-wise default schedules (layernorm, softmax, the
// elementwise ops, transpose): the schedule says so, and the results still
// match the reference at sizes just past the threshold whose rows are not a
// multiple of the vector (most stores misaligned, the others streamed).
// Smaller outputs store normally.
#include "codegen/llvm/host_target.h"
#include "op_test_util.h"
#include "ops/op_helpers.h"

namespace kiln {
namespace {

using op_test::expect_correct;

bool streams(const std::string& op_name, const OpSizes& sizes, const OpOptions& options = {}) {
  const Op& op = find_op(op_name);
  const ComputeDef def = op.define(sizes, options);
  const Schedule s = op.default_schedule(def, host_target());
  return s.stores_nontemporal(def.outputs().at(0).name());
}

TEST(OpsStreamingOutputs, OnlyOutputsPastTheThreshold) {
  // 2048 x 4099 f32 is just over 32 MiB; 2048 x 4096 f32 is exactly it.
  EXPECT_TRUE(streams("layernorm", {{"M", 2048}, {"N", 4099}}));
  EXPECT_TRUE(streams("layernorm", {{"M", 2048}, {"N", 4096}}));
  EXPECT_FALSE(streams("layernorm", {{"M", 2047}, {"N", 4096}}));
  EXPECT_FALSE(streams("softmax", {{"M", 1024}, {"N", 1024}}));
  EXPECT_TRUE(streams("softmax", {{"M", 4096}, {"N", 4096}}));
  EXPECT_TRUE(streams("relu", {{"M", 4096}, {"N", 4096}}));
  EXPECT_TRUE(streams("relu", {{"M", 4096}, {"N", 4096}}, {{"dtype", "f16"}}));  // 32 MiB
  EXPECT_FALSE(streams("relu", {{"M", 4096}, {"N", 4095}}, {{"dtype", "f16"}}));
  EXPECT_TRUE(streams("transpose", {{"M", 4096}, {"N", 4096}}));
  // The CUDA target has no such stores.
  const Op& op = find_op("relu");
  const ComputeDef def = op.define({{"M", 4096}, {"N", 4096}});
  EXPECT_FALSE(op.default_schedule(def, parse_target("cuda")).stores_nontemporal("Y"));
}

TEST(OpsStreamingOutputs, LargeOutputsMatchTheReference) {
  expect_correct(find_op("layernorm"), {{"M", 2048}, {"N", 4099}});
  expect_correct(find_op("softmax"), {{"M", 1031}, {"N", 8197}});
  expect_correct(find_op("transpose"), {{"M", 4099}, {"N", 2053}});
}

}  // namespace
}  // namespace kiln
