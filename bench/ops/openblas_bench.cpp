// OpenBLAS's side for the products: cblas_sgemm, row-major, for matmul,
// and one cblas_sgemm per matrix for batch_matmul (OpenBLAS 0.3.21 has no
// batched call). Debian's OpenBLAS takes a Zen 5 for Haswell (AVX2 only)
// unless OPENBLAS_CORETYPE=SkylakeX is set; main() prints the core it used.
#include <cblas.h>

#include <memory>

#include "bench/ops/bench_common.h"
#include "kiln.h"

namespace kiln::bench {
namespace {

struct GemmState {
  Buffer a, b, c;
  int64_t batch = 1, m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
};

bool flag(const Case& c, const std::string& name) {
  return c.sizes.count(name) && c.sizes.at(name) != 0;
}

void bm_openblas(benchmark::State& state, const Case& c) {
  GemmState& s = prepared<GemmState>(c.benchmark_name("openblas"), [&] {
    auto g = std::make_unique<GemmState>();
    g->batch = c.sizes.count("B") ? c.size("B") : 1;
    g->m = c.size("M"), g->n = c.size("N"), g->k = c.size("K");
    g->trans_a = flag(c, "trans_a");
    g->trans_b = flag(c, "trans_b");
    g->a = Buffer(f32(), {g->batch, g->m * g->k});
    g->b = Buffer(f32(), {g->batch, g->k * g->n});
    g->c = Buffer(f32(), {g->batch, g->m * g->n});
    g->a.fill_random(1);
    g->b.fill_random(2);
    return g;
  });
  const int64_t lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n;
  const float* a = s.a.data_as<float>();
  const float* b = s.b.data_as<float>();
  float* out = s.c.data_as<float>();
  for (auto _ : state) {
    for (int64_t i = 0; i < s.batch; ++i) {
      cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans,
                  s.trans_b ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f, a + i * s.m * s.k,
                  lda, b + i * s.k * s.n, ldb, 0.0f, out + i * s.m * s.n, s.n);
    }
  }
  set_counters(state, c);
}

}  // namespace

void register_openblas_benchmarks(const Case& c) {
  register_for(c, "matmul", "openblas", bm_openblas);
  register_for(c, "batch_matmul", "openblas", bm_openblas);
}

}  // namespace kiln::bench
