// `kiln bench <op> --shape ... [--threads N] [--schedule default|tuned|FILE.json] [--db PATH]
//  [--repeat N] [--dtype T] [--json]`: compiles the kernel (timed), checks it
// against the reference interpreter on random inputs, then times it: one
// warm-up run, repeats, the median. Every figure printed is measured here.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "autotune/timing.h"
#include "autotune/verify.h"
#include "cli/bench_gpu.h"
#include "cli/common.h"
#include "cli/validators.h"
#include "codegen/llvm/host_target.h"
#include "autotune/calibration.h"

namespace kiln::cli {
namespace {

struct BenchArgs {
  std::string db;  // the tuning database for --schedule tuned
  std::string op, shape, schedule = "default", dtype, target = "host";
  int threads = 0;
  int repeat = 0;
  bool json = false;
};

int run_bench(const BenchArgs& a) {
  if (parse_target(a.target).kind == Target::Kind::CUDA) {
    return run_gpu_bench({a.op, a.shape, a.schedule, a.dtype, a.target, a.repeat, a.json, a.db});
  }
  if (a.threads > 0) set_num_threads(a.threads);
  const Workload w = make_workload(a.op, a.shape, a.dtype);
  const Target target = host_target();
  const Schedule sch = a.schedule == "tuned" ? tuned_schedule(w, target, MeasuredOn::host(num_threads()), a.db)
                                               : load_schedule(w, target, a.schedule);

  double t0 = now_ms();
  const LoweredFunc f = lower(sch);
  const double lowering_ms = now_ms() - t0;
  t0 = now_ms();
  const std::shared_ptr<const CompiledKernel> kernel = compile_jit(f, target);
  const double compile_ms = now_ms() - t0;

  std::vector<Buffer> args;
  const Verification v = verify_kernel(
      *w.op, w.def, w.sizes, [&](const std::vector<Buffer>& a) { kernel->run(a); }, &args);
  const double err = v.max_rel_err, tolerance = v.tolerance;
  const bool verified = v.ok();

  const std::string dtype = w.options.at("dtype");
  nlohmann::json j = {{"op", w.op->name()},
                      {"shape", shape_json(w)},
                      {"dtype", dtype},
                      {"target", target.str()},
                      {"threads", num_threads()},
                      {"schedule_source", a.schedule},
                      {"lowering_ms", lowering_ms},
                      {"compile_ms", compile_ms},
                      {"verified", verified},
                      {"max_rel_err", err},
                      {"tolerance", tolerance}};
  if (!verified) {
    if (a.json) std::cout << j.dump() << std::endl;
    std::cerr << "kiln: verification failed for " << w.op->name() << " " << shape_string(w)
              << " with schedule " << a.schedule << ": max relative error " << err
              << " against the reference interpreter exceeds the tolerance " << tolerance
              << "; this is a kiln bug, please report it with the schedule\n";
    return 1;
  }

  // The roofline: this machine's peaks at this thread count, measured once
  // and cached (before the timing, so the measurement does not disturb it).
  bool calibrated_now = false;
  const Calibration peak = machine_calibration(&calibrated_now);
  if (calibrated_now && !a.json) {
    std::fprintf(stderr, "kiln: measured this machine's peak FLOP/s and bandwidth once, cached in "
                         "%s (`kiln calibrate` measures again)\n",
                 calibration_cache_path().c_str());
  }

  const Timing t = time_kernel(*kernel, args, a.repeat);
  const double flops = w.op->flops(w.sizes, w.options);
  const double bytes = w.op->bytes(w.sizes, w.options);
  const double gflops = flops / (t.median_ms * 1e6);
  const double gbps = bytes / (t.median_ms * 1e6);
  j["median_ms"] = t.median_ms;
  j["min_ms"] = t.min_ms;
  j["repeats"] = t.repeats;
  j["gflops"] = gflops;
  j["gbps"] = gbps;
  j["peak_gflops"] = peak.peak_gflops;
  j["peak_gbps"] = peak.peak_gbps;
  j["flop_peak_fraction"] = gflops / peak.peak_gflops;
  j["bw_peak_fraction"] = gbps / peak.peak_gbps;
  if (a.json) {
    std::cout << j.dump() << std::endl;
    return 0;
  }
  std::printf("%s %s %s, %d thread%s, schedule: %s\n", w.op->name().c_str(),
              shape_string(w).c_str(), dtype.c_str(), num_threads(), num_threads() == 1 ? "" : "s",
              a.schedule.c_str());
  std::printf("  target:   %s (%d f32 lanes)\n", target.cpu.c_str(),
              natural_vector_lanes_f32(target));
  std::printf("  compile:  %.1f ms (lowering %.1f ms)\n", compile_ms, lowering_ms);
  std::printf("  verified: max relative error %.2g (tolerance %.0e)\n", err, tolerance);
  std::printf("  time:     median %.3f ms, min %.3f ms over %d runs\n", t.median_ms, t.min_ms,
              t.repeats);
  std::printf("  speed:    %.1f GFLOP/s, %.1f GB/s\n", gflops, gbps);
  std::printf("  roofline: %.1f%% of peak %.0f GFLOP/s, %.1f%% of streaming bandwidth %.0f GB/s\n",
              100 * gflops / peak.peak_gflops, peak.peak_gflops, 100 * gbps / peak.peak_gbps,
              peak.peak_gbps);
  // No kernel beats the FMA peak: the cached one was measured while other
  // work shared the cores. Memory figures can exceed the streaming
  // bandwidth legitimately when the data stays in cache.
  if (gflops > peak.peak_gflops) {
    std::printf("            (above the cached FLOP/s peak, measured on a busier machine; "
                "`kiln calibrate --threads %d` measures it again)\n",
                num_threads());
  } else if (gbps > peak.peak_gbps) {
    std::printf("            (above streaming bandwidth: the data stays in cache, or the "
                "calibration ran on a busier machine: `kiln calibrate --threads %d`)\n",
                num_threads());
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, Action* action) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* sub = app.add_subcommand("bench", "compile, verify and time an op's kernel");
  sub->add_option("op", args->op, "the op (see `kiln ops`)")->required();
  sub->add_option("--shape", args->shape, "parameters, e.g. M=1024,N=1024,K=1024 (others default)");
  sub->add_option("--schedule", args->schedule,
                  "'default', 'tuned' (the tuning database's best) or a trace JSON file");
  sub->add_option("--db", args->db, "tuning database for --schedule tuned (default: $KILN_DB, "
                                    "else ~/.cache/kiln/tuning.db)");
  sub->add_option("--threads", args->threads, "threads for parallel loops")
      ->check(thread_count());
  sub->add_option("--repeat", args->repeat, "timed runs (default: 10, or as many as fit in 2 s, "
                                            "at least 3)")
      ->check(positive_number());
  sub->add_option("--dtype", args->dtype, "element type, when the op offers more than one");
  sub->add_flag("--json", args->json, "print one JSON object");
  sub->add_option("--target", args->target,
                  "'host' (default), 'llvm -mcpu=...', or 'cuda' / 'cuda -arch=sm_90' (needs a GPU)");
  sub->callback([args, action] { *action = [args] { return run_bench(*args); }; });
}

}  // namespace kiln::cli
