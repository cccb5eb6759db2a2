// depthwise_conv2d: each channel convolved with its own window, NCHW, f32;
// weights [C, 1, R, S] as PyTorch stores them (groups = C):
//   out[n, c, y, x] = sum_{r,s} data[n, c, y*stride + r*dilation - pad,
//                                     x*stride + s*dilation - pad] * weight[c, 0, r, s]
// Reads outside the input are zero. The input is read through a padded
// copy (data_pad) whose columns are split into `stride` phases, so every
// tap of a vector of outputs is a contiguous load even with a stride; the
// sums accumulate in conv_acc, whose rows are rounded up to 16 columns so
// every vector is full; conv copies the valid columns out.
#include <algorithm>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "dsl/simplify.h"
#include "ops/op.h"
#include "ops/window.h"

namespace kiln {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

class DepthwiseConv2dOp : public Op {
 public:
  DepthwiseConv2dOp()
      : Op("depthwise_conv2d",
           "out[N,C,Ho,Wo] = per-channel conv of data[N,C,H,W] with weight[C,1,R,S]",
           {{"N", 1, "batch"},
            {"C", 128, "channels (each its own window)"},
            {"H", 56, "input height"},
            {"W", 56, "input width"},
            {"R", 3, "window height"},
            {"S", 3, "window width"},
            {"stride", 1, "step of the window along H and W", 1, kMax, false},
            {"pad", 1, "zeros added on each side of H and W", 0, kMax, false},
            {"dilation", 1, "spacing of the window's taps", 1, kMax, false}},
           {{"dtype", "f32", {"f32"}, "element type"}}) {}

  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule sch(def);
    schedule_channel_window(sch, "conv_acc", def.outputs().at(0).name(),
                            natural_vector_lanes_f32(target));
    return sch;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr N = sizes.at("N"), C = sizes.at("C"), H = sizes.at("H"), W = sizes.at("W");
    const Expr R = sizes.at("R"), S = sizes.at("S");
    const WindowParams w = window_params("depthwise_conv2d", sizes, /*has_dilation=*/true);
    check_window_output("depthwise_conv2d", "H", H, "R", R, w, true);
    check_window_output("depthwise_conv2d", "W", W, "S", S, w, true);
    const Expr Ho = window_output_extent(H, R, w), Wo = window_output_extent(W, S, w);
    const Expr st = make_index(w.stride), dl = make_index(w.dilation);

    Tensor data = placeholder({N, C, H, W}, t, "data");
    Tensor weight = placeholder({C, make_index(1), R, S}, t, "weight");
    const Expr Wacc = round_up(Wo, 16);
    const Expr Hp = simplify((Ho - 1) * st + dl * (R - 1) + 1);
    const Expr Wq = simplify(Wacc + dl * (S - 1) / st);
    Tensor pad = phased_padded_input(data, Hp, Wq, w.stride, w.pad, make_zero(t), "data_pad");
    IterVar r = reduce_axis(R, "r"), s = reduce_axis(S, "s");
    Tensor acc = compute(
        {N, C, Ho, Wacc},
        [&](Expr n, Expr c, Expr y, Expr x) {
          const Expr tap = s.var * dl;
          return sum(pad(n, c, y * st + r.var * dl, tap % st, x + tap / st) *
                         weight(c, make_index(0), r.var, s.var),
                     {r, s});
        },
        "conv_acc", {"n", "c", "y", "x"});
    Tensor out = compute(
        {N, C, Ho, Wo}, [&](Expr n, Expr c, Expr y, Expr x) { return acc(n, c, y, x); }, "conv",
        {"n", "c", "y", "x"});
    return ComputeDef("depthwise_conv2d", {data, weight}, {out});
  }

  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 2.0 * s.at("N") * s.at("C") * out_h(s) * out_w(s) * s.at("R") * s.at("S");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double elements = 1.0 * s.at("N") * s.at("C") * s.at("H") * s.at("W") +
                            1.0 * s.at("C") * s.at("R") * s.at("S") +
                            1.0 * s.at("N") * s.at("C") * out_h(s) * out_w(s);
    return elements * parse_type(options.at("dtype")).bytes();
  }

 private:
  static WindowParams window(const OpSizes& s) { return {s.at("stride"), s.at("pad"), s.at("dilation")}; }
  static int64_t out_h(const OpSizes& s) { return window_output_extent(s.at("H"), s.at("R"), window(s)); }
  static int64_t out_w(const OpSizes& s) { return window_output_extent(s.at("W"), s.at("S"), window(s)); }
};

}  // namespace

std::unique_ptr<Op> make_depthwise_conv2d_op() { return std::make_unique<DepthwiseConv2dOp>(); }

}  // namespace kiln
