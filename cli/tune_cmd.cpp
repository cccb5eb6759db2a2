// `kiln tune <op> --shape ... [--target host|cuda[ -arch=sm_XX]] [--trials N]
//  [--time-budget S] [--db PATH] [--threads N] [--seed S] [--retune]
//  [--save FILE] [--report FILE] [--json]`: searches schedules for one workload and stores
// every measurement in the tuning database. With a CUDA target the tuner
// searches GPU schedules and measures them on the device through a
// kiln-runner process. A workload already tuned returns at once from the database
// (--retune searches again, resuming from what is stored). Progress goes to
// stderr: a bar on a terminal, one line per trial otherwise.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "autotune/tuner.h"
#include "cli/common.h"
#include "cli/validators.h"
#include "codegen/llvm/host_target.h"

namespace kiln::cli {
namespace {

struct TuneArgs {
  std::string op, shape, dtype, db, save, report, target = "host";
  int trials = 0, threads = 0;
  double time_budget = 0, timeout = 20;
  uint64_t seed = 1;
  bool retune = false, json = false;
};

/// Without --trials or --time-budget, this many trials.
constexpr int kDefaultTrials = 200;

/// The best schedule as `kiln tune` has always given it (--save, and
/// best_schedule of --json): its trace with the knobs that built it beside
/// it, or marked "source": "default" for the op's default schedule. The
/// database keeps those apart from the trace since schema version 4.
std::string best_schedule_json(const TuneResult& r) {
  if (r.best_trace_json.empty()) return "";
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.best_trace_json, nullptr, false);
  if (!j.is_object()) return r.best_trace_json;
  if (r.best_source == RecordSource::Default) {
    j["source"] = "default";
  } else {
    nlohmann::ordered_json k = nlohmann::ordered_json::object();
    for (const auto& [name, value] : r.best_knobs) k[name] = value;
    j["knobs"] = k;
  }
  return j.dump();
}

/// One progress report: a redrawn bar on a terminal, a line otherwise.
void show_progress(const TuneProgress& p, bool tty) {
  double fraction = 0;
  std::string left;
  if (p.time_budget_s > 0) {
    fraction = std::min(1.0, p.elapsed_s / p.time_budget_s);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f s left", std::max(0.0, p.time_budget_s - p.elapsed_s));
    left = buf;
  }
  if (p.trial_budget > 0) {
    fraction = std::max(fraction, std::min(1.0, 1.0 * p.trials_measured / p.trial_budget));
    if (left.empty()) left = std::to_string(p.trial_budget - p.trials_measured) + " trials left";
  }
  if (!tty) {
    std::fprintf(stderr, "trial %d: %s (best %.1f GFLOP/s, %.1f s%s%s)\n", p.trials_measured,
                 p.last.c_str(), p.best_gflops, p.elapsed_s, left.empty() ? "" : ", ",
                 left.c_str());
    return;
  }
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(fraction * kWidth + 0.5);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '-');
  std::fprintf(stderr, "\r[%s] %d trials (%d failed)  best %.1f GFLOP/s  %.0f s elapsed  %s   ",
               bar.c_str(), p.trials_measured, p.trials_invalid, p.best_gflops, p.elapsed_s,
               left.c_str());
  std::fflush(stderr);
}

/// The target to tune for: the host, or a CUDA target (the GPU tuner).
/// Throws UserError for another CPU's target (measured here, it would be
/// stored under the wrong target) and for --threads with CUDA.
Target tune_target(const TuneArgs& a) {
  const Target target = parse_target(a.target);
  if (target.kind == Target::Kind::CUDA) {
    if (a.threads > 0) {
      user_error << "--threads applies to CPU targets; a CUDA kernel's parallelism is its "
                 << "launch grid, which the tuner searches: drop --threads";
    }
    return target;
  }
  if (target.str() != host_target().str()) {
    user_error << "kiln tune measures on this machine: --target takes 'host' or a CUDA target "
               << "('cuda', 'cuda -arch=sm_XX'), not '" << a.target << "'";
  }
  return host_target();
}

int run_tune(const TuneArgs& a) {
  const Workload w = make_workload(a.op, a.shape, a.dtype);
  const Target target = tune_target(a);
  check_output_writable("--save", a.save);
  check_output_writable("--report", a.report);
  const bool gpu = target.kind == Target::Kind::CUDA;
  TuneOptions o;
  o.trials = a.trials;
  o.time_budget_s = a.time_budget;
  if (o.trials == 0 && o.time_budget_s == 0) o.trials = kDefaultTrials;
  o.threads = a.threads;
  o.seed = a.seed;
  o.retune = a.retune;
  o.db_path = a.db;
  o.measure.timeout_s = a.timeout;
  const bool tty = ::isatty(STDERR_FILENO);
  bool drew = false;
  o.on_progress = [&](const TuneProgress& p) {
    show_progress(p, tty);
    drew = true;
  };
  const TuneResult r = tune(*w.op, w.sizes, w.options, target, o);
  if (drew && tty) std::fprintf(stderr, "\n");
  const std::string best_schedule = best_schedule_json(r);
  if (!a.save.empty() && !best_schedule.empty()) {
    std::ofstream out(a.save);
    if (!out) user_error << "cannot write the schedule to '" << a.save << "'";
    out << best_schedule << "\n";
  }
  if (!a.report.empty()) write_report(a.db, r.workload.key, "", a.report);

  const double speedup = r.default_gflops > 0 ? r.best_gflops / r.default_gflops : 0;
  if (a.json) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& [s, g] : r.curve) curve.push_back({s, g});
    nlohmann::json j = {{"op", w.op->name()},
                        {"shape", shape_json(w)},
                        {"target", r.target.str()},
                        {"threads", gpu ? nlohmann::json() : nlohmann::json(r.threads)},
                        {"hardware", r.workload.hardware},
                        {"workload_key", r.workload.key},
                        {"db", default_database_path(a.db)},
                        {"from_cache", r.from_cache},
                        {"trials_measured", r.trials_measured},
                        {"trials_invalid", r.trials_invalid},
                        {"trials_rejected", r.trials_rejected},
                        {"trials_confirmed", r.trials_confirmed},
                        {"elapsed_s", r.elapsed_s},
                        {"trials_per_s", r.elapsed_s > 0 ? r.trials_measured / r.elapsed_s : 0},
                        {"best_median_ms", r.best_median_ms},
                        {"best_gflops", r.best_gflops},
                        {"default_median_ms", r.default_median_ms},
                        {"default_gflops", r.default_gflops},
                        {"speedup_over_default", speedup},
                        {"reference_checked", r.reference_checked},
                        {"model_rank_correlation", r.model_rank_correlation},
                        {"curve", curve},
                        {"best_schedule", best_schedule.empty()
                                              ? nlohmann::json()
                                              : nlohmann::json::parse(best_schedule, nullptr,
                                                                      false)}};
    std::cout << j.dump() << std::endl;
    return 0;
  }
  if (gpu) {
    std::printf("%s %s, target %s\n  device:   %s\n", w.op->name().c_str(),
                shape_string(w).c_str(), r.target.str().c_str(), r.workload.hardware.c_str());
  } else {
    std::printf("%s %s, %d thread%s, target %s\n", w.op->name().c_str(),
                shape_string(w).c_str(), r.threads, r.threads == 1 ? "" : "s",
                r.target.str().c_str());
  }
  if (r.from_cache) {
    std::printf("  tuned before: best from the database in %.1f ms (--retune to search again)\n",
                r.elapsed_s * 1000);
  } else {
    std::printf("  trials:   %d measured (%d failed), %d refused before compiling, %.1f s "
                "(%.2f trials/s)\n",
                r.trials_measured, r.trials_invalid, r.trials_rejected, r.elapsed_s,
                r.elapsed_s > 0 ? r.trials_measured / r.elapsed_s : 0.0);
    if (r.trials_confirmed > 0) {
      std::printf("  confirm:  %d more runs of the fastest schedules and the default, in turns; "
                  "each schedule's figure below is the mean of its runs\n",
                  r.trials_confirmed);
    }
  }
  if (!r.from_cache && !r.reference_checked) {
    std::printf("  note:     the reference interpreter did not finish checking the default "
                "schedule in time; candidates were compared with its output unchecked\n");
  }
  std::printf("  best:     median %.3f ms, %.1f GFLOP/s\n", r.best_median_ms, r.best_gflops);
  if (r.default_gflops > 0) {
    std::printf("  default:  median %.3f ms, %.1f GFLOP/s (tuned is %.2fx)\n", r.default_median_ms,
                r.default_gflops, speedup);
  }
  if (!r.best_knobs.empty()) {
    std::printf("  schedule: %s\n", SearchSpace::describe(r.best_knobs).c_str());
  } else if (r.best_source == RecordSource::Default) {
    std::printf("  schedule: the op's default schedule\n");
  }
  std::printf("  database: %s (workload %s)\n", default_database_path(a.db).c_str(),
              r.workload.key.c_str());
  const std::string where =
      gpu ? " --target '" + a.target + "'" : " --threads " + std::to_string(r.threads);
  std::printf("  use it:   kiln bench %s --shape %s%s --schedule tuned%s%s\n",
              w.op->name().c_str(), shape_string(w).c_str(), where.c_str(),
              a.db.empty() ? "" : " --db ", a.db.c_str());
  return 0;
}

}  // namespace

void add_tune_command(CLI::App& app, Action* action) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* sub = app.add_subcommand("tune", "search schedules for an op at given sizes and "
                                             "store the measurements in the tuning database");
  sub->add_option("op", args->op, "the op (see `kiln ops`)")->required();
  sub->add_option("--shape", args->shape, "parameters, e.g. M=1024,N=1024,K=1024 (others default)");
  sub->add_option("--trials", args->trials, "measured-trial budget (default: 200 when no "
                                            "--time-budget)")
      ->check(positive_number());
  sub->add_option("--time-budget", args->time_budget, "seconds to search")
      ->check(positive_number());
  sub->add_option("--db", args->db, "tuning database (default: $KILN_DB, else "
                                    "~/.cache/kiln/tuning.db)");
  sub->add_option("--target", args->target, "where to tune: 'host' (default) or 'cuda', "
                                            "'cuda -arch=sm_XX' (on the GPU; needs a device)");
  sub->add_option("--threads", args->threads, "threads for parallel loops (CPU targets)")
      ->check(thread_count());
  sub->add_option("--seed", args->seed, "random seed of the search");
  sub->add_option("--timeout", args->timeout, "seconds before a candidate's run is killed")
      ->check(positive_number());
  sub->add_option("--dtype", args->dtype, "element type, when the op offers more than one");
  sub->add_option("--save", args->save, "also write the best schedule's trace to this file");
  sub->add_option("--report", args->report, "also write an HTML report of this workload "
                                            "(as `kiln report --workload KEY`) to this file");
  sub->add_flag("--retune", args->retune, "search again even when the workload is tuned, "
                                          "resuming from the stored records");
  sub->add_flag("--json", args->json, "print one JSON object");
  sub->callback([args, action] { *action = [args] { return run_tune(*args); }; });
}

}  // namespace kiln::cli
