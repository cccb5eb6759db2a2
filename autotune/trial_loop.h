#pragma once
/// \file
/// The tuning loop's bookkeeping (autotune/tuner.cpp), the same for every
/// target: the cache lookup, storing every measurement, keeping the best,
/// the progress report and the stop conditions. What differs between
/// targets (the search, how candidates compile and are measured) is the
/// TuneBackend's (autotune/tune_backend.h).
///
///   if (load_cached_best(db, key, t0, result)) return result;
///   TrialLoop loop(db, t, flops, t0, result);
///   loop.record_default(stored_trace_json(schedule, op), m, compile_ms);
///   loop.start_from_stored_best();
///   while (!loop.stopped()) {
///     ... const int trial = loop.next_trial(); measure ...
///     loop.record_candidate(search, model, c, m, compile_ms, ranked);
///   }
///   loop.finish();

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "autotune/cost_model.h"
#include "autotune/database.h"
#include "autotune/measure.h"
#include "autotune/search.h"
#include "autotune/tuner.h"
#include "dsl/compute.h"
#include "ops/op.h"
#include "schedule/schedule.h"

namespace kiln {

/// A trial that did not compile (or whose kernel could not be built).
MeasureResult compile_error(const std::string& why);

/// Seconds from t0 to now.
double seconds_since(std::chrono::steady_clock::time_point t0);

/// When `key` has a best record in db: fills result from it (best, and the
/// default schedule's figures when stored), sets from_cache and elapsed_s
/// and returns true.
bool load_cached_best(TuningDatabase& db, const std::string& key,
                      std::chrono::steady_clock::time_point t0, TuneResult& result);

/// Sets the result's default figures from the workload's ok records of the
/// default schedule's trace `default_json`: the mean time over all its
/// runs (see autotune/confirm.h), and the GFLOP/s of that time
/// (TuningDatabase::mean_of). Leaves them when there is none.
void set_default_figures(TuningDatabase& db, const std::string& key,
                         const std::string& default_json, TuneResult& result);

/// What a tuner warm-starts from: calls visit(w, def, records, left) for
/// each stored workload w of self's op and target (and hardware, with
/// same_hardware) that this kiln can still define (as def), self first (its
/// records matter most), with w's latest 200 records. visit returns how
/// many records it used, at most `left`; the visits stop when 800 are used,
/// so a large database stays quick.
using WarmStartVisit = std::function<size_t(const WorkloadKey& w, const ComputeDef& def,
                                            const std::vector<TuningRecord>& records,
                                            size_t left)>;
void for_each_warm_start_workload(TuningDatabase& db, const Op& op, const WorkloadKey& self,
                                  bool same_hardware, const WarmStartVisit& visit);

/// Runs per second of a stored record, 0 for a failed one: the same ratios
/// as GFLOP/s, also for ops that count no FLOPs (transpose).
double record_speed(const TuningRecord& r);

/// Stores the trials of one tune in the database and keeps `result`
/// (counts, best, curve) and the progress report up to date.
class TrialLoop {
 public:
  /// `flops`: the op's count at the workload's sizes, for GFLOP/s. The
  /// clock started at t0; `result.workload` is the workload tuned.
  TrialLoop(TuningDatabase& db, const TuneOptions& t, double flops,
            std::chrono::steady_clock::time_point t0, TuneResult& result);

  /// Stores one measurement of the schedule `trace_json` (built from
  /// `knobs`, none for the default) as a record of the workload from
  /// `source` ("error" is stored as "crash") and returns it.
  TuningRecord record(const std::string& trace_json, const KnobValues& knobs,
                      RecordSource source, const MeasureResult& m, double compile_ms);

  /// Stores the default schedule's measurement (a Default record): the
  /// figure to beat, and the first best when it is ok.
  void record_default(const std::string& trace_json, const MeasureResult& m, double compile_ms);

  /// The worker time limit for candidates after the default's measurement:
  /// one 100 times slower than the default is of no interest, so its worker
  /// is killed early rather than holding the budget for the full limit
  /// (`setup_s` for the inputs and the check, plus 100 default runs).
  /// `limit_s` unchanged when the default was not measured.
  double candidate_timeout_s(double limit_s, double setup_s) const;

  /// Takes the database's best for the workload as the best when faster,
  /// so a retune never reports worse than before.
  void start_from_stored_best();

  /// Counts one more measured trial and returns its 1-based number.
  int next_trial() { return ++result_.trials_measured; }

  /// Stores a measured candidate's outcome (a Search record of its trace
  /// and knobs), updates the best, the counts and the model's rank
  /// statistics (the candidate's score is the model's prediction, used when
  /// `ranked`), reports progress and checks the trial budget and patience.
  /// Returns the speed to report to the search and the model: runs per
  /// second, 0 for a failure.
  double record_trial(const Candidate& c, const MeasureResult& m, double compile_ms, bool ranked);

  /// record_trial for a search's candidate, whose speed then goes to the
  /// search (its population) and to the model (a training sample).
  void record_candidate(ScheduleSearch& search, CostModel& model, const Candidate& c,
                        const MeasureResult& m, double compile_ms, bool ranked) {
    const double speed = record_trial(c, m, compile_ms, ranked);
    search.report(c.knobs, speed);
    model.add(result_.workload.key, c.features, speed);
  }

  /// Ends the search this many seconds before the time budget, keeping
  /// them for confirm_front_runners (autotune/confirm.h).
  void set_reserve_s(double s) { reserve_s_ = s; }
  std::chrono::steady_clock::time_point start_time() const { return t0_; }

  bool out_of_time() const;
  /// The whole time budget is spent, the confirmation's reserve included.
  bool past_time_budget() const;
  /// The trial budget or patience ran out, or the time budget did.
  bool stopped() const { return stop_ || out_of_time(); }

  /// Sets the result's model rank correlation and elapsed time.
  void finish();

 private:
  /// Makes r the best when it is ok and faster (a lower median: GFLOP/s
  /// would rank nothing for an op that counts no FLOPs).
  bool improve(const TuningRecord& r);
  void report_progress(const TuningRecord& r);

  TuningDatabase& db_;
  const TuneOptions& options_;
  double flops_;
  std::chrono::steady_clock::time_point t0_;
  TuneResult& result_;
  TuneProgress progress_;
  int last_improvement_ = 0;
  double reserve_s_ = 0;
  bool stop_ = false;
  std::vector<double> predicted_, measured_;  // for model_rank_correlation
};

}  // namespace kiln
