// Measuring a search's front-runners and the default again, in turns.
#include "autotune/confirm.h"

#include <algorithm>
#include <map>
#include <set>

namespace kiln {

std::vector<std::string> front_runner_traces(const std::vector<TuningRecord>& records,
                                             const std::string& default_json, int front_runners) {
  struct Mean {
    double sum = 0;
    int count = 0;
    int64_t first_id = 0;
  };
  std::map<std::string, Mean> means;
  for (const TuningRecord& r : records) {
    if (r.status != "ok" || r.median_ms <= 0) continue;
    Mean& m = means[r.trace_json];
    if (m.count == 0) m.first_id = r.id;
    m.sum += r.median_ms;
    ++m.count;
  }
  std::vector<std::pair<std::string, Mean>> ranked(means.begin(), means.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    const double ma = a.second.sum / a.second.count, mb = b.second.sum / b.second.count;
    return ma != mb ? ma < mb : a.second.first_id < b.second.first_id;
  });
  std::vector<std::string> out;
  bool has_default = false;
  for (const auto& [trace, mean] : ranked) {
    if (static_cast<int>(out.size()) >= front_runners) break;
    out.push_back(trace);
    has_default = has_default || trace == default_json;
  }
  if (!has_default && means.count(default_json)) out.push_back(default_json);
  return out;
}

int confirm_front_runners(TrialLoop& loop, TuningDatabase& db, const std::string& default_json,
                          const MeasureTrace& measure_trace, TuneResult& result,
                          const ConfirmOptions& options) {
  const std::string& key = result.workload.key;
  const std::vector<TuningRecord> records = db.records(key);
  const std::vector<std::string> traces =
      front_runner_traces(records, default_json, options.front_runners);
  // Nothing to compare: one schedule measured again tells nothing new.
  if (traces.size() < 2) return 0;
  // A run again carries the knobs of the trace's first record, so each of
  // its records says which knobs it measured.
  std::map<std::string, KnobValues> knobs;
  for (const TuningRecord& r : records) knobs.emplace(r.trace_json, r.knobs);
  int added = 0;
  auto measure_again = [&](const std::string& trace) {
    double compile_ms = 0;
    const MeasureResult m = measure_trace(trace, &compile_ms);
    loop.record(trace, knobs[trace], RecordSource::Confirm, m, compile_ms);
    ++added;
  };
  for (int round = 0; round < options.rounds; ++round) {
    for (const std::string& trace : traces) measure_again(trace);
  }
  // A leader by one run is measured again too: each one is either confirmed
  // (measured repeatedly, still fastest) or drops behind a confirmed one.
  // Out of time, the best stays the fastest confirmed schedule
  // (TuningDatabase::best chooses among those).
  std::set<std::string> confirmed(traces.begin(), traces.end());
  for (int challenger = 0; challenger < options.challengers && !loop.past_time_budget();
       ++challenger) {
    const std::vector<std::string> leader = front_runner_traces(db.records(key), "", 1);
    if (leader.empty() || confirmed.count(leader[0])) break;
    confirmed.insert(leader[0]);
    for (int round = 0; round < options.rounds; ++round) measure_again(leader[0]);
  }
  if (const std::optional<TuningRecord> best = db.best(key)) {
    result.best_median_ms = best->median_ms;
    result.best_gflops = best->gflops;
    result.best_trace_json = best->trace_json;
    result.best_knobs = best->knobs;
    result.best_source = best->source;
  }
  set_default_figures(db, key, default_json, result);
  result.curve.emplace_back(seconds_since(loop.start_time()), result.best_gflops);
  return added;
}

double confirm_reserve_s(double time_budget_s, double seconds_per_trial,
                         const ConfirmOptions& options) {
  if (time_budget_s <= 0) return 0;
  // The front-runners, the default and two challengers (the usual number).
  const double needed = seconds_per_trial * (options.front_runners + 3) * options.rounds;
  return std::min(needed, time_budget_s / 4);
}

}  // namespace kiln
