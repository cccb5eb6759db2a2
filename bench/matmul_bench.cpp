// kiln's matmul (default schedule) side by side with oneDNN's dnnl_sgemm and
// OpenBLAS's cblas_sgemm, f32, row-major, square sizes 1024 and 2048, in one
// run. Each library reads its thread count from the environment
// (KILN_NUM_THREADS, OMP_NUM_THREADS for oneDNN, OPENBLAS_NUM_THREADS);
// scripts/bench_matmul.sh sets them. After the usual benchmark output this
// prints a markdown table of median GFLOP/s and the ratios kiln/oneDNN and
// kiln/OpenBLAS.
//
// Each kernel's result is compared with OpenBLAS's once before timing, so a
// fast wrong kernel cannot report a figure.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace {

struct Problem {
  kiln::Buffer a, b, c, reference;
};

// Inputs and OpenBLAS's result for an n x n x n product, made once per size.
Problem& problem(int64_t n) {
  static std::map<int64_t, std::unique_ptr<Problem>> problems;
  auto& p = problems[n];
  if (!p) {
    p = std::make_unique<Problem>();
    p->a = kiln::Buffer(kiln::f32(), {n, n});
    p->b = kiln::Buffer(kiln::f32(), {n, n});
    p->c = kiln::Buffer(kiln::f32(), {n, n});
    p->reference = kiln::Buffer(kiln::f32(), {n, n});
    p->a.fill_random(1);
    p->b.fill_random(2);
    // One OpenBLAS thread for the reference: its worker threads spin for a
    // while after each call and would steal the cores from whichever
    // library is timed next.
    const int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, p->a.data_as<float>(), n,
                p->b.data_as<float>(), n, 0.0f, p->reference.data_as<float>(), n);
    openblas_set_num_threads(threads);
  }
  return *p;
}

// The largest |c - reference| relative to the reference's largest value.
double relative_error(const kiln::Buffer& c, const kiln::Buffer& reference) {
  double worst = 0, scale = 1e-30;
  const float* x = c.data_as<float>();
  const float* y = reference.data_as<float>();
  for (int64_t i = 0; i < c.numel(); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(x[i] - y[i])));
    scale = std::max(scale, static_cast<double>(std::abs(y[i])));
  }
  return worst / scale;
}

// Checks the library's first result; a wrong one stops the benchmark.
bool verify(benchmark::State& state, const Problem& p) {
  const double err = relative_error(p.c, p.reference);
  if (err > 1e-4) {
    state.SkipWithError(("result differs from OpenBLAS: relative error " + std::to_string(err))
                            .c_str());
    return false;
  }
  return true;
}

void set_counters(benchmark::State& state, int64_t n) {
  state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * n * n * n,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_kiln_matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  Problem& p = problem(n);
  const kiln::Op& op = kiln::find_op("matmul");
  const kiln::ComputeDef def = op.define({{"M", n}, {"N", n}, {"K", n}});
  const auto kernel =
      kiln::compile_jit(kiln::lower(op.default_schedule(def, kiln::host_target())));
  kernel->run({p.a, p.b, p.c});
  if (!verify(state, p)) return;
  for (auto _ : state) kernel->run({p.a, p.b, p.c});
  set_counters(state, n);
}

void BM_onednn_sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  Problem& p = problem(n);
  auto call = [&] {
    return dnnl_sgemm('N', 'N', n, n, n, 1.0f, p.a.data_as<float>(), n, p.b.data_as<float>(), n,
                      0.0f, p.c.data_as<float>(), n);
  };
  if (call() != dnnl_success) {
    state.SkipWithError("dnnl_sgemm failed");
    return;
  }
  if (!verify(state, p)) return;
  for (auto _ : state) call();
  set_counters(state, n);
}

void BM_openblas_sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  Problem& p = problem(n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, p.a.data_as<float>(),
                n, p.b.data_as<float>(), n, 0.0f, p.c.data_as<float>(), n);
  }
  set_counters(state, n);
}

BENCHMARK(BM_kiln_matmul)->Arg(1024)->Arg(2048)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_onednn_sgemm)->Arg(1024)->Arg(2048)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_openblas_sgemm)->Arg(1024)->Arg(2048)->UseRealTime()->Unit(benchmark::kMillisecond);

// The console output as usual, plus the GFLOP/s of every benchmark kept for
// the table: the median aggregate when repetitions ran, else the one run.
class TableReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      auto it = r.counters.find("GFLOP/s");
      if (it == r.counters.end()) continue;
      const std::string key = r.run_name.function_name + "/" + r.run_name.args;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") {
        medians_[key] = it->second.value;
      } else if (r.run_type == Run::RT_Iteration && !medians_.count(key)) {
        singles_[key] = it->second.value;
      }
    }
  }

  double gflops(const std::string& function, int64_t n) const {
    const std::string key = function + "/" + std::to_string(n);
    if (auto it = medians_.find(key); it != medians_.end()) return it->second;
    if (auto it = singles_.find(key); it != singles_.end()) return it->second;
    return NAN;
  }

 private:
  std::map<std::string, double> medians_, singles_;
};

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("threads: kiln %d, OpenBLAS %d, oneDNN OMP_NUM_THREADS=%s\n", kiln::num_threads(),
              openblas_get_num_threads(), env_or("OMP_NUM_THREADS", "(unset)"));
  std::printf("OpenBLAS core: %s (OPENBLAS_CORETYPE=%s)\n", openblas_get_corename(),
              env_or("OPENBLAS_CORETYPE", "(unset)"));
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\n| size | kiln GFLOP/s | oneDNN GFLOP/s | OpenBLAS GFLOP/s | kiln/oneDNN | "
              "kiln/OpenBLAS |\n|---:|---:|---:|---:|---:|---:|\n");
  for (int64_t n : {1024, 2048}) {
    const double k = reporter.gflops("BM_kiln_matmul", n);
    const double d = reporter.gflops("BM_onednn_sgemm", n);
    const double o = reporter.gflops("BM_openblas_sgemm", n);
    std::printf("| %lld | %.1f | %.1f | %.1f | %.2f | %.2f |\n", static_cast<long long>(n), k, d,
                o, k / d, k / o);
  }
  std::printf("\nmedian GFLOP/s, f32, row-major, M=N=K=size; OpenBLAS ran with "
              "OPENBLAS_CORETYPE=%s (core %s)\n",
              env_or("OPENBLAS_CORETYPE", "(unset)"), openblas_get_corename());
  return 0;
}
