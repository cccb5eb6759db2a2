// The CPU measurement, run in a forked worker (autotune/worker_process.h).
// See measure.h for why forking is safe here.
#include "autotune/measure.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "autotune/timing.h"
#include "autotune/worker_process.h"

namespace kiln {

namespace {

/// The worker's measurement, in the child: the first run checked, then
/// timed. Exceptions become the wire's error (run_in_worker).
void measure_body(MeasureWire& w, const CompiledKernel& kernel, const Op& op,
                  const ComputeDef& def, const OpSizes& sizes, const MeasureOptions& options) {
  if (options.fault == "crash") ::raise(SIGSEGV);
  if (options.fault == "hang") {
    for (;;) ::pause();
  }
  MeasureArgs own;
  if (!options.prepared) own = make_measure_args(def, sizes);
  const MeasureArgs& a = options.prepared ? *options.prepared : own;
  if (options.check) {
    kernel.run(a.args);
    if (!check_first_run(op, def, a, options, w)) return;
  }
  if (!options.timing) {
    w.ok = 1;
    return;
  }
  // Without a set count, enough runs to fill about budget_ms (one run
  // timed first): a median of ten 0.1 ms runs is mostly noise.
  int repeat = options.repeat;
  if (repeat <= 0) {
    const auto t0 = std::chrono::steady_clock::now();
    kernel.run(a.args);
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - t0).count();
    repeat = static_cast<int>(std::clamp(options.budget_ms / std::max(ms, 1e-3), 3.0, 200.0));
  }
  const Timing t = time_kernel(kernel, a.args, repeat);
  w.ok = 1;
  w.median_ms = t.median_ms;
  w.min_ms = t.min_ms;
  w.repeats = t.repeats;
}

}  // namespace

double compare_outputs(const std::vector<Buffer>& got, const std::vector<Buffer>& want) {
  if (got.size() != want.size()) return HUGE_VAL;
  double worst = 0;
  for (size_t o = 0; o < got.size(); ++o) {
    if (got[o].shape() != want[o].shape()) return HUGE_VAL;
    const int64_t n = want[o].numel();
    // f32 (the tuner's usual case) read directly: a 4096 x 4096 output is
    // compared for every candidate, and get_f64 per element is slow.
    const bool is_f32 = want[o].dtype() == f32() && got[o].dtype() == f32();
    const float* wf = is_f32 ? want[o].data_as<float>() : nullptr;
    const float* gf = is_f32 ? got[o].data_as<float>() : nullptr;
    auto want_at = [&](int64_t p) { return is_f32 ? double(wf[p]) : want[o].get_f64(p); };
    auto got_at = [&](int64_t p) { return is_f32 ? double(gf[p]) : got[o].get_f64(p); };
    double sum_sq = 0;
    for (int64_t p = 0; p < n; ++p) sum_sq += want_at(p) * want_at(p);
    const double rms = n > 0 ? std::sqrt(sum_sq / n) : 0.0;
    for (int64_t p = 0; p < n; ++p) {
      const double w = want_at(p), g = got_at(p);
      const double err = std::abs(g - w) / std::max({std::abs(w), rms, 1e-30});
      // NaN compares false: count it as wrong.
      if (!(err <= worst)) worst = std::isnan(err) ? HUGE_VAL : err;
    }
  }
  return worst;
}

std::string test_fault_for_trial(int trial) {
  const char* env = std::getenv("KILN_TUNE_TEST_FAULT");
  if (!env) return "";
  const std::string spec = env;
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) return "";
  const std::string kind = spec.substr(0, colon);
  if (kind != "crash" && kind != "hang") return "";
  return std::atoi(spec.c_str() + colon + 1) == trial ? kind : "";
}

MeasureResult measure_in_worker(const CompiledKernel& kernel, const Op& op, const ComputeDef& def,
                                const OpSizes& sizes, const MeasureOptions& options) {
  MeasureWire w;
  auto body = [&](MeasureWire& wire) { measure_body(wire, kernel, op, def, sizes, options); };
  const WorkerEnd end = run_in_worker(body, options.timeout_s, "worker", &w);
  return measure_result(end, w, /*no_worker_status=*/"error");
}

}  // namespace kiln
