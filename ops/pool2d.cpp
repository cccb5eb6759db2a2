// pool2d: max or average over R x S windows, NCHW, f32:
//   max: out[n, c, y, x] = max_{r,s} data[n, c, y*stride + r - pad, x*stride + s - pad]
//   avg: out[n, c, y, x] = sum_{r,s} (same) / (R * S)
// Average pooling counts the padding (PyTorch's default,
// count_include_pad=True; oneDNN's pooling_avg_include_padding): padded
// taps read 0 and every window divides by R * S. Max pooling pads with
// -inf, so padding never wins. As in PyTorch, pad may be at most half the
// window, so every window holds at least one input element.
//
// The structure and schedule are depthwise_conv2d's: a padded copy of the
// input split into stride phases (contiguous loads with a stride), an
// accumulator row rounded up to 16 columns, vectorized along the row.
#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "dsl/simplify.h"
#include "ops/op.h"
#include "ops/window.h"

namespace kiln {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

class Pool2dOp : public Op {
 public:
  Pool2dOp()
      : Op("pool2d",
           "out[N,C,Ho,Wo] = max or average of data[N,C,H,W] over R x S windows (avg counts "
           "padding, as PyTorch's default)",
           {{"N", 1, "batch"},
            {"C", 64, "channels"},
            {"H", 112, "input height"},
            {"W", 112, "input width"},
            // The window's size is structural: no buffer carries it, so a
            // symbolic definition keeps it concrete.
            {"R", 3, "window height", 1, kMax, false},
            {"S", 3, "window width", 1, kMax, false},
            {"stride", 2, "step of the window along H and W", 1, kMax, false},
            {"pad", 1, "padding on each side of H and W (at most half the window)", 0, kMax,
             false}},
           {{"dtype", "f32", {"f32"}, "element type"},
            {"mode", "max", {"max", "avg"}, "max, or avg (divides by R*S, padding included)"}}) {}

  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule sch(def);
    schedule_channel_window(sch, "pool_acc", def.outputs().at(0).name(),
                            natural_vector_lanes_f32(target));
    return sch;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const bool is_max = options.at("mode") == "max";
    const Expr N = sizes.at("N"), C = sizes.at("C"), H = sizes.at("H"), W = sizes.at("W");
    const Expr R = sizes.at("R"), S = sizes.at("S");
    const WindowParams w = window_params("pool2d", sizes, /*has_dilation=*/false);
    for (const auto& [name, window] : {std::pair<const char*, Expr>{"R", R}, {"S", S}}) {
      int64_t v = 0;
      if (as_const_int(window, &v) && 2 * w.pad > v) {
        user_error << "pool2d: pad=" << w.pad << " is more than half the window (" << name << "="
                   << v << "), so a window could hold only padding; use pad <= " << v / 2
                   << " or a larger " << name;
      }
    }
    check_window_output("pool2d", "H", H, "R", R, w, false);
    check_window_output("pool2d", "W", W, "S", S, w, false);
    const Expr Ho = window_output_extent(H, R, w), Wo = window_output_extent(W, S, w);
    const Expr st = make_index(w.stride);

    Tensor data = placeholder({N, C, H, W}, t, "data");
    const Expr Wacc = round_up(Wo, 16);
    const Expr Hp = simplify((Ho - 1) * st + R);
    const Expr Wq = simplify(Wacc + (S - 1) / st);
    const Expr fill = is_max ? make_const(t, -INFINITY) : make_zero(t);
    Tensor pad = phased_padded_input(data, Hp, Wq, w.stride, w.pad, fill, "data_pad");
    IterVar r = reduce_axis(R, "r"), s = reduce_axis(S, "s");
    Tensor acc = compute(
        {N, C, Ho, Wacc},
        [&](Expr n, Expr c, Expr y, Expr x) {
          Expr v = pad(n, c, y * st + r.var, s.var % st, x + s.var / st);
          return is_max ? max(v, {r, s}) : sum(v, {r, s});
        },
        "pool_acc", {"n", "c", "y", "x"});
    Tensor out = compute(
        {N, C, Ho, Wo},
        [&](Expr n, Expr c, Expr y, Expr x) {
          if (is_max) return acc(n, c, y, x);
          return acc(n, c, y, x) * (make_const(t, 1.0) / cast(t, R * S));
        },
        "pool", {"n", "c", "y", "x"});
    return ComputeDef("pool2d", {data}, {out});
  }

  double count_flops(const OpSizes& s, const OpOptions&) const override {
    // One comparison or addition per tap.
    return 1.0 * s.at("N") * s.at("C") * out_h(s) * out_w(s) * s.at("R") * s.at("S");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double elements = 1.0 * s.at("N") * s.at("C") * s.at("H") * s.at("W") +
                            1.0 * s.at("N") * s.at("C") * out_h(s) * out_w(s);
    return elements * parse_type(options.at("dtype")).bytes();
  }

 private:
  static WindowParams window(const OpSizes& s) { return {s.at("stride"), s.at("pad"), 1}; }
  static int64_t out_h(const OpSizes& s) { return window_output_extent(s.at("H"), s.at("R"), window(s)); }
  static int64_t out_w(const OpSizes& s) { return window_output_extent(s.at("W"), s.at("S"), window(s)); }
};

}  // namespace

std::unique_ptr<Op> make_pool2d_op() { return std::make_unique<Pool2dOp>(); }

}  // namespace kiln
