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
//   nchw16c: out[n, k/16, y, x, k%16] = sum data[n, c/16, ..., ..., c%16] *
//            weight[k/16, c/16, r, s, c%16, k%16]
//
// oneDNN's blocked formats (nChw16c data and output, OIhw16i16o weights),
// for users who keep tensors blocked between ops; C and K are channel
// counts, multiples of 16.
//
// Reads outside the input are zero. Both layouts read a padded copy of the
// input (stage data_pad) so the reduction runs without bounds tests; in NCHW
// its columns are split into `stride` phases (ops/window.h), so neighbouring
// output columns read neighbouring input columns even with a stride. NCHW
// accumulates in a stage conv_acc that conv copies out, so a schedule can
// keep a tile of accumulators in its own layout (see schedule_nchw).
#include <algorithm>
#include <tuple>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "dsl/simplify.h"
#include "ops/op.h"
#include "ops/window.h"

namespace kiln {
namespace {

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
            {"layout", "nchw", {"nchw", "nhwc", "nchw16c"},
             "nchw: data NCHW, weight KCRS, out NKHW; nhwc: data NHWC, weight RSCK, out NHWK; "
             "nchw16c: data [N,C/16,H,W,16], weight [K/16,C/16,R,S,16c,16k], "
             "out [N,K/16,Ho,Wo,16]"}}) {}

  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    const OpRef& out = def.outputs().at(0).op();
    // NCHW has conv_acc between data_pad and conv; NHWC and NCHW16c reduce
    // in conv (rank 4 and 5).
    if (!out->is_reduction()) return schedule_nchw(def, target);
    return out->shape.size() == 5 ? schedule_nchw16c(def, target) : schedule_nhwc(def, target);
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

    if (options.at("layout") == "nchw16c") return build_nchw16c(sizes, t, w);
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
    const Expr Hp = simplify((Ho - 1) * st + dl * (R - 1) + 1);
    const Expr Wq = simplify(Wo + dl * (S - 1) / st);
    Tensor pad = phased_padded_input(data, Hp, Wq, w.stride, w.pad, make_zero(t), "data_pad");
    Tensor acc = compute(
        {N, K, Ho, Wo},
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
  static constexpr int64_t kBlock = 16;  // channels per block of nchw16c

  ComputeDef build_nchw16c(const std::map<std::string, Expr>& sizes, Type t,
                           const WindowParams& w) const {
    const Expr N = sizes.at("N"), C = sizes.at("C"), H = sizes.at("H"), W = sizes.at("W");
    const Expr K = sizes.at("K"), R = sizes.at("R"), S = sizes.at("S");
    for (const char* name : {"C", "K"}) {
      const int64_t v = constant_extent(sizes.at(name));
      if (v < 0 || v % kBlock != 0) {
        user_error << "conv2d layout=nchw16c stores channels in blocks of 16, so " << name
                   << " must be a known multiple of 16; got " << name << "="
                   << (v < 0 ? std::string("(symbolic)") : std::to_string(v))
                   << ". Pad the channels to a multiple of 16, or use layout=nchw";
      }
    }
    const Expr blk = make_index(kBlock);
    const Expr Cb = simplify(C / blk), Kb = simplify(K / blk);
    const Expr Ho = window_output_extent(H, R, w), Wo = window_output_extent(W, S, w);
    const Expr st = make_index(w.stride), dl = make_index(w.dilation);
    Tensor data = placeholder({N, Cb, H, W, blk}, t, "data");
    Tensor weight = placeholder({Kb, Cb, R, S, blk, blk}, t, "weight");
    Tensor src = data;
    if (w.pad > 0) {
      const Expr Hp = simplify((Ho - 1) * st + dl * (R - 1) + 1);
      const Expr Wp = simplify((Wo - 1) * st + dl * (S - 1) + 1);
      src = padded_input(data, true, Hp, Wp, w.pad, make_zero(t), "data_pad");
    }
    IterVar cb = reduce_axis(Cb, "cb"), r = reduce_axis(R, "r"), s = reduce_axis(S, "s");
    IterVar ci = reduce_axis(blk, "ci");
    Tensor out = compute(
        {N, Kb, Ho, Wo, blk},
        [&](const std::vector<Expr>& i) {
          return sum(src(i[0], cb.var, i[2] * st + r.var * dl, i[3] * st + s.var * dl, ci.var) *
                         weight(i[1], cb.var, r.var, s.var, ci.var, i[4]),
                     {cb, r, s, ci});
        },
        "conv", {"n", "kb", "y", "x", "k"});
    return ComputeDef("conv2d", {data, weight}, {out});
  }

  static WindowParams window(const OpSizes& s) { return {s.at("stride"), s.at("pad"), s.at("dilation")}; }
  static int64_t out_h(const OpSizes& s) { return window_output_extent(s.at("H"), s.at("R"), window(s)); }
  static int64_t out_w(const OpSizes& s) { return window_output_extent(s.at("W"), s.at("S"), window(s)); }

  // data_pad at root, parallel over its rows, vectorized along them.
  static void schedule_pad(Schedule& sch, const ComputeDef& def, int lanes) {
    if (!def.find("data_pad")) return;
    const std::vector<std::string> loops = sch.stage("data_pad").leaf_loops;
    std::string rows = loops[0];
    for (size_t l = 1; l + 1 < loops.size(); ++l) rows = sch.fuse(rows, loops[l]);
    sch.parallel(rows);
    sch.vectorize(sch.split(loops.back(), lanes).second);
  }

  // NCHW, as oneDNN's direct convolution in its blocked layouts: a
  // register tile of one vector of output channels (16 on AVX-512) by up
  // to 28 output columns accumulates in conv_acc, computed at the tile loop
  // of conv and stored channel-innermost (transform_layout), so each of its
  // columns is one register. Each step of the reduction loads one vector
  // of weights and broadcasts one input per column: 28 FMAs per weight
  // load, with the weights of one channel block (16 x C x R x S) kept in
  // L1 while a thread sweeps its rows. The weights are first copied into
  // blocks of 16 input x 16 output channels (KCRS16c16k), so that vector
  // and the next input channel's are adjacent; the padded input is
  // blocked by 16 channels (NCHW16c), so the broadcasts of one column
  // for successive channels read one cache line.
  Schedule schedule_nchw(const ComputeDef& def, const Target& target) const {
    Schedule sch(def);
    const OpRef& out = def.outputs().at(0).op();
    const int lanes = natural_vector_lanes_f32(target);
    const int64_t K = constant_extent(out->shape[1]);
    const int64_t Wo = constant_extent(out->shape[3]);
    const int64_t C = constant_extent(def.inputs().at(0).shape()[1]);
    const int64_t kb = K > 0 ? std::min<int64_t>(lanes, K) : lanes;
    const int64_t xb = tile_columns(Wo);
    const int64_t cb = lanes;  // channel block of the blocked copies

    // Storage dimension names: axis i of a stage, whole or blocked by f.
    auto dim = [&](const std::string& stage, size_t i, const char* part = "", int64_t f = 0) {
      std::string name = sch.stage(stage).op->axis.at(i).name();
      return *part ? name + part + std::to_string(f) : name;
    };
    schedule_blocked_pad(sch, cb);
    sch.transform_layout("data_pad", {dim("data_pad", 0), dim("data_pad", 1, "/", cb),
                                      dim("data_pad", 2), dim("data_pad", 3),
                                      dim("data_pad", 4), dim("data_pad", 1, "%", cb)});
    const std::string w = sch.cache_read("weight", {"conv_acc"});
    const int64_t kf = std::max<int64_t>(kb, 2);  // a block has at least 2 elements
    sch.transform_layout(w, {dim(w, 0, "/", kf), dim(w, 1, "/", cb), dim(w, 2), dim(w, 3),
                             dim(w, 1, "%", cb), dim(w, 0, "%", kf)});
    sch.parallel(sch.stage(w).leaf_loops[0]);

    const std::string O = out->name;
    auto [ko, ki] = sch.split(O + ".k", kb);
    auto [xo, xi] = sch.split(O + ".x", xb);
    // Channel blocks outermost: a thread's rows reuse one block's weights.
    // Not fused with y: bounds inference would lose the tile's extent
    // through the division and modulo of a fused index.
    sch.reorder({O + ".n", ko, O + ".y", xo, xi, ki});
    sch.parallel(O + ".y");

    const std::string acc = "conv_acc";
    sch.compute_at(acc, xo);
    sch.transform_layout(acc, {"n", "y", "x", "k"});
    const std::vector<std::string> a = sch.stage(acc).leaf_loops;  // n k y x c r s
    std::string c_outer = a[4], c_inner = a[4];
    if (C < 0 || C > cb) std::tie(c_outer, c_inner) = sch.split(a[4], cb);
    if (c_outer == c_inner) {
      sch.reorder({a[0], a[2], a[5], a[6], a[4], a[3], a[1]});
    } else {
      sch.reorder({a[0], a[2], c_outer, a[5], a[6], c_inner, a[3], a[1]});
    }
    sch.unroll(a[3]);
    if (kb == lanes) sch.vectorize(a[1]);
    int64_t se = 0;
    const StageSchedule& st = sch.stage(acc);
    if (constant_loop_extent(st, a[6], &se) && se <= 3 && xb * se <= 84) sch.unroll(a[6]);
    return sch;
  }

  // data_pad at root, stored NCHW16c: parallel over its channel blocks and
  // rows, the 16 channels of one column innermost (one vector store; the
  // loads from NCHW data are strided, as in any layout conversion).
  static void schedule_blocked_pad(Schedule& sch, int64_t cb) {
    const std::vector<std::string> p = sch.stage("data_pad").leaf_loops;  // n c h p q
    auto [co, ci] = sch.split(p[1], cb);
    sch.reorder({p[0], co, p[2], p[3], p[4], ci});
    sch.parallel(p[2]);
  }

  // NCHW16c: the register tile of schedule_nchw (16 output channels, one
  // vector, by up to 28 columns) in a local stage (cache_write) computed at
  // the output's tile loop; the tensors are blocked already, so there is
  // nothing to copy but the padded input.
  Schedule schedule_nchw16c(const ComputeDef& def, const Target& target) const {
    Schedule sch(def);
    const int lanes = natural_vector_lanes_f32(target);
    const std::string O = def.outputs().at(0).name();
    const std::string local = sch.cache_write(O);
    const int64_t Wo = constant_extent(sch.def().outputs().at(0).shape()[3]);
    const int64_t xb = tile_columns(Wo);
    if (sch.def().find("data_pad")) {
      const std::vector<std::string> p = sch.stage("data_pad").leaf_loops;  // n cb h w c
      sch.parallel(p[2]);
      if (lanes <= kBlock) sch.vectorize(sch.split(p[4], lanes).second);
    }
    auto [xo, xi] = sch.split(O + ".x", xb);
    sch.reorder({O + ".n", O + ".kb", O + ".y", xo, xi, O + ".k"});
    sch.parallel(O + ".y");
    auto [vo, vi] = sch.split(O + ".k", lanes);
    sch.vectorize(vi);

    sch.compute_at(local, xo);
    const std::vector<std::string> l = sch.stage(local).leaf_loops;  // n kb y x k cb r s ci
    auto [lko, lki] = sch.split(l[4], lanes);
    sch.reorder({l[0], l[1], l[2], l[5], l[6], l[7], l[8], l[3], lko, lki});
    sch.unroll(l[3]);
    sch.unroll(lko);
    sch.vectorize(lki);
    int64_t se = 0;
    if (constant_loop_extent(sch.stage(local), l[7], &se) && se <= 3 && xb * se <= 84) {
      sch.unroll(l[7]);
    }
    return sch;
  }

  // Columns per register tile: at most 28 accumulators, tiles of equal
  // width (56 -> 2 x 28, 31 -> 16 + 15).
  static int64_t tile_columns(int64_t Wo) {
    constexpr int64_t kMaxColumns = 28;
    if (Wo < 0) return kMaxColumns;
    const int64_t tiles = (Wo + kMaxColumns - 1) / kMaxColumns;
    return (Wo + tiles - 1) / tiles;
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
