// oneDNN's side for the products: dnnl_sgemm for matmul (the call a user
// makes for one row-major product), the matmul primitive for batch_matmul,
// and for matmul_bias_gelu the matmul primitive with the bias and a GELU
// post-op fused in ("onednn") as well as the matmul followed by a separate
// bias + GELU pass, a binary add with a GELU post-op ("onednn_unfused").
#include <memory>

#include "bench/ops/bench_common.h"
#include "bench/ops/onednn_common.h"

namespace kiln::bench {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

bool flag(const Case& c, const std::string& name) {
  return c.sizes.count(name) && c.sizes.at(name) != 0;
}

struct SgemmState {
  memory a, b, c;
  char trans_a = 'N', trans_b = 'N';
  int64_t m = 0, n = 0, k = 0;
};

void bm_sgemm(benchmark::State& state, const Case& c) {
  SgemmState& s = prepared<SgemmState>(c.benchmark_name("onednn"), [&] {
    auto g = std::make_unique<SgemmState>();
    g->m = c.size("M"), g->n = c.size("N"), g->k = c.size("K");
    g->trans_a = flag(c, "trans_a") ? 'T' : 'N';
    g->trans_b = flag(c, "trans_b") ? 'T' : 'N';
    g->a = random_memory({{g->m * g->k}, dt::f32, tag::a}, 1);
    g->b = random_memory({{g->k * g->n}, dt::f32, tag::a}, 2);
    g->c = random_memory({{g->m * g->n}, dt::f32, tag::a}, 3);
    return g;
  });
  // Row-major: A is M x K (K x M transposed), B is K x N (N x K transposed).
  const int64_t lda = s.trans_a == 'N' ? s.k : s.m, ldb = s.trans_b == 'N' ? s.n : s.k;
  auto call = [&] {
    return dnnl_sgemm(s.trans_a, s.trans_b, s.m, s.n, s.k, 1.0f,
                      static_cast<float*>(s.a.get_data_handle()), lda,
                      static_cast<float*>(s.b.get_data_handle()), ldb, 0.0f,
                      static_cast<float*>(s.c.get_data_handle()), s.n);
  };
  if (call() != dnnl_success) {
    state.SkipWithError("dnnl_sgemm failed");
    return;
  }
  for (auto _ : state) call();
  set_counters(state, c);
}

// The matmul primitive on row-major operands of dims {batch..., rows, cols};
// bias (dims {1..., 1, N}) and post-ops when given.
OnednnStep matmul_step(const memory::dims& a_dims, const memory::dims& b_dims,
                       const memory::dims& c_dims, bool trans_a, bool trans_b, bool with_bias,
                       const dnnl::primitive_attr& attr) {
  const bool batched = a_dims.size() == 3;
  const tag plain = batched ? tag::abc : tag::ab;
  const tag swapped = batched ? tag::acb : tag::ba;
  const memory::desc a_md(a_dims, dt::f32, trans_a ? swapped : plain);
  const memory::desc b_md(b_dims, dt::f32, trans_b ? swapped : plain);
  const memory::desc c_md(c_dims, dt::f32, plain);
  memory::dims bias_dims(c_dims.size(), 1);
  bias_dims.back() = c_dims.back();
  const memory::desc bias_md = with_bias ? memory::desc(bias_dims, dt::f32, plain) : memory::desc();
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, bias_md, c_md), attr,
                                        onednn_engine());
  OnednnStep step{dnnl::matmul(pd), {}};
  step.args[DNNL_ARG_SRC] = random_memory(a_md, 1);
  step.args[DNNL_ARG_WEIGHTS] = random_memory(b_md, 2);
  step.args[DNNL_ARG_DST] = memory(c_md, onednn_engine());
  if (with_bias) step.args[DNNL_ARG_BIAS] = random_memory(bias_md, 3);
  return step;
}

void bm_batch_matmul(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] {
    const int64_t b = c.size("B"), m = c.size("M"), n = c.size("N"), k = c.size("K");
    auto s = std::make_unique<StepsState>();
    s->steps.push_back(matmul_step({b, m, k}, {b, k, n}, {b, m, n}, flag(c, "trans_a"),
                                   flag(c, "trans_b"), false, {}));
    return s;
  });
}

dnnl::algorithm gelu_algorithm(const Case& c) {
  const bool tanh_form = c.options.count("approximate") && c.option("approximate") == "tanh";
  return tanh_form ? dnnl::algorithm::eltwise_gelu_tanh : dnnl::algorithm::eltwise_gelu_erf;
}

void bm_matmul_bias_gelu(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn", [&] {
    const int64_t m = c.size("M"), n = c.size("N"), k = c.size("K");
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, gelu_algorithm(c), 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    auto s = std::make_unique<StepsState>();
    s->steps.push_back(matmul_step({m, k}, {k, n}, {m, n}, false, false, true, attr));
    return s;
  });
}

void bm_matmul_bias_gelu_unfused(benchmark::State& state, const Case& c) {
  run_prepared(state, c, "onednn_unfused", [&] {
    const int64_t m = c.size("M"), n = c.size("N"), k = c.size("K");
    auto s = std::make_unique<StepsState>();
    s->steps.push_back(matmul_step({m, k}, {k, n}, {m, n}, false, false, false, {}));
    const memory product = s->steps[0].args.at(DNNL_ARG_DST);
    // The second pass: y = gelu(C + bias), bias broadcast over the rows.
    const memory::desc c_md({m, n}, dt::f32, tag::ab), bias_md({1, n}, dt::f32, tag::ab);
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, gelu_algorithm(c), 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    const dnnl::binary::primitive_desc pd(
        dnnl::binary::desc(dnnl::algorithm::binary_add, c_md, bias_md, c_md), attr,
        onednn_engine());
    OnednnStep pass{dnnl::binary(pd), {}};
    pass.args[DNNL_ARG_SRC_0] = product;
    pass.args[DNNL_ARG_SRC_1] = random_memory(bias_md, 3);
    pass.args[DNNL_ARG_DST] = memory(c_md, onednn_engine());
    s->steps.push_back(pass);
    return s;
  });
}

}  // namespace

void register_onednn_gemm_benchmarks(const Case& c) {
  register_for(c, "matmul", "onednn", bm_sgemm);
  register_for(c, "batch_matmul", "onednn", bm_batch_matmul);
  register_for(c, "matmul_bias_gelu", "onednn", bm_matmul_bias_gelu);
  register_for(c, "matmul_bias_gelu", "onednn_unfused", bm_matmul_bias_gelu_unfused);
}

}  // namespace kiln::bench
