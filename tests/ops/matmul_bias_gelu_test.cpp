// matmul_bias_gelu's fused default schedule against the reference at sizes
// that are not multiples of its 6 x 64 tile, 192-row block or 256 k-chunk,
// both gelu forms, and that the product never becomes a root stage (it is
// computed inside Y's block).
#include "codegen/llvm/host_target.h"
#include "op_test_util.h"

namespace kiln {
namespace {

using op_test::expect_correct;
using op_test::expect_user_error;

const Op& fused() { return find_op("matmul_bias_gelu"); }

TEST(OpsMatmulBiasGelu, AwkwardSizes) {
  for (const OpSizes& s : std::vector<OpSizes>{{{"M", 1}, {"N", 1}, {"K", 1}},
                                               {{"M", 7}, {"N", 13}, {"K", 5}},
                                               {{"M", 13}, {"N", 70}, {"K", 9}},
                                               {{"M", 6}, {"N", 64}, {"K", 32}},
                                               {{"M", 37}, {"N", 131}, {"K", 67}},
                                               {{"M", 3}, {"N", 1027}, {"K", 2}},
                                               {{"M", 263}, {"N", 300}, {"K", 3}},
                                               {{"M", 200}, {"N", 70}, {"K", 300}}}) {
    expect_correct(fused(), s);
    expect_correct(fused(), s, {{"approximate", "tanh"}});
  }
}

TEST(OpsMatmulBiasGelu, ProductComputedInsideTheTile) {
  const ComputeDef def = fused().define({{"M", 64}, {"N", 128}, {"K", 64}});
  const Schedule s = fused().default_schedule(def, host_target());
  EXPECT_EQ(s.stage("C").attach, AttachKind::At);
  EXPECT_EQ(s.stage("C").attach_stage, "Y");
}

TEST(OpsMatmulBiasGelu, BadParameters) {
  expect_user_error([] { fused().define({{"K", -2}}); }, "parameter K");
  expect_user_error([] { fused().define({{"B", 2}}); }, "unknown parameter 'B'");
  expect_user_error([] { fused().define({}, {{"approximate", "erf"}}); }, "option approximate");
}

TEST(OpsMatmulBiasGelu, Counts) {
  EXPECT_DOUBLE_EQ(fused().bytes({{"M", 2}, {"N", 3}, {"K", 5}}), 4.0 * (10 + 15 + 3 + 6));
}

}  // namespace
}  // namespace kiln
