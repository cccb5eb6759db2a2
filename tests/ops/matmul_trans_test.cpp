// matmul with trans_a / trans_b: shapes of the inputs, the default schedule
// (with the B_t packing stage for trans_b) against the reference at awkward
// sizes, concrete and symbolic, and refused flag values.
#include <gtest/gtest.h>

#include "tests/ops/window_test_util.h"

namespace kiln {
namespace {

using optest::expect_default_schedule_correct;
using optest::expect_user_error;

const Op& matmul() { return find_op("matmul"); }

TEST(OpsMatmulTrans, InputShapes) {
  const OpSizes sizes = {{"M", 2}, {"N", 3}, {"K", 5}, {"trans_a", 1}, {"trans_b", 1}};
  const ComputeDef def = matmul().define(sizes);
  EXPECT_EQ(concrete_shape(def.inputs()[0].shape(), {}), (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(concrete_shape(def.inputs()[1].shape(), {}), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(concrete_shape(def.outputs()[0].shape(), {}), (std::vector<int64_t>{2, 3}));
  EXPECT_DOUBLE_EQ(matmul().flops(sizes), 60.0);
}

TEST(OpsMatmulTrans, DefaultScheduleAtAwkwardSizes) {
  for (const auto& [ta, tb] : std::vector<std::pair<int, int>>{{1, 0}, {0, 1}, {1, 1}}) {
    for (const OpSizes& mnk : std::vector<OpSizes>{{{"M", 1}, {"N", 1}, {"K", 1}},
                                                   {{"M", 37}, {"N", 67}, {"K", 263}},
                                                   {{"M", 13}, {"N", 131}, {"K", 7}}}) {
      OpSizes sizes = mnk;
      sizes["trans_a"] = ta;
      sizes["trans_b"] = tb;
      expect_default_schedule_correct(matmul(), sizes);
    }
  }
}

TEST(OpsMatmulTrans, FlagsOutOfRangeAreRefused) {
  expect_user_error([] { matmul().define({{"trans_a", 2}}); },
                    {"parameter trans_a", "<= 1", "got 2"});
  expect_user_error([] { matmul().define({{"trans_b", -1}}); }, {"parameter trans_b", ">= 0"});
}

}  // namespace
}  // namespace kiln
