// reduce (sum, mean, max over either axis) and transpose default schedules
// against the reference at awkward sizes, f16/bf16, and bad parameters.
#include "op_test_util.h"

namespace kiln {
namespace {

using op_test::expect_correct;
using op_test::expect_user_error;

const std::vector<OpSizes>& awkward() {
  static const std::vector<OpSizes> sizes = {{{"M", 1}, {"N", 1}},   {{"M", 7}, {"N", 13}},
                                             {{"M", 3}, {"N", 1027}}, {{"M", 67}, {"N", 5}},
                                             {{"M", 16}, {"N", 64}},  {{"M", 33}, {"N", 130}}};
  return sizes;
}

TEST(OpsReduce, EveryKindAndAxis) {
  for (const char* kind : {"sum", "mean", "max"}) {
    for (int64_t axis : {0, 1}) {
      for (OpSizes s : awkward()) {
        s["axis"] = axis;
        expect_correct(find_op("reduce"), s, {{"kind", kind}});
      }
    }
  }
}

TEST(OpsReduce, HalfTypes) {
  for (const char* t : {"f16", "bf16"}) {
    for (int64_t axis : {0, 1}) {
      expect_correct(find_op("reduce"), {{"M", 9}, {"N", 35}, {"axis", axis}},
                     {{"dtype", t}, {"kind", "max"}});
      expect_correct(find_op("reduce"), {{"M", 9}, {"N", 35}, {"axis", axis}},
                     {{"dtype", t}, {"kind", "mean"}});
    }
  }
}

TEST(OpsReduce, OutputShapeFollowsAxis) {
  const Op& op = find_op("reduce");
  EXPECT_EQ(constant_extent(op.define({{"M", 5}, {"N", 7}, {"axis", 1}}).outputs()[0].shape()[0]), 5);
  EXPECT_EQ(constant_extent(op.define({{"M", 5}, {"N", 7}, {"axis", 0}}).outputs()[0].shape()[0]), 7);
  EXPECT_DOUBLE_EQ(op.bytes({{"M", 5}, {"N", 7}, {"axis", 0}}), 4.0 * (35 + 7));
}

TEST(OpsTranspose, AwkwardSizes) {
  for (const OpSizes& s : awkward()) expect_correct(find_op("transpose"), s);
  expect_correct(find_op("transpose"), {{"M", 17}, {"N", 40}}, {{"dtype", "bf16"}});
}

TEST(OpsReduceTranspose, BadParameters) {
  expect_user_error([] { find_op("reduce").define({{"axis", 2}}); }, "parameter axis");
  expect_user_error([] { find_op("reduce").define({}, {{"kind", "min"}}); }, "option kind");
  expect_user_error([] { find_op("transpose").define({{"M", -7}}); }, "parameter M");
  expect_user_error([] { find_op("transpose").define({{"axis", 1}}); }, "unknown parameter 'axis'");
}

}  // namespace
}  // namespace kiln
