// batch_matmul: shapes and counts, the default schedule against the
// reference at awkward sizes for every trans_a / trans_b combination (one
// batch and several, so both parallel choices run), and refused values.
#include <gtest/gtest.h>

#include "tests/ops/window_test_util.h"

namespace kiln {
namespace {

using optest::expect_default_schedule_correct;
using optest::expect_user_error;

const Op& batch_matmul() { return find_op("batch_matmul"); }

TEST(OpsBatchMatmul, ShapesAndCounts) {
  const OpSizes sizes = {{"B", 3}, {"M", 2}, {"N", 5}, {"K", 7}, {"trans_a", 1}, {"trans_b", 1}};
  const ComputeDef def = batch_matmul().define(sizes);
  EXPECT_EQ(concrete_shape(def.inputs()[0].shape(), {}), (std::vector<int64_t>{3, 7, 2}));
  EXPECT_EQ(concrete_shape(def.inputs()[1].shape(), {}), (std::vector<int64_t>{3, 5, 7}));
  EXPECT_EQ(concrete_shape(def.outputs()[0].shape(), {}), (std::vector<int64_t>{3, 2, 5}));
  EXPECT_DOUBLE_EQ(batch_matmul().flops(sizes), 2.0 * 3 * 2 * 5 * 7);
  EXPECT_DOUBLE_EQ(batch_matmul().bytes(sizes), 4.0 * 3 * (2 * 7 + 7 * 5 + 2 * 5));
}

TEST(OpsBatchMatmul, DefaultScheduleAtAwkwardSizes) {
  const std::vector<OpSizes> shapes = {
      {{"B", 1}, {"M", 1}, {"N", 1}, {"K", 1}},
      {{"B", 3}, {"M", 13}, {"N", 67}, {"K", 29}},
      {{"B", 1}, {"M", 7}, {"N", 131}, {"K", 259}},
  };
  for (int ta = 0; ta <= 1; ++ta) {
    for (int tb = 0; tb <= 1; ++tb) {
      for (OpSizes sizes : shapes) {
        sizes["trans_a"] = ta;
        sizes["trans_b"] = tb;
        expect_default_schedule_correct(batch_matmul(), sizes);
      }
    }
  }
}

TEST(OpsBatchMatmul, BadParametersAreRefusedByName) {
  expect_user_error([] { batch_matmul().define({{"B", 0}}); }, {"parameter B", "got 0"});
  expect_user_error([] { batch_matmul().define({{"trans_b", 3}}); },
                    {"parameter trans_b", "<= 1"});
  expect_user_error([] { batch_matmul().define({{"batch", 2}}); },
                    {"unknown parameter 'batch'", "B (default 8)"});
}

}  // namespace
}  // namespace kiln
