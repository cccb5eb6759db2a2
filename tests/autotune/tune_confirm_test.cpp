// Which schedules the end of a search measures again: the fastest traces
// by their mean so far, and the default when it is not among them.
#include <gtest/gtest.h>

#include "autotune/confirm.h"

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
  EXPECT_DOUBLE_EQ(confirm_reserve_s(120, 0.5), 4.0);    // (3 + 1) x 2 runs of 0.5 s
  EXPECT_DOUBLE_EQ(confirm_reserve_s(10, 2.0), 2.5);     // capped at a quarter
}

}  // namespace
}  // namespace kiln
