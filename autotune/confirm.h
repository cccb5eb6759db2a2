#pragma once
/// \file
/// The end of a search: its front-runners and the default schedule measured
/// again, in turns. A search keeps the single fastest measurement it saw,
/// and among hundreds of candidates of similar speed that one is partly
/// luck (on a shared machine, memory-bound kernels vary by tens of percent
/// from minute to minute). Measured again side by side, each schedule is
/// judged by the mean of its runs (TuningDatabase::best), so the schedule
/// kept is the one that is fast every time, and the speedup reported over
/// the default compares runs taken together.
///
///   const int added = confirm_front_runners(loop, db, default_json, measure_trace);

#include <functional>
#include <string>
#include <vector>

#include "autotune/database.h"
#include "autotune/measure.h"
#include "autotune/trial_loop.h"

namespace kiln {

struct ConfirmOptions {
  int front_runners = 3;  ///< the fastest traces by their mean so far
  int rounds = 2;         ///< each measured this many more times, in turns
  /// Measured again, front-runners usually slow down a little (their one
  /// fast run was partly luck), and a schedule measured once may now lead
  /// on its single run. Such a leader is measured `rounds` more times in
  /// turn, up to this many, so the best kept has been measured repeatedly.
  int challengers = 8;
};

/// Measures one stored trace again (replay, compile, run in a worker).
using MeasureTrace = std::function<MeasureResult(const std::string& trace_json, double* compile_ms)>;

/// The traces to measure again: up to `front_runners` traces with the
/// lowest mean median among the workload's ok records, then the default's
/// trace (`default_json`) when it has an ok record and is not among them.
std::vector<std::string> front_runner_traces(const std::vector<TuningRecord>& records,
                                             const std::string& default_json, int front_runners);

/// Measures the front-runners and the default `rounds` times each, in
/// turns, storing every measurement through `loop`; then, while the trace
/// with the lowest mean over all its runs is one not yet measured again
/// (and the time budget, reserve included, is not spent), measures that one
/// `rounds` more times (at most `challengers` of them); then sets the result's
/// best (the database's best: fastest on average) and default figures (the
/// mean of the default's runs) and adds the best to the curve. Returns the
/// number of measurements added.
int confirm_front_runners(TrialLoop& loop, TuningDatabase& db, const std::string& default_json,
                          const MeasureTrace& measure_trace, TuneResult& result,
                          const ConfirmOptions& options = {});

/// Seconds to keep for confirm_front_runners out of a time budget, given
/// the mean seconds per trial so far: the front-runners', the default's and
/// two challengers' measurements at that pace, at most a quarter of the
/// budget.
double confirm_reserve_s(double time_budget_s, double seconds_per_trial,
                         const ConfirmOptions& options = {});

}  // namespace kiln
