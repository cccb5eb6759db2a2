#include "ops/window.h"

#include <algorithm>

#include "base/error.h"
#include "dsl/simplify.h"
#include "ops/op.h"
#include "schedule/schedule.h"

namespace kiln {

WindowParams window_params(const std::string& op, const std::map<std::string, Expr>& sizes,
                           bool has_dilation) {
  WindowParams w;
  w.stride = constant_extent(sizes.at("stride"));
  w.pad = constant_extent(sizes.at("pad"));
  if (has_dilation) w.dilation = constant_extent(sizes.at("dilation"));
  internal_assert(w.stride > 0 && w.pad >= 0 && w.dilation > 0)
      << op << "'s stride, pad and dilation are concrete parameters";
  return w;
}

Expr window_output_extent(const Expr& in, const Expr& window, const WindowParams& w) {
  const Expr span = make_index(w.dilation) * (window - 1) + 1;
  return simplify((in + make_index(2 * w.pad) - span) / make_index(w.stride) + 1);
}

int64_t window_output_extent(int64_t in, int64_t window, const WindowParams& w) {
  int64_t out = 0;
  const bool known = as_const_int(window_output_extent(make_index(in), make_index(window), w), &out);
  internal_assert(known) << "the output extent of a window of " << window << " over " << in
                         << " elements does not fold to a constant";
  return std::max<int64_t>(0, out);
}

void check_window_output(const std::string& op, const std::string& in_name, const Expr& in,
                         const std::string& window_name, const Expr& window,
                         const WindowParams& w, bool has_dilation) {
  int64_t in_v = 0, window_v = 0, out_v = 0;
  if (!as_const_int(in, &in_v) || !as_const_int(window, &window_v)) return;
  if (!as_const_int(window_output_extent(in, window, w), &out_v) || out_v >= 1) return;
  const std::string d = has_dilation ? "dilation*(" + window_name + " - 1)" : "(" + window_name + " - 1)";
  user_error << op << ": parameters " << in_name << "=" << in_v << ", " << window_name << "="
             << window_v << ", stride=" << w.stride << ", pad=" << w.pad
             << (has_dilation ? ", dilation=" + std::to_string(w.dilation) : std::string())
             << " give an output extent of " << out_v << " along " << in_name << " ((" << in_name
             << " + 2*pad - " << d << " - 1)/stride + 1 must be >= 1); use a smaller "
             << window_name << (has_dilation ? " or dilation" : "") << ", or a larger pad or "
             << in_name;
}

Expr round_up(const Expr& e, int64_t m) {
  int64_t v = 0;
  if (as_const_int(e, &v)) return make_index((v + m - 1) / m * m);
  return (e + make_index(m - 1)) / make_index(m) * make_index(m);
}

Tensor padded_input(const Tensor& input, bool channels_last, const Expr& Hp, const Expr& Wp,
                    int64_t pad, const Expr& fill, const std::string& name) {
  const int nd = input.ndim();
  internal_assert(nd >= 2) << "padded_input needs two spatial axes";
  const int h_axis = channels_last ? nd - 3 : nd - 2;
  const int w_axis = h_axis + 1;
  std::vector<Expr> shape = input.shape();
  const Expr H = shape[h_axis], W = shape[w_axis];
  shape[h_axis] = Hp;
  shape[w_axis] = Wp;
  const Expr p = make_index(pad);
  return compute(
      shape,
      [&](const std::vector<Expr>& idx) {
        std::vector<Expr> at = idx;
        at[h_axis] = idx[h_axis] - p;
        at[w_axis] = idx[w_axis] - p;
        // Rows and columns past the input (pad, and any rounding of Hp and
        // Wp) read as fill; the simplifier drops the tests that always hold.
        Expr inside = at[h_axis] >= 0 && at[h_axis] < H && at[w_axis] >= 0 && at[w_axis] < W;
        return if_then_else(inside, input(at), cast(input.dtype(), fill));
      },
      name);
}

Tensor phased_padded_input(const Tensor& input, const Expr& Hp, const Expr& Wq, int64_t stride,
                           int64_t pad, const Expr& fill, const std::string& name) {
  internal_assert(input.ndim() == 4) << "phased_padded_input takes NCHW";
  const Expr H = input.shape()[2], W = input.shape()[3];
  const Expr p = make_index(pad), st = make_index(stride);
  return compute(
      {input.shape()[0], input.shape()[1], Hp, st, Wq},
      [&](const std::vector<Expr>& idx) {
        const Expr h = idx[2] - p, w = idx[4] * st + idx[3] - p;
        Expr inside = h >= 0 && h < H && w >= 0 && w < W;
        return if_then_else(inside, input(idx[0], idx[1], h, w), cast(input.dtype(), fill));
      },
      name);
}

void schedule_channel_window(Schedule& sch, const std::string& acc, const std::string& out,
                             int lanes) {
  // Channels, not a fused n*c loop, run in parallel: acc is computed inside,
  // and bounds inference would lose which channel a fused index means.
  const std::vector<std::string> o = sch.stage(out).leaf_loops;  // n c y x
  sch.parallel(o[1]);
  auto [xo, xi] = sch.split(o[3], lanes);
  sch.vectorize(xi);
  // One channel plane at a time, by the thread that owns the channel: the
  // padded copy, then the window sums, then out, each read back from cache.
  sch.compute_at(acc, o[1]);
  const std::vector<std::string> a = sch.stage(acc).leaf_loops;  // n c y x r s
  auto [ao, ai] = sch.split(a[3], lanes);
  sch.reorder({ao, a[4], a[5], ai});
  sch.vectorize(ai);
  sch.compute_at("data_pad", a[1]);
  const std::vector<std::string> p = sch.stage("data_pad").leaf_loops;  // n c h phase w
  sch.vectorize(sch.split(p[4], lanes).second);
}

}  // namespace kiln
