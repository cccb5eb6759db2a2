// `kiln tune` and `kiln bench --schedule tuned` as a user runs them: the
// built executable (KILN_CLI_PATH) through a shell, on a small matmul with
// a few trials. The JSON object has its contract fields, a second run is
// served from the database, bench uses the stored best, and an untuned
// workload gets a message saying how to tune it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include "tests/support/run_kiln.h"

namespace {

using Result = kiln::test_support::KilnRun;

/// Runs kiln with args; stdout (output) and stderr (err) apart: progress
/// goes to stderr.
Result run_kiln(const std::string& args) {
  return kiln::test_support::run_kiln(args, {"", /*separate_stderr=*/true});
}

TEST(TuneCli, TuneThenServeFromTheDatabaseThenBenchTuned) {
  const std::string db =
      ::testing::TempDir() + "kiln_tune_cli_" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  const std::string shape = "--shape M=40,N=72,K=24 --threads 2 --db " + db;

  const Result tuned = run_kiln("tune matmul " + shape + " --trials 5 --json");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.output << tuned.err;
  const nlohmann::json j = nlohmann::json::parse(tuned.output);
  for (const char* field : {"op", "shape", "target", "from_cache", "trials_measured",
                            "trials_invalid", "elapsed_s", "best_median_ms", "best_gflops",
                            "default_gflops", "curve"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["op"], "matmul");
  EXPECT_EQ(j["shape"]["M"], 40);
  EXPECT_EQ(j["from_cache"], false);
  EXPECT_EQ(j["trials_measured"], 5);
  EXPECT_GT(j["best_gflops"].get<double>(), 0);
  EXPECT_GE(j["best_gflops"].get<double>(), j["default_gflops"].get<double>());
  ASSERT_TRUE(j["curve"].is_array() && !j["curve"].empty());
  EXPECT_EQ(j["curve"].back()[1], j["best_gflops"]);
  // Not a terminal: one progress line per trial on stderr.
  EXPECT_NE(tuned.err.find("trial 5:"), std::string::npos) << tuned.err;

  const Result cached = run_kiln("tune matmul " + shape + " --json");
  ASSERT_EQ(cached.exit_code, 0) << cached.output << cached.err;
  const nlohmann::json c = nlohmann::json::parse(cached.output);
  EXPECT_EQ(c["from_cache"], true);
  EXPECT_EQ(c["trials_measured"], 0);
  EXPECT_EQ(c["best_gflops"], j["best_gflops"]);
  EXPECT_LT(c["elapsed_s"].get<double>(), 0.5);

  const Result bench = run_kiln("bench matmul " + shape + " --schedule tuned --json");
  ASSERT_EQ(bench.exit_code, 0) << bench.output << bench.err;
  EXPECT_EQ(nlohmann::json::parse(bench.output)["verified"], true);

  const Result untuned =
      run_kiln("bench matmul --shape M=41,N=72,K=24 --threads 2 --db " + db + " --schedule tuned");
  EXPECT_EQ(untuned.exit_code, 1);
  EXPECT_NE(untuned.err.find("is not tuned"), std::string::npos) << untuned.err;
  EXPECT_NE(untuned.err.find("kiln tune matmul --shape M=41,N=72,K=24"), std::string::npos)
      << untuned.err;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
}

}  // namespace
