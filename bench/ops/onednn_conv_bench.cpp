// oneDNN's side for the windowed ops. Convolutions as a user with NCHW (or,
// for layout=nhwc cases, NHWC) tensors runs them ("onednn"): the primitive
// picks its blocked layouts, and the reorders of the input into it and of
// the output back to the user's layout are timed with it (the weights are reordered once, as an inference engine
// would). "onednn_blocked" times the convolution alone in its blocked
// layouts. Pooling runs on NCHW directly ("onednn") and on the 16-channel
// blocked layout ("onednn_blocked").
#include <memory>

#include "bench/ops/bench_common.h"
#include "bench/ops/onednn_common.h"

namespace kiln::bench {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

int64_t param_or(const Case& c, const std::string& name, int64_t fallback) {
  return c.sizes.count(name) ? c.sizes.at(name) : fallback;
}

// One output extent of a window of r taps spaced by dilation.
int64_t out_extent(int64_t in, int64_t r, int64_t stride, int64_t pad, int64_t dilation) {
  return (in + 2 * pad - dilation * (r - 1) - 1) / stride + 1;
}

// The steps of a convolution with input and output in the user's layout: reorder in,
// convolve, reorder out (only the convolution when `blocked_only`).
std::unique_ptr<StepsState> conv_steps(const Case& c, bool depthwise, bool blocked_only) {
  const int64_t n = c.size("N"), ch = c.size("C"), h = c.size("H"), w = c.size("W");
  const int64_t k = depthwise ? ch : c.size("K"), r = c.size("R"), sw = c.size("S");
  const int64_t stride = param_or(c, "stride", 1), pad = param_or(c, "pad", 0);
  const int64_t dilation = param_or(c, "dilation", 1);
  const int64_t ho = out_extent(h, r, stride, pad, dilation);
  const int64_t wo = out_extent(w, sw, stride, pad, dilation);

  // The user's tensors in the case's layout: NCHW data with KCRS weights,
  // or NHWC data with RSCK weights (oneDNN's hwio).
  const bool nhwc = c.options.count("layout") && c.option("layout") == "nhwc";
  const tag data_tag = nhwc ? tag::nhwc : tag::nchw;
  const memory::desc src_user({n, ch, h, w}, dt::f32, data_tag);
  const memory::desc dst_user({n, k, ho, wo}, dt::f32, data_tag);
  const memory::dims weight_dims =
      depthwise ? memory::dims{ch, 1, 1, r, sw} : memory::dims{k, ch, r, sw};
  const tag weight_tag = depthwise ? (nhwc ? tag::hwigo : tag::goihw) : (nhwc ? tag::hwio : tag::oihw);
  const memory::desc weight_user(weight_dims, dt::f32, weight_tag);
  const memory::desc src_any({n, ch, h, w}, dt::f32, tag::any);
  const memory::desc dst_any({n, k, ho, wo}, dt::f32, tag::any);
  const memory::desc weight_any(weight_dims, dt::f32, tag::any);
  // oneDNN counts dilation from 0 (0: taps adjacent).
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_any, weight_any,
      dst_any, {stride, stride}, {dilation - 1, dilation - 1}, {pad, pad}, {pad, pad});
  const dnnl::convolution_forward::primitive_desc pd(desc, onednn_engine());

  dnnl::engine& eng = onednn_engine();
  memory weights_user = random_memory(weight_user, 2);
  memory weights(pd.weights_desc(), eng);
  dnnl::reorder(weights_user, weights).execute(onednn_stream(), weights_user, weights);
  onednn_stream().wait();

  auto s = std::make_unique<StepsState>();
  const memory src = random_memory(pd.src_desc(), 1);
  const memory dst(pd.dst_desc(), eng);
  if (!blocked_only && pd.src_desc() != src_user) {
    const memory user = random_memory(src_user, 1);
    s->steps.push_back({dnnl::reorder(user, src), {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, src}}});
  }
  s->steps.push_back({dnnl::convolution_forward(pd),
                      {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}}});
  if (!blocked_only && pd.dst_desc() != dst_user) {
    const memory user(dst_user, eng);
    s->steps.push_back({dnnl::reorder(dst, user), {{DNNL_ARG_FROM, dst}, {DNNL_ARG_TO, user}}});
  }
  return s;
}

void bm_conv_nchw(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] { return conv_steps(c, false, false); });
}
void bm_conv_blocked(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn_blocked", [&] { return conv_steps(c, false, true); });
}
void bm_depthwise_nchw(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] { return conv_steps(c, true, false); });
}
void bm_depthwise_blocked(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn_blocked", [&] { return conv_steps(c, true, true); });
}

std::unique_ptr<StepsState> pool_steps(const Case& c, tag layout) {
  const int64_t n = c.size("N"), ch = c.size("C"), h = c.size("H"), w = c.size("W");
  const int64_t r = c.size("R"), sw = c.size("S");
  const int64_t stride = param_or(c, "stride", 1), pad = param_or(c, "pad", 0);
  const int64_t ho = out_extent(h, r, stride, pad, 1), wo = out_extent(w, sw, stride, pad, 1);
  const bool max = !c.options.count("mode") || c.option("mode") == "max";
  const memory::desc src_md({n, ch, h, w}, dt::f32, layout);
  const memory::desc dst_md({n, ch, ho, wo}, dt::f32, layout);
  const dnnl::pooling_forward::desc desc(
      dnnl::prop_kind::forward_inference,
      max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding, src_md,
      dst_md, {stride, stride}, {r, sw}, {pad, pad}, {pad, pad});
  const dnnl::pooling_forward::primitive_desc pd(desc, onednn_engine());
  auto s = std::make_unique<StepsState>();
  s->steps.push_back({dnnl::pooling_forward(pd),
                      {{DNNL_ARG_SRC, random_memory(src_md, 1)},
                       {DNNL_ARG_DST, memory(dst_md, onednn_engine())}}});
  return s;
}

void bm_pool_nchw(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] { return pool_steps(c, tag::nchw); });
}
void bm_pool_blocked(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn_blocked", [&] { return pool_steps(c, tag::nChw16c); });
}

}  // namespace

void register_onednn_conv_benchmarks(const Case& c) {
  register_for(c, "conv2d", "onednn", bm_conv_nchw);
  register_for(c, "conv2d", "onednn_blocked", bm_conv_blocked);
  register_for(c, "depthwise_conv2d", "onednn", bm_depthwise_nchw);
  register_for(c, "depthwise_conv2d", "onednn_blocked", bm_depthwise_blocked);
  register_for(c, "pool2d", "onednn", bm_pool_nchw);
  register_for(c, "pool2d", "onednn_blocked", bm_pool_blocked);
}

}  // namespace kiln::bench
