// The tuner end to end on small matmuls with small budgets: it beats the
// naive untiled schedule by 5x, a tuned workload is served from the
// database without measuring, a retune resumes from stored records, and a
// candidate that crashes or hangs (the KILN_TUNE_TEST_FAULT hook) costs one
// trial. Also: the cost model's features and its boosted trees.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "autotune/database.h"
#include "autotune/features.h"
#include "autotune/gbdt.h"
#include "autotune/timing.h"
#include "autotune/tuner.h"
#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

/// A fresh database path in the test's temporary directory.
std::string temp_db(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "kiln_tune_tests";
  std::filesystem::create_directories(dir);
  const std::filesystem::path p = dir / (name + "_" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p.string();
}

/// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

std::vector<TuningRecord> records_of(const std::string& db_path, const TuneResult& r) {
  return TuningDatabase::open(db_path).records(r.workload.key);
}

TEST(TuneGbdt, LearnsASimpleFunction) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  auto f = [](const std::vector<double>& x) { return x[0] * x[0] + 2 * x[1] - std::abs(x[2]); };
  std::vector<std::vector<double>> train, test;
  std::vector<double> y_train, y_test;
  for (int n = 0; n < 500; ++n) {
    std::vector<double> x = {u(rng), u(rng), u(rng), u(rng)};  // x[3] is noise
    (n < 300 ? train : test).push_back(x);
    (n < 300 ? y_train : y_test).push_back(f(x));
  }
  Gbdt model;
  model.fit(train, y_train);
  std::vector<double> predicted;
  for (const auto& x : test) predicted.push_back(model.predict(x));
  EXPECT_GT(rank_correlation(predicted, y_test), 0.9);
  // Deterministic: the same data gives the same model.
  Gbdt again;
  again.fit(train, y_train);
  EXPECT_EQ(again.predict(test[0]), model.predict(test[0]));
  EXPECT_NEAR(rank_correlation({1, 2, 3}, {30, 20, 10}), -1.0, 1e-12);
}

TEST(TuneFeatures, DescribeTheLoweredKernel) {
  const Op& op = find_op("matmul");
  const ComputeDef def = op.define({{"M", 128}, {"N", 128}, {"K", 128}});
  std::vector<double> naive, tiled;
  lower_with_features(Schedule(def), &naive);
  lower_with_features(op.default_schedule(def, host_target()), &tiled);
  ASSERT_EQ(naive.size(), feature_names().size());
  ASSERT_EQ(tiled.size(), feature_names().size());
  auto at = [](const std::vector<double>& v, const std::string& name) {
    const auto& names = feature_names();
    return v[std::find(names.begin(), names.end(), name) - names.begin()];
  };
  EXPECT_EQ(at(naive, "main.vector_lanes"), 1);
  EXPECT_EQ(at(tiled, "main.vector_lanes"), natural_vector_lanes_f32(host_target()));
  // Counts enter as log2(1 + x): no unrolling and no parallel loop give 1.
  EXPECT_EQ(at(naive, "main.unrolled"), 1);
  EXPECT_GT(at(tiled, "main.unrolled"), 1);
  EXPECT_EQ(at(naive, "main.parallel_extent"), 1);
  EXPECT_GT(at(tiled, "main.parallel_extent"), 1);
}

TEST(TuneTuner, BeatsTheNaiveScheduleFiveTimesAndServesFromTheDatabase) {
  const Op& op = find_op("matmul");
  const OpSizes sizes = {{"M", 256}, {"N", 256}, {"K", 256}};
  const ComputeDef def = op.define(sizes);
  set_num_threads(2);
  // The naive schedule: no primitives at all.
  std::vector<Buffer> args = random_inputs(def, sizes);
  for (const Buffer& b : zero_outputs(def, sizes)) args.push_back(b);
  const Timing naive = time_kernel(*compile_jit(lower(Schedule(def))), args, 3);
  const double naive_gflops = op.flops(sizes) / (naive.median_ms * 1e6);

  const std::string db = temp_db("beats_naive");
  TuneOptions o;
  o.trials = 24;
  o.threads = 2;
  o.db_path = db;
  int progress_calls = 0;
  o.on_progress = [&](const TuneProgress&) { ++progress_calls; };
  const TuneResult r = tune(op, sizes, {}, o);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(r.trials_measured, 24);
  EXPECT_EQ(progress_calls, 24);
  EXPECT_GT(r.default_gflops, 0);
  EXPECT_GE(r.best_gflops, 5 * naive_gflops) << "naive " << naive_gflops << " GFLOP/s";
  EXPECT_GE(r.best_gflops, r.default_gflops);
  ASSERT_FALSE(r.curve.empty());
  EXPECT_EQ(r.curve.back().second, r.best_gflops);
  // Every measurement is stored: the default's, each trial's, and the
  // front-runners' and the default's runs again at the end.
  const size_t stored = records_of(db, r).size();
  EXPECT_GT(r.trials_confirmed, 0);
  EXPECT_EQ(stored, 25u + r.trials_confirmed);
  // The best reported is the database's: the fastest schedule on average.
  const std::optional<TuningRecord> best = TuningDatabase::open(db).best(r.workload.key);
  ASSERT_TRUE(best);
  EXPECT_EQ(best->median_ms, r.best_median_ms);
  double sum = 0;
  int runs = 0;
  for (const TuningRecord& rec : records_of(db, r)) {
    if (rec.status == "ok" && rec.trace_json == best->trace_json) {
      sum += rec.median_ms;
      ++runs;
    }
  }
  EXPECT_GE(runs, 3);  // its search run and two confirmation runs
  EXPECT_NEAR(r.best_median_ms, sum / runs, 1e-12);

  // Tuned once: served from the database, nothing measured or stored.
  const TuneResult cached = tune(op, sizes, {}, o);
  EXPECT_TRUE(cached.from_cache);
  EXPECT_EQ(cached.trials_measured, 0);
  EXPECT_EQ(cached.best_gflops, r.best_gflops);
  EXPECT_EQ(cached.default_gflops, r.default_gflops);
  EXPECT_LT(cached.elapsed_s, 1.0);
  EXPECT_EQ(records_of(db, r).size(), stored);
  // The stored best replays on a fresh definition.
  EXPECT_NO_THROW(Schedule::replay(def, Trace::from_json(cached.best_trace_json)));

  // A retune searches again, resuming from the stored records.
  o.retune = true;
  o.trials = 4;
  const TuneResult again = tune(op, sizes, {}, o);
  EXPECT_FALSE(again.from_cache);
  EXPECT_EQ(again.trials_measured, 4);
  // Measured again, the stored front-runners' means move; the best is
  // never slower than the default on average.
  EXPECT_GE(again.best_gflops, again.default_gflops);
  EXPECT_EQ(records_of(db, r).size(), stored + 5 + again.trials_confirmed);
}

TEST(TuneTuner, ACrashingAndAHangingCandidateCostOneTrialEach) {
  const Op& op = find_op("matmul");
  const OpSizes sizes = {{"M", 48}, {"N", 64}, {"K", 32}};
  const std::string db = temp_db("faults");
  TuneOptions o;
  o.trials = 6;
  o.threads = 2;
  o.db_path = db;
  o.measure.timeout_s = 2;
  TuneResult crashed, hung;
  {
    ScopedEnv fault("KILN_TUNE_TEST_FAULT", "crash:2");
    crashed = tune(op, sizes, {}, o);
  }
  {
    ScopedEnv fault("KILN_TUNE_TEST_FAULT", "hang:3");
    o.retune = true;
    hung = tune(op, sizes, {}, o);
  }
  EXPECT_EQ(crashed.trials_measured, 6);
  EXPECT_EQ(crashed.trials_invalid, 1);
  EXPECT_EQ(hung.trials_measured, 6);
  EXPECT_EQ(hung.trials_invalid, 1);
  EXPECT_GT(hung.best_gflops, 0);
  int crashes = 0, timeouts = 0, ok = 0;
  for (const TuningRecord& r : records_of(db, crashed)) {
    if (r.status == "crash") {
      ++crashes;
      EXPECT_NE(r.error.find("signal 11"), std::string::npos) << r.error;
    }
    if (r.status == "timeout") {
      ++timeouts;
      EXPECT_NE(r.error.find("killed"), std::string::npos) << r.error;
    }
    ok += r.status == "ok";
  }
  EXPECT_EQ(crashes, 1);
  EXPECT_EQ(timeouts, 1);
  // Two defaults, the other trials, and the runs again at the end of each.
  EXPECT_EQ(ok, 2 + 10 + crashed.trials_confirmed + hung.trials_confirmed);
  // The best is never a failed record.
  EXPECT_EQ(TuningDatabase::open(db).best(crashed.workload.key)->status, "ok");
}

TEST(TuneTuner, ADefaultThatCrashesNeverTakesTheTunerWithIt) {
  // The default kernel runs only in workers: the one that makes the
  // reference outputs (trial 0 of the test hook) and the one that times it.
  // (A hang there is killed after 60 s like any worker; not waited for here.)
  const Op& op = find_op("matmul");
  const OpSizes sizes = {{"M", 37}, {"N", 29}, {"K", 13}};
  for (const char* fault : {"crash:0"}) {
    SCOPED_TRACE(fault);
    TuneOptions o;
    o.trials = 3;
    o.threads = 2;
    o.db_path = temp_db(std::string("reference_") + fault[0]);
    o.measure.timeout_s = 2;
    ScopedEnv env("KILN_TUNE_TEST_FAULT", fault);
    const TuneResult r = tune(op, sizes, {}, o);
    EXPECT_FALSE(r.reference_checked);
    EXPECT_EQ(r.trials_measured, 3);
    // Without reference outputs every candidate is checked with the
    // interpreter, and the correct ones still pass.
    EXPECT_LT(r.trials_invalid, 3);
    EXPECT_GT(r.best_gflops, 0);
  }
}

}  // namespace
}  // namespace kiln
