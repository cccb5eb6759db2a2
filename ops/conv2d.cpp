// conv2d: a 2-D convolution, NCHW (default) or NHWC, f32.
//
//   nchw: out[n, k, y, x] = sum_{c,r,s} data[n, c, y*stride + r*dilation - pad,
//                                              x*stride + s*dilation - pad] * weight[k, c, r, s]
//   nhwc: out[n, y, x, k] = sum_{r,s,c} data[n, y*stride + r*dilation - pad,
//                                              x*stride + s*dilation - pad, c] * weight[r, s, c, k]
//
// NHWC takes its weights as RSCK (TensorFlow's HWIO): K is innermost, so a
// vector of output channels is one contiguous load.
//
// Reads outside the input are zero. Both layouts read a padded copy of the
// input (stage data_pad) so the reduction runs without bounds tests; in NCHW
// its columns are split into `stride` phases (ops/window.h), so a vector of
// output columns reads contiguous input even with a stride. In NCHW
// the accumulation stage conv_acc is also wider than the output: its width
// is rounded up to the register tile (a multiple of 16 columns), so every
// tile is full and vectorized; the extra columns read zeros of data_pad and
// are dropped when conv copies conv_acc out.
#include <algorithm>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "dsl/simplify.h"
#include "ops/op.h"
#include "ops/window.h"

namespace kiln {
namespace {

// Vectors of 16 columns in an NCHW register tile, for an output width
// (symbolic: -1). Four vectors by six output channels are 24 zmm
// accumulators; narrower outputs take fewer vectors so less is wasted.
int64_t nchw_tile_vectors(int64_t wo) {
  if (wo < 0) return 4;
  return std::clamp<int64_t>((wo + 15) / 16, 1, 4);
}

class Conv2dOp : public Op {
 public:
  Conv2dOp()
      : Op("conv2d",
           "out = conv(data, weight): nchw data[N,C,H,W] * weight[K,C,R,S] -> out[N,K,Ho,Wo]; "
           "nhwc data[N,H,W,C] * weight[R,S,C,K] -> out[N,Ho,Wo,K]",
           {{"N", 1, "batch"},
            {"C", 64, "input channels"},
            {"H", 56, "input height"},
            {"W", 56, "input width"},
            {"K", 64, "output channels"},
            {"R", 3, "window height"},
            {"S", 3, "window width"},
            {"stride", 1, "step of the window along H and W", 1,
             std::numeric_limits<int64_t>::max(), false},
            {"pad", 1, "zeros added on each side of H and W", 0,
             std::numeric_limits<int64_t>::max(), false},
            {"dilation", 1, "spacing of the window's taps", 1,
             std::numeric_limits<int64_t>::max(), false}},
           {{"dtype", "f32", {"f32"}, "element type"},
            {"layout", "nchw", {"nchw", "nhwc"},
             "nchw: data NCHW, weight KCRS, out NKHW; nhwc: data NHWC, weight RSCK, out NHWK"}}) {}

  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    const OpRef& out = def.outputs().at(0).op();
    // NCHW has conv_acc between data_pad and conv; NHWC reduces in conv.
    return out->is_reduction() ? schedule_nhwc(def, target) : schedule_nchw(def, target);
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr N = sizes.at("N"), C = sizes.at("C"), H = sizes.at("H"), W = sizes.at("W");
    const Expr K = sizes.at("K"), R = sizes.at("R"), S = sizes.at("S");
    const WindowParams w = window_params("conv2d", sizes, /*has_dilation=*/true);
    check_window_output("conv2d", "H", H, "R", R, w, true);
    check_window_output("conv2d", "W", W, "S", S, w, true);
    const Expr Ho = window_output_extent(H, R, w), Wo = window_output_extent(W, S, w);
    const Expr st = make_index(w.stride), dl = make_index(w.dilation);
    IterVar c = reduce_axis(C, "c"), r = reduce_axis(R, "r"), s = reduce_axis(S, "s");

    if (options.at("layout") == "nhwc") {
      Tensor data = placeholder({N, H, W, C}, t, "data");
      Tensor weight = placeholder({R, S, C, K}, t, "weight");
      Tensor src = data;
      if (w.pad > 0) {
        const Expr Hp = simplify((Ho - 1) * st + dl * (R - 1) + 1);
        const Expr Wp = simplify((Wo - 1) * st + dl * (S - 1) + 1);
        src = padded_input(data, true, Hp, Wp, w.pad, make_zero(t), "data_pad");
      }
      Tensor out = compute(
          {N, Ho, Wo, K},
          [&](Expr n, Expr y, Expr x, Expr k) {
            return sum(src(n, y * st + r.var * dl, x * st + s.var * dl, c.var) *
                           weight(r.var, s.var, c.var, k),
                       {r, s, c});
          },
          "conv", {"n", "y", "x", "k"});
      return ComputeDef("conv2d", {data, weight}, {out});
    }

    Tensor data = placeholder({N, C, H, W}, t, "data");
    Tensor weight = placeholder({K, C, R, S}, t, "weight");
    const Expr Wacc = round_up(Wo, 16 * nchw_tile_vectors(constant_extent(Wo)));
    const Expr Hp = simplify((Ho - 1) * st + dl * (R - 1) + 1);
    const Expr Wq = simplify(Wacc + dl * (S - 1) / st);
    Tensor pad = phased_padded_input(data, Hp, Wq, w.stride, w.pad, make_zero(t), "data_pad");
    Tensor acc = compute(
        {N, K, Ho, Wacc},
        [&](Expr n, Expr k, Expr y, Expr x) {
          const Expr tap = s.var * dl;
          return sum(pad(n, c.var, y * st + r.var * dl, tap % st, x + tap / st) *
                         weight(k, c.var, r.var, s.var),
                     {c, r, s});
        },
        "conv_acc", {"n", "k", "y", "x"});
    Tensor out = compute(
        {N, K, Ho, Wo}, [&](Expr n, Expr k, Expr y, Expr x) { return acc(n, k, y, x); }, "conv",
        {"n", "k", "y", "x"});
    return ComputeDef("conv2d", {data, weight}, {out});
  }

  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 2.0 * s.at("N") * s.at("K") * out_h(s) * out_w(s) * s.at("C") * s.at("R") * s.at("S");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double elements = 1.0 * s.at("N") * s.at("C") * s.at("H") * s.at("W") +
                            1.0 * s.at("K") * s.at("C") * s.at("R") * s.at("S") +
                            1.0 * s.at("N") * s.at("K") * out_h(s) * out_w(s);
    return elements * parse_type(options.at("dtype")).bytes();
  }

 private:
  static WindowParams window(const OpSizes& s) { return {s.at("stride"), s.at("pad"), s.at("dilation")}; }
  static int64_t out_h(const OpSizes& s) { return window_output_extent(s.at("H"), s.at("R"), window(s)); }
  static int64_t out_w(const OpSizes& s) { return window_output_extent(s.at("W"), s.at("S"), window(s)); }

  // Unrolls the window loops r and s when the window is small and known:
  // the loop overhead per step (one vector FMA per accumulator) would
  // otherwise be a large share of it.
  static void unroll_small_window(Schedule& sch, const std::string& r, const std::string& s) {
    int64_t re = 0, se = 0;
    const StageSchedule& st = sch.stage_of_loop(r);
    if (!constant_loop_extent(st, r, &re) || !constant_loop_extent(st, s, &se)) return;
    if (se <= 7) sch.unroll(s);
    if (re * se <= 9) sch.unroll(r);
  }

  // data_pad at root, parallel over its rows, vectorized along them.
  static void schedule_pad(Schedule& sch, const ComputeDef& def, int lanes) {
    if (!def.find("data_pad")) return;
    const std::vector<std::string> loops = sch.stage("data_pad").leaf_loops;
    std::string rows = loops[0];
    for (size_t l = 1; l + 1 < loops.size(); ++l) rows = sch.fuse(rows, loops[l]);
    sch.parallel(rows);
    sch.vectorize(sch.split(loops.back(), lanes).second);
  }

  // NCHW: a register tile of kb output channels x 16*xv columns of one
  // output row accumulates in conv_acc (computed at the tile loop of conv,
  // constant-sized, so LLVM keeps it in registers) over c, r, s; each step
  // loads xv vectors of data_pad and broadcasts kb weights. Rows times
  // channel blocks run in parallel.
  Schedule schedule_nchw(const ComputeDef& def, const Target& target) const {
    Schedule sch(def);
    const OpRef& out = def.outputs().at(0).op();
    const int lanes = natural_vector_lanes_f32(target);
    const int64_t K = constant_extent(out->shape[1]);
    const int64_t Wo = constant_extent(out->shape[3]);
    const int64_t xv = nchw_tile_vectors(Wo) * 16 / lanes;  // vectors of the target's width
    int64_t kb = std::max<int64_t>(1, 24 / xv);
    kb = std::min<int64_t>(kb, 8);
    if (K > 0) kb = std::min(kb, K);

    schedule_pad(sch, def, lanes);
    const std::string O = out->name;
    auto [ko, ki] = sch.split(O + ".k", kb);
    auto [xo, xi] = sch.split(O + ".x", xv * lanes);
    // Not fused: bounds inference would lose the tile's extent through the
    // division and modulo of a fused index.
    sch.reorder({O + ".n", O + ".y", ko, xo, ki, xi});
    sch.parallel(O + ".y");
    auto [xio, xii] = sch.split(xi, lanes);
    if (Wo < 0 || Wo >= lanes) sch.vectorize(xii);

    sch.compute_at("conv_acc", xo);
    const std::vector<std::string> a = sch.stage("conv_acc").leaf_loops;  // n k y x c r s
    auto [avo, avi] = sch.split(a[3], lanes);
    sch.reorder({a[0], a[2], a[4], a[5], a[6], a[1], avo, avi});
    sch.unroll(a[1]);
    sch.unroll(avo);
    sch.vectorize(avi);
    unroll_small_window(sch, a[5], a[6]);
    return sch;
  }

  // NHWC: a register tile of xb output columns x 16*kv output channels
  // (the local stage of cache_write) over r, s, c; each step loads kv
  // vectors of weights and broadcasts xb inputs. Rows run in parallel.
  Schedule schedule_nhwc(const ComputeDef& def, const Target& target) const {
    Schedule sch(def);
    const int lanes = natural_vector_lanes_f32(target);
    const std::string O = def.outputs().at(0).name();
    const std::string local = sch.cache_write(O);
    const OpRef& out = sch.def().outputs().at(0).op();
    const int64_t K = constant_extent(out->shape[3]);
    const int64_t Wo = constant_extent(out->shape[2]);
    const int64_t kv = K > 0 ? std::clamp<int64_t>((K + lanes - 1) / lanes, 1, 4) : 4;
    int64_t xb = std::min<int64_t>(8, 24 / kv);
    if (Wo > 0) xb = std::min(xb, Wo);

    schedule_pad(sch, sch.def(), lanes);
    auto [xo, xi] = sch.split(O + ".x", xb);
    auto [ko, ki] = sch.split(O + ".k", kv * lanes);
    sch.reorder({O + ".n", O + ".y", xo, ko, xi, ki});
    sch.parallel(O + ".y");
    auto [kio, kii] = sch.split(ki, lanes);
    if (K < 0 || K >= lanes) sch.vectorize(kii);

    sch.compute_at(local, ko);
    const std::vector<std::string> l = sch.stage(local).leaf_loops;  // n y x k r s c
    auto [lko, lki] = sch.split(l[3], lanes);
    sch.reorder({l[0], l[1], l[4], l[5], l[6], l[2], lko, lki});
    sch.unroll(l[2]);
    sch.unroll(lko);
    sch.vectorize(lki);
    return sch;
  }
};

}  // namespace

std::unique_ptr<Op> make_conv2d_op() { return std::make_unique<Conv2dOp>(); }

}  // namespace kiln
