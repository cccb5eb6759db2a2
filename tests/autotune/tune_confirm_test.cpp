// Which schedules the end of a search measures again: the fastest traces
// by their mean so far, and the default when it is not among them.
#include <gtest/gtest.h>

#include <map>

#include "autotune/confirm.h"
#include "db_test_util.h"

namespace kiln {
namespace {

TuningRecord run(int64_t id, const std::string& trace, double ms, const std::string& status = "ok") {
  TuningRecord r;
  r.id = id;
  r.trace_json = trace;
  r.status = status;
  r.median_ms = status == "ok" ? ms : 0;
  return r;
}

TEST(TuneConfirm, FrontRunnersByTheirMeanThenTheDefault) {
  const std::vector<TuningRecord> records = {
      run(1, "default", 5.0), run(2, "a", 1.0), run(3, "b", 1.5), run(4, "c", 1.2),
      run(5, "a", 3.0),               // a: mean 2.0, behind b and c now
      run(6, "d", 0.5, "invalid"),    // fast but wrong: never a front-runner
      run(7, "e", 1.2)};              // ties with c, measured later
  EXPECT_EQ(front_runner_traces(records, "default", 3),
            (std::vector<std::string>{"c", "e", "b", "default"}));
  // The default among the front-runners is not added twice.
  EXPECT_EQ(front_runner_traces(records, "default", 10),
            (std::vector<std::string>{"c", "e", "b", "a", "default"}));
  // No ok record of the default: nothing to add.
  EXPECT_EQ(front_runner_traces(records, "absent", 1), (std::vector<std::string>{"c"}));
}

TEST(TuneConfirm, ReserveFitsTheRunsAndAtMostAQuarterOfTheBudget) {
  EXPECT_EQ(confirm_reserve_s(0, 0.5), 0);               // no time budget
  EXPECT_DOUBLE_EQ(confirm_reserve_s(120, 0.5), 6.0);    // (3 + 1 + 2) x 2 runs of 0.5 s
  EXPECT_DOUBLE_EQ(confirm_reserve_s(10, 2.0), 2.5);     // capped at a quarter
}

/// A search's end against a fake measurement: every trace always measures
/// at its `again` time.
struct ConfirmFixture {
  db_test::TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  TuneOptions options;
  TuneResult result;
  std::map<std::string, double> again;
  std::map<std::string, int> measured;
  MeasureTrace measure = [this](const std::string& trace, double* compile_ms) {
    *compile_ms = 1;
    ++measured[trace];
    MeasureResult m;
    m.status = "ok";
    m.median_ms = m.min_ms = again.at(trace);
    m.repeats = 10;
    return m;
  };

  ConfirmFixture() {
    result.workload = db_test::workload("k1");
    db.add_workload(result.workload);
  }
  int confirm(const ConfirmOptions& o = {}) {
    TrialLoop loop(db, options, 1e6, std::chrono::steady_clock::now(), result);
    return confirm_front_runners(loop, db, "default", measure, result, o);
  }
};

TuningRecord searched_record(const std::string& trace, double ms) {
  TuningRecord r = run(0, trace, ms);
  r.workload_key = "k1";
  return r;
}

TEST(TuneConfirm, ALeaderOnOneRunIsMeasuredAgainUntilTheLeaderIsConfirmed) {
  ConfirmFixture f;
  // The search's runs: a, b, c lead by luck; d and e were a little slower.
  for (auto [trace, ms] : std::vector<std::pair<std::string, double>>{
           {"default", 5.0}, {"a", 1.0}, {"b", 1.1}, {"c", 1.2}, {"d", 1.3}, {"e", 1.4}}) {
    f.db.add_record(searched_record(trace, ms));
  }
  // Measured again: a, b, c are really 2 ms; d is really 1.6; e 1.45.
  f.again = {{"default", 5.0}, {"a", 2.0}, {"b", 2.0}, {"c", 2.0}, {"d", 1.6}, {"e", 1.45}};
  const int added = f.confirm();
  // 4 traces x 2 rounds; then d leads on one run (1.3 < 1.67), is measured
  // twice (mean 1.5); then e leads on one run (1.4), is measured twice
  // (mean 1.433) and stays ahead of d: confirmed.
  EXPECT_EQ(added, 8 + 2 + 2);
  EXPECT_EQ(f.measured["d"], 2);
  EXPECT_EQ(f.measured["e"], 2);
  EXPECT_EQ(f.result.best_trace_json, "e");
  EXPECT_NEAR(f.result.best_median_ms, (1.4 + 1.45 + 1.45) / 3, 1e-12);
  EXPECT_NEAR(f.result.default_median_ms, 5.0, 1e-12);
}

TEST(TuneConfirm, ChallengersAreBounded) {
  ConfirmFixture f;
  f.db.add_record(searched_record("default", 5.0));
  f.again["default"] = 5.0;
  // Every trace is twice as slow when measured again: each in turn leads
  // on its one run, until the bound.
  for (int i = 0; i < 20; ++i) {
    const std::string t = "t" + std::to_string(i);
    f.db.add_record(searched_record(t, 1.0 + 0.01 * i));
    f.again[t] = 2 * (1.0 + 0.01 * i);
  }
  ConfirmOptions o;
  o.challengers = 3;
  EXPECT_EQ(f.confirm(o), 4 * 2 + 3 * 2);
  EXPECT_EQ(f.measured["t5"], 2);  // t3, t4, t5 were the challengers
  EXPECT_EQ(f.measured["t6"], 0);
  // t6 leads on its one run (1.06), but the best is a confirmed schedule:
  // t0, mean (1 + 2 + 2) / 3.
  EXPECT_EQ(f.result.best_trace_json, "t0");
  EXPECT_NEAR(f.result.best_median_ms, 5.0 / 3, 1e-12);
}

}  // namespace
}  // namespace kiln
