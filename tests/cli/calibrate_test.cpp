// `kiln calibrate` and the roofline figures of `kiln bench`, as a user runs
// them: the calibration lands in the cache KILN_CALIBRATION_CACHE names,
// and bench reports its fractions against that cached calibration.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include "tests/support/run_kiln.h"

namespace {

using Result = kiln::test_support::KilnRun;

// Runs the built kiln with the calibration cache at `cache`.
Result run_kiln(const std::string& cache, const std::string& args) {
  return kiln::test_support::run_kiln(args, {"KILN_CALIBRATION_CACHE='" + cache + "' "});
}

TEST(CliCalibrate, CalibrateCachesAndBenchReportsFractionsOfIt) {
  const std::string dir =
      ::testing::TempDir() + "kiln_cli_calibrate_" + std::to_string(getpid());
  const std::string cache = dir + "/calibration.json";

  const Result cal = run_kiln(cache, "calibrate --threads 2 --json");
  ASSERT_EQ(cal.exit_code, 0) << cal.output;
  const nlohmann::json c = nlohmann::json::parse(cal.output);
  EXPECT_EQ(c["threads"], 2);
  EXPECT_EQ(c["cache"], cache);
  EXPECT_GT(c["peak_gflops"].get<double>(), 1.0);
  EXPECT_GT(c["peak_gbps"].get<double>(), 0.5);
  EXPECT_TRUE(std::filesystem::exists(cache));

  const Result bench =
      run_kiln(cache, "bench matmul --shape M=37,N=19,K=23 --threads 2 --repeat 3 --json");
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  const nlohmann::json b = nlohmann::json::parse(bench.output);
  // The cached figures, not a new measurement.
  EXPECT_DOUBLE_EQ(b["peak_gflops"].get<double>(), c["peak_gflops"].get<double>());
  EXPECT_DOUBLE_EQ(b["peak_gbps"].get<double>(), c["peak_gbps"].get<double>());
  const double gflops = b["gflops"].get<double>(), gbps = b["gbps"].get<double>();
  EXPECT_GT(gbps, 0.0);
  EXPECT_NEAR(b["flop_peak_fraction"].get<double>(), gflops / c["peak_gflops"].get<double>(),
              1e-9);
  EXPECT_NEAR(b["bw_peak_fraction"].get<double>(), gbps / c["peak_gbps"].get<double>(), 1e-9);

  // The human form names the roofline too.
  const Result text = run_kiln(cache, "bench matmul --shape M=37,N=19,K=23 --threads 2 --repeat 3");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("% of peak"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("GB/s"), std::string::npos) << text.output;
  std::filesystem::remove_all(dir);
}

TEST(CliCalibrate, UnwritableCacheIsRefusedWithTheVariableToSet) {
  const Result r = run_kiln("/proc/kiln_no_such_dir/calibration.json", "calibrate --threads 1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot write the calibration cache"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("KILN_CALIBRATION_CACHE"), std::string::npos) << r.output;
}

}  // namespace
