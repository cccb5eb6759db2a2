// conv2d: the default schedule of both layouts against the reference
// interpreter at awkward sizes (1, primes, widths that are not multiples of
// the 16-column tile, channel counts that are not multiples of the channel
// block), with stride 2, pad 0 and 1, dilation 2, 1x1 and 7x7 windows; the
// symbolic definition serving two sizes; counts; and refused parameters.
#include <gtest/gtest.h>

#include "codegen/llvm/host_target.h"
#include "tests/ops/window_test_util.h"

namespace kiln {
namespace {

using optest::expect_default_schedule_correct;
using optest::expect_user_error;

const Op& conv2d() { return find_op("conv2d"); }

OpSizes conv_sizes(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s,
                   int64_t stride, int64_t pad, int64_t dilation = 1) {
  return {{"N", n}, {"C", c}, {"H", h},           {"W", w},       {"K", k},
          {"R", r}, {"S", s}, {"stride", stride}, {"pad", pad}, {"dilation", dilation}};
}

// One list for both layouts: every edge case the issue names.
const std::vector<OpSizes>& cases() {
  static const std::vector<OpSizes> list = {
      conv_sizes(1, 1, 1, 1, 1, 1, 1, 1, 0),      // everything 1
      conv_sizes(1, 3, 7, 9, 5, 3, 3, 1, 1),      // 3x3, pad 1, narrow rows
      conv_sizes(2, 5, 11, 13, 7, 3, 3, 2, 0),    // stride 2, pad 0, batch 2
      conv_sizes(1, 4, 13, 17, 3, 3, 3, 1, 2, 2), // dilation 2
      conv_sizes(1, 17, 5, 19, 19, 1, 1, 1, 0),   // 1x1
      conv_sizes(1, 3, 19, 23, 8, 7, 7, 2, 3),    // 7x7, stride 2, pad 3
      conv_sizes(1, 6, 6, 37, 37, 3, 2, 1, 1),    // R != S, K > 32, W > 32
      // Channels past one block of 16, not multiples of it (blocked copies
      // have padding), 31 columns (two register tiles of 16 and 15).
      conv_sizes(1, 37, 5, 31, 33, 3, 3, 1, 1),
      conv_sizes(2, 32, 9, 9, 48, 3, 3, 2, 1),    // whole blocks, stride 2
  };
  return list;
}

TEST(OpsConv2d, NchwDefaultScheduleAtAwkwardSizes) {
  for (const OpSizes& sizes : cases()) expect_default_schedule_correct(conv2d(), sizes);
}

TEST(OpsConv2d, NhwcDefaultScheduleAtAwkwardSizes) {
  for (const OpSizes& sizes : cases())
    expect_default_schedule_correct(conv2d(), sizes, {{"layout", "nhwc"}});
}

// layout=nchw16c: C and K multiples of 16; everything else awkward.
TEST(OpsConv2d, Nchw16cDefaultScheduleAtAwkwardSizes) {
  for (const OpSizes& sizes : {conv_sizes(1, 16, 7, 9, 16, 3, 3, 1, 1),
                               conv_sizes(2, 32, 11, 13, 48, 3, 3, 2, 0),
                               conv_sizes(1, 16, 13, 31, 32, 3, 3, 1, 2, 2),
                               conv_sizes(1, 48, 5, 19, 16, 1, 1, 1, 0),
                               conv_sizes(1, 16, 19, 23, 16, 7, 7, 2, 3),
                               conv_sizes(1, 16, 1, 1, 16, 1, 1, 1, 0)}) {
    expect_default_schedule_correct(conv2d(), sizes, {{"layout", "nchw16c"}});
  }
}

// The blocked layout computes the NCHW convolution: the same random data
// and weights, blocked by hand, give the same output, blocked.
TEST(OpsConv2d, Nchw16cIsNchwBlocked) {
  const int64_t N = 1, C = 32, H = 9, W = 11, K = 16, R = 3, S = 3;
  const OpSizes sizes = conv_sizes(N, C, H, W, K, R, S, 1, 1);
  const ComputeDef nchw = conv2d().define(sizes);
  const ComputeDef blocked = conv2d().define(sizes, {{"layout", "nchw16c"}});
  std::vector<Buffer> in = random_inputs(nchw, conv2d().resolve_sizes(sizes), 5);
  std::vector<Buffer> in_blocked = random_inputs(blocked, conv2d().resolve_sizes(sizes), 5);
  const float* data = in[0].data_as<float>();
  const float* weight = in[1].data_as<float>();
  float* bdata = in_blocked[0].data_as<float>();
  float* bweight = in_blocked[1].data_as<float>();
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < H * W; ++i) bdata[((c / 16) * H * W + i) * 16 + c % 16] = data[c * H * W + i];
  for (int64_t k = 0; k < K; ++k)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t rs = 0; rs < R * S; ++rs)
        bweight[((((k / 16) * (C / 16) + c / 16) * R * S + rs) * 16 + c % 16) * 16 + k % 16] =
            weight[(k * C + c) * R * S + rs];
  const Buffer expected = interpret(nchw, in).at(0);
  const auto kernel = compile_jit(lower(conv2d().default_schedule(blocked, host_target())));
  Buffer out(f32(), {N, K / 16, H, W, 16});
  std::vector<Buffer> args = in_blocked;
  args.push_back(out);
  kernel->run(args);
  double worst = 0;
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t i = 0; i < H * W; ++i) {
      const double want = expected.data_as<float>()[k * H * W + i];
      const double got = out.data_as<float>()[((k / 16) * H * W + i) * 16 + k % 16];
      worst = std::max(worst, std::abs(got - want) / std::max(1.0, std::abs(want)));
    }
  }
  EXPECT_LE(worst, 1e-4);
}

TEST(OpsConv2d, SymbolicDefaultScheduleServesEverySize) {
  for (const char* layout : {"nchw", "nhwc"}) {
    SCOPED_TRACE(layout);
    // Stride 2: the NCHW input's column phases with symbolic widths.
    const OpSizes fixed = {{"stride", 2}, {"pad", 1}, {"dilation", 1}};
    const ComputeDef def = conv2d().define_symbolic(fixed, {{"layout", layout}});
    const auto kernel = compile_jit(lower(conv2d().default_schedule(def, host_target())));
    for (const OpSizes& sizes : {conv_sizes(1, 3, 5, 7, 2, 3, 3, 2, 1),
                                 conv_sizes(2, 4, 9, 40, 19, 3, 1, 2, 1)}) {
      SCOPED_TRACE(optest::describe(sizes));
      EXPECT_LE(optest::run_and_check(conv2d(), *kernel, def, sizes), conv2d().tolerance(def));
    }
  }
}

TEST(OpsConv2d, ShapesAndCounts) {
  const OpSizes sizes = conv_sizes(2, 3, 10, 12, 4, 3, 5, 2, 1, 1);
  // Ho = (10 + 2 - 3)/2 + 1 = 5, Wo = (12 + 2 - 5)/2 + 1 = 5.
  const ComputeDef nchw = conv2d().define(sizes);
  EXPECT_EQ(concrete_shape(nchw.outputs()[0].shape(), {}), (std::vector<int64_t>{2, 4, 5, 5}));
  EXPECT_EQ(concrete_shape(nchw.inputs()[1].shape(), {}), (std::vector<int64_t>{4, 3, 3, 5}));
  const ComputeDef nhwc = conv2d().define(sizes, {{"layout", "nhwc"}});
  EXPECT_EQ(concrete_shape(nhwc.inputs()[0].shape(), {}), (std::vector<int64_t>{2, 10, 12, 3}));
  EXPECT_EQ(concrete_shape(nhwc.inputs()[1].shape(), {}), (std::vector<int64_t>{3, 5, 3, 4}));
  EXPECT_EQ(concrete_shape(nhwc.outputs()[0].shape(), {}), (std::vector<int64_t>{2, 5, 5, 4}));
  EXPECT_DOUBLE_EQ(conv2d().flops(sizes), 2.0 * 2 * 4 * 5 * 5 * 3 * 3 * 5);
  EXPECT_DOUBLE_EQ(conv2d().bytes(sizes), 4.0 * (2 * 3 * 10 * 12 + 4 * 3 * 3 * 5 + 2 * 4 * 5 * 5));
  // The ResNet-50 layer the benchmarks use: 231 MFLOP.
  EXPECT_DOUBLE_EQ(conv2d().flops(conv_sizes(1, 64, 56, 56, 64, 3, 3, 1, 1)),
                   2.0 * 64 * 64 * 9 * 56 * 56);
}

TEST(OpsConv2d, BadParametersAreRefusedByName) {
  const Op& op = conv2d();
  expect_user_error([&] { op.define({{"C", -2}}); }, {"parameter C", "got -2", ">= 1"});
  expect_user_error([&] { op.define({{"stride", 0}}); }, {"parameter stride", "got 0"});
  expect_user_error([&] { op.define({{"pad", -1}}); }, {"parameter pad", ">= 0"});
  expect_user_error([&] { op.define({{"dilation", 0}}); }, {"parameter dilation"});
  expect_user_error([&] { op.define({{"padding", 1}}); },
                    {"unknown parameter 'padding'", "pad (default 1)"});
  expect_user_error([&] { op.define({}, {{"layout", "nchw8c"}}); },
                    {"option layout", "'nchw8c'", "nchw|nhwc|nchw16c"});
  expect_user_error([&] { op.define({{"C", 37}}, {{"layout", "nchw16c"}}); },
                    {"layout=nchw16c", "C must be a known multiple of 16; got C=37",
                     "use layout=nchw"});
  expect_user_error([&] { op.define({{"K", 8}}, {{"layout", "nchw16c"}}); },
                    {"K must be a known multiple of 16; got K=8"});
  // A window larger than the padded input leaves no output.
  expect_user_error([&] { op.define({{"H", 2}, {"R", 5}, {"pad", 0}}); },
                    {"conv2d", "H=2", "R=5", "pad=0", "output extent of -2", "must be >= 1"});
  expect_user_error([&] { op.define({{"W", 4}, {"S", 3}, {"pad", 0}, {"dilation", 2}}); },
                    {"W=4", "S=3", "dilation=2", "output extent of 0"});
}

}  // namespace
}  // namespace kiln
