// oneDNN's side for the memory-bound ops on an M x N matrix: softmax and
// layer normalization primitives, eltwise (relu, gelu erf and tanh,
// logistic), binary add/mul with a row broadcast, reduction along an axis,
// and a reorder between row- and column-major for transpose. Every output
// is a separate buffer, as kiln's are. oneDNN 2.6 has no RMS
// normalization: rmsnorm is compared with its layer normalization
// ("onednn_layernorm"), which moves the same bytes and does a little more.
#include <memory>

#include "bench/ops/bench_common.h"
#include "bench/ops/onednn_common.h"

namespace kiln::bench {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

memory::desc matrix(int64_t rows, int64_t cols, tag t = tag::ab) {
  return memory::desc({rows, cols}, dt::f32, t);
}

// One primitive reading SRC (random M x N) and writing DST; extra
// arguments (scale, shift) given by the caller.
std::unique_ptr<StepsState> single_step(dnnl::primitive p, const memory::desc& src_md,
                                        const memory::desc& dst_md,
                                        std::unordered_map<int, memory> extra = {}) {
  auto s = std::make_unique<StepsState>();
  extra[DNNL_ARG_SRC] = random_memory(src_md, 1);
  extra[DNNL_ARG_DST] = memory(dst_md, onednn_engine());
  s->steps.push_back({std::move(p), std::move(extra)});
  return s;
}

void bm_softmax(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] {
    const memory::desc md = matrix(c.size("M"), c.size("N"));
    const dnnl::softmax_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, md, 1}, onednn_engine());
    return single_step(dnnl::softmax_forward(pd), md, md);
  });
}

// Layer normalization with gamma, and beta when `shift` (rmsnorm's
// stand-in has gamma only, like rmsnorm).
std::unique_ptr<StepsState> layernorm_steps(const Case& c, bool shift) {
  const int64_t m = c.size("M"), n = c.size("N");
  const memory::desc md = matrix(m, n);
  const dnnl::normalization_flags flags =
      shift ? dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift
            : dnnl::normalization_flags::use_scale;
  const dnnl::layer_normalization_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, md, 1e-5f, flags}, onednn_engine());
  const memory::desc vec({n}, dt::f32, tag::a);
  std::unordered_map<int, memory> extra = {{DNNL_ARG_SCALE, random_memory(vec, 2)}};
  if (shift) extra[DNNL_ARG_SHIFT] = random_memory(vec, 3);
  return single_step(dnnl::layer_normalization_forward(pd), md, md, std::move(extra));
}

void bm_layernorm(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] { return layernorm_steps(c, true); });
}
void bm_rmsnorm(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn_layernorm", [&] { return layernorm_steps(c, false); });
}

void bm_eltwise(benchmark::State& state, const Case& c, dnnl::algorithm alg) {
  run_prepared(state, c, "onednn", [&] {
    const memory::desc md = matrix(c.size("M"), c.size("N"));
    const dnnl::eltwise_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, alg, md, 0.0f, 0.0f}, onednn_engine());
    return single_step(dnnl::eltwise_forward(pd), md, md);
  });
}

void bm_gelu(benchmark::State& state, const Case& c) {
  const bool tanh_form = c.options.count("approximate") && c.option("approximate") == "tanh";
  bm_eltwise(state, c,
             tanh_form ? dnnl::algorithm::eltwise_gelu_tanh : dnnl::algorithm::eltwise_gelu_erf);
}

// A[M, N] op B, B of the shape the case's broadcast option names: [M, N]
// (none), [1, N] (row), [M, 1] (col) or one value (scalar).
void bm_binary(benchmark::State& state, const Case& c, dnnl::algorithm alg) {
  run_prepared(state, c, "onednn", [&] {
    const int64_t m = c.size("M"), n = c.size("N");
    const std::string b = c.options.count("broadcast") ? c.option("broadcast") : "none";
    const memory::desc md = matrix(m, n);
    const memory::desc b_md = matrix(b == "none" || b == "col" ? m : 1,
                                     b == "none" || b == "row" ? n : 1);
    const dnnl::binary::primitive_desc pd({alg, md, b_md, md}, onednn_engine());
    auto s = std::make_unique<StepsState>();
    s->steps.push_back({dnnl::binary(pd),
                        {{DNNL_ARG_SRC_0, random_memory(md, 1)},
                         {DNNL_ARG_SRC_1, random_memory(b_md, 2)},
                         {DNNL_ARG_DST, memory(md, onednn_engine())}}});
    return s;
  });
}

void bm_reduce(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] {
    const int64_t m = c.size("M"), n = c.size("N");
    const bool rows = !c.sizes.count("axis") || c.size("axis") == 1;
    const std::string kind = c.options.count("kind") ? c.option("kind") : "sum";
    const dnnl::algorithm alg = kind == "max"    ? dnnl::algorithm::reduction_max
                                : kind == "mean" ? dnnl::algorithm::reduction_mean
                                                 : dnnl::algorithm::reduction_sum;
    const memory::desc src = matrix(m, n), dst = rows ? matrix(m, 1) : matrix(1, n);
    const dnnl::reduction::primitive_desc pd({alg, src, dst, 0.0f, 0.0f}, onednn_engine());
    return single_step(dnnl::reduction(pd), src, dst);
  });
}

// Y[N, M] = X[M, N]^T: the same logical matrix written column-major.
void bm_transpose(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] {
    const int64_t m = c.size("M"), n = c.size("N");
    auto s = std::make_unique<StepsState>();
    const memory src = random_memory(matrix(m, n, tag::ab), 1);
    const memory dst(matrix(m, n, tag::ba), onednn_engine());
    s->steps.push_back({dnnl::reorder(src, dst), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}});
    return s;
  });
}

}  // namespace

void register_onednn_row_benchmarks(const Case& c) {
  using dnnl::algorithm;
  register_for(c, "softmax", "onednn", bm_softmax);
  register_for(c, "layernorm", "onednn", bm_layernorm);
  register_for(c, "rmsnorm", "onednn_layernorm", bm_rmsnorm);
  register_for(c, "relu", "onednn", [](benchmark::State& s, const Case& k) {
    bm_eltwise(s, k, algorithm::eltwise_relu);
  });
  register_for(c, "sigmoid", "onednn", [](benchmark::State& s, const Case& k) {
    bm_eltwise(s, k, algorithm::eltwise_logistic);
  });
  register_for(c, "gelu", "onednn", bm_gelu);
  register_for(c, "add", "onednn", [](benchmark::State& s, const Case& k) {
    bm_binary(s, k, algorithm::binary_add);
  });
  register_for(c, "mul", "onednn", [](benchmark::State& s, const Case& k) {
    bm_binary(s, k, algorithm::binary_mul);
  });
  register_for(c, "reduce", "onednn", bm_reduce);
  register_for(c, "transpose", "onednn", bm_transpose);
}

}  // namespace kiln::bench
