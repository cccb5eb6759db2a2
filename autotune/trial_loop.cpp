// Trial bookkeeping shared by the CPU and GPU tuners. See trial_loop.h.
#include "autotune/trial_loop.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "autotune/gbdt.h"

namespace kiln {

MeasureResult compile_error(const std::string& why) {
  MeasureResult m;
  m.status = "compile_error";
  m.error = why;
  return m;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool load_cached_best(TuningDatabase& db, const std::string& key,
                      std::chrono::steady_clock::time_point t0, TuneResult& result) {
  const std::optional<TuningRecord> best = db.best(key);
  if (!best) return false;
  result.from_cache = true;
  result.best_median_ms = best->median_ms;
  result.best_gflops = best->gflops;
  result.best_trace_json = best->trace_json;
  result.best_knobs = best->knobs;
  result.best_source = best->source;
  // The default as this kiln last stored it (an older kiln's may differ).
  std::string default_json;
  for (const TuningRecord& r : db.records(key)) {
    if (r.status == "ok" && r.source == RecordSource::Default) default_json = r.trace_json;
  }
  set_default_figures(db, key, default_json, result);
  result.elapsed_s = seconds_since(t0);
  return true;
}

void set_default_figures(TuningDatabase& db, const std::string& key,
                         const std::string& default_json, TuneResult& result) {
  // Computed as TuningDatabase::best computes the best's, so a default that
  // is the best reports exactly the same figures.
  const std::optional<TuningRecord> mean = db.mean_of(key, default_json);
  if (!mean) return;
  result.default_median_ms = mean->median_ms;
  result.default_gflops = mean->gflops;
}

void for_each_warm_start_workload(TuningDatabase& db, const Op& op, const WorkloadKey& self,
                                  bool same_hardware, const WarmStartVisit& visit) {
  constexpr size_t kPerWorkload = 200, kTotal = 800;
  size_t used = 0;
  std::vector<WorkloadSummary> all = db.list();
  std::stable_partition(all.begin(), all.end(),
                        [&](const WorkloadSummary& s) { return s.workload.key == self.key; });
  for (const WorkloadSummary& summary : all) {
    const WorkloadKey& w = summary.workload;
    if (w.op != op.name() || w.target != self.target) continue;
    if (same_hardware && w.hardware != self.hardware) continue;
    if (used >= kTotal) break;
    ComputeDef def;
    try {
      def = define_stored_workload(op, w);
    } catch (const std::exception&) {
      continue;  // a workload this kiln cannot define any more
    }
    std::vector<TuningRecord> records = db.records(w.key);
    if (records.size() > kPerWorkload) records.erase(records.begin(), records.end() - kPerWorkload);
    used += visit(w, def, records, kTotal - used);
  }
}

double record_speed(const TuningRecord& r) {
  return r.status == "ok" && r.median_ms > 0 ? 1000.0 / r.median_ms : 0.0;
}

TrialLoop::TrialLoop(TuningDatabase& db, const TuneOptions& t, double flops,
                     std::chrono::steady_clock::time_point t0, TuneResult& result)
    : db_(db), options_(t), flops_(flops), t0_(t0), result_(result) {
  progress_.trial_budget = t.trials;
  progress_.time_budget_s = t.time_budget_s;
}

TuningRecord TrialLoop::record(const std::string& trace_json, const KnobValues& knobs,
                               RecordSource source, const MeasureResult& m, double compile_ms) {
  TuningRecord r;
  r.workload_key = result_.workload.key;
  r.trace_json = trace_json;
  r.knobs = knobs;
  r.source = source;
  r.status = m.status == "error" ? "crash" : m.status;
  r.error = m.error;
  r.compile_ms = compile_ms;
  if (m.status == "ok") {
    r.median_ms = m.median_ms;
    r.gflops = flops_ / (m.median_ms * 1e6);
  }
  db_.add_record(r);
  return r;
}

void TrialLoop::record_default(const std::string& trace_json, const MeasureResult& m,
                               double compile_ms) {
  const TuningRecord r = record(trace_json, {}, RecordSource::Default, m, compile_ms);
  if (r.status == "ok") {
    result_.default_median_ms = r.median_ms;
    result_.default_gflops = r.gflops;
  }
  improve(r);
}

double TrialLoop::candidate_timeout_s(double limit_s, double setup_s) const {
  if (result_.default_median_ms <= 0) return limit_s;
  return std::min(limit_s, setup_s + result_.default_median_ms / 10.0);
}

void TrialLoop::start_from_stored_best() {
  if (std::optional<TuningRecord> best = db_.best(result_.workload.key)) improve(*best);
}

double TrialLoop::record_trial(const Candidate& c, const MeasureResult& m, double compile_ms,
                               bool ranked) {
  const int trial = result_.trials_measured;
  const TuningRecord r = record(c.trace_json, c.knobs, RecordSource::Search, m, compile_ms);
  const double speed = record_speed(r);
  if (r.status != "ok") ++result_.trials_invalid;
  if (ranked) {
    predicted_.push_back(c.score);
    measured_.push_back(speed);
  }
  if (improve(r)) last_improvement_ = trial;
  report_progress(r);
  if (options_.trials > 0 && result_.trials_measured >= options_.trials) stop_ = true;
  if (options_.patience > 0 && result_.trials_measured - last_improvement_ >= options_.patience) {
    stop_ = true;
  }
  return speed;
}

bool TrialLoop::out_of_time() const {
  return options_.time_budget_s > 0 && seconds_since(t0_) >= options_.time_budget_s - reserve_s_;
}

bool TrialLoop::past_time_budget() const {
  return options_.time_budget_s > 0 && seconds_since(t0_) >= options_.time_budget_s;
}

void TrialLoop::finish() {
  result_.model_rank_correlation = rank_correlation(predicted_, measured_);
  result_.elapsed_s = seconds_since(t0_);
}

bool TrialLoop::improve(const TuningRecord& r) {
  if (r.status != "ok" || r.median_ms <= 0) return false;
  if (result_.best_median_ms > 0 && r.median_ms >= result_.best_median_ms) return false;
  result_.best_gflops = r.gflops;
  result_.best_median_ms = r.median_ms;
  result_.best_trace_json = r.trace_json;
  result_.best_knobs = r.knobs;
  result_.best_source = r.source;
  result_.curve.emplace_back(seconds_since(t0_), r.gflops);
  return true;
}

void TrialLoop::report_progress(const TuningRecord& r) {
  progress_.trials_measured = result_.trials_measured;
  progress_.trials_invalid = result_.trials_invalid;
  progress_.trials_rejected = result_.trials_rejected;
  progress_.elapsed_s = seconds_since(t0_);
  progress_.best_gflops = result_.best_gflops;
  std::ostringstream last;
  if (r.status == "ok") {
    last.precision(1);
    last << std::fixed << "ok " << r.gflops << " GFLOP/s";
  } else {
    last << r.status << ": " << r.error.substr(0, 120);
  }
  progress_.last = last.str();
  if (options_.on_progress) options_.on_progress(progress_);
}

}  // namespace kiln
