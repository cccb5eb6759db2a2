// `kiln calibrate [--threads N] [--json]`: measures this machine's peak f32
// FLOP/s (an FMA loop on registers) and streaming bandwidth (copy and
// triad) on every thread of the pool, and stores them in the calibration
// cache that `kiln bench` reads for its roofline fractions. `kiln bench`
// calibrates by itself the first time; this command measures again (after
// a hardware change, or when the first measurement ran on a busy machine).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/common.h"
#include "cli/validators.h"
#include "autotune/calibration.h"

namespace kiln::cli {
namespace {

struct CalibrateArgs {
  int threads = 0;
  bool json = false;
};

int run_calibrate(const CalibrateArgs& a) {
  if (a.threads > 0) set_num_threads(a.threads);
  const Calibration c = measure_calibration();
  const std::string path = calibration_cache_path();
  save_calibration(path, c);
  if (a.json) {
    std::cout << nlohmann::json{{"fingerprint", c.fingerprint},
                                {"threads", c.threads},
                                {"peak_gflops", c.peak_gflops},
                                {"peak_gbps", c.peak_gbps},
                                {"copy_gbps", c.copy_gbps},
                                {"triad_gbps", c.triad_gbps},
                                {"stream_copy_gbps", c.stream_copy_gbps},
                                {"fma_isa", c.fma_isa},
                                {"cache", path}}
                     .dump()
              << std::endl;
    return 0;
  }
  std::printf("%s, %d thread%s\n", c.fingerprint.c_str(), c.threads, c.threads == 1 ? "" : "s");
  std::printf("  peak FLOP/s: %.1f GFLOP/s f32 (%s FMA loop, best of %d trials)\n", c.peak_gflops,
              c.fma_isa.c_str(), CalibrationOptions{}.trials);
  std::printf("  bandwidth:   %.1f GB/s (copy %.1f, triad %.1f, copy with streaming stores "
              "%.1f; bytes read + written)\n",
              c.peak_gbps, c.copy_gbps, c.triad_gbps, c.stream_copy_gbps);
  std::printf("  cached in:   %s\n", path.c_str());
  return 0;
}

}  // namespace

void add_calibrate_command(CLI::App& app, Action* action) {
  auto args = std::make_shared<CalibrateArgs>();
  CLI::App* sub = app.add_subcommand(
      "calibrate", "measure this machine's peak FLOP/s and memory bandwidth for `kiln bench`");
  sub->add_option("--threads", args->threads, "threads to measure with (default: the pool's)")
      ->check(thread_count());
  sub->add_flag("--json", args->json, "print one JSON object");
  sub->callback([args, action] { *action = [args] { return run_calibrate(*args); }; });
}

}  // namespace kiln::cli
