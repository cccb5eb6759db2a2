// The machine calibration behind `kiln bench`'s roofline: measured figures
// are in a plausible range for a CPU, and the cache keeps one entry per
// (machine, thread count), survives a corrupt file and is what
// machine_calibration() returns without measuring again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/error.h"
#include "autotune/calibration.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

// A cache file in a folder of the test's temporary directory that does not
// exist yet (saving creates it); the folder is removed at the end.
class TempCache {
 public:
  explicit TempCache(const std::string& name)
      : dir_(::testing::TempDir() + "kiln_calibration_" + std::to_string(getpid()) + "_" + name),
        path_(dir_ + "/calibration.json") {}
  ~TempCache() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

Calibration sample(const std::string& fingerprint, int threads, double gflops) {
  Calibration c;
  c.fingerprint = fingerprint;
  c.threads = threads;
  c.peak_gflops = gflops;
  c.peak_gbps = 80.5;
  c.copy_gbps = 80.5;
  c.triad_gbps = 70.25;
  c.stream_copy_gbps = 95.5;
  c.fma_isa = "avx512";
  c.created_unix = 1700000000;
  return c;
}

void expect_same(const Calibration& a, const Calibration& b) {
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.threads, b.threads);
  EXPECT_DOUBLE_EQ(a.peak_gflops, b.peak_gflops);
  EXPECT_DOUBLE_EQ(a.peak_gbps, b.peak_gbps);
  EXPECT_DOUBLE_EQ(a.copy_gbps, b.copy_gbps);
  EXPECT_DOUBLE_EQ(a.triad_gbps, b.triad_gbps);
  EXPECT_DOUBLE_EQ(a.stream_copy_gbps, b.stream_copy_gbps);
  EXPECT_EQ(a.fma_isa, b.fma_isa);
  EXPECT_EQ(a.created_unix, b.created_unix);
}

TEST(Calibration, MeasuredFiguresArePlausible) {
  CalibrationOptions o;
  o.fma_trial_ms = 5;
  o.trials = 2;
  o.stream_bytes = 8 << 20;
  const Calibration c = measure_calibration(o);
  EXPECT_EQ(c.threads, num_threads());
  EXPECT_EQ(c.fingerprint, calibration_fingerprint());
  EXPECT_TRUE(c.fma_isa == "avx512" || c.fma_isa == "avx2" || c.fma_isa == "scalar") << c.fma_isa;
  // Lower bounds hold even on a busy machine; upper bounds catch a wrong
  // count (no core retires more than ~400 f32 GFLOP/s).
  EXPECT_GT(c.peak_gflops, 1.0);
  EXPECT_LT(c.peak_gflops, 500.0 * c.threads);
  EXPECT_GT(c.copy_gbps, 0.5);
  EXPECT_GT(c.triad_gbps, 0.5);
  EXPECT_LT(c.peak_gbps, 5000.0);
  EXPECT_GT(c.stream_copy_gbps, 0.5);
  EXPECT_DOUBLE_EQ(c.peak_gbps, std::max({c.copy_gbps, c.triad_gbps, c.stream_copy_gbps}));
  EXPECT_GT(c.created_unix, 1600000000);
}

TEST(Calibration, BadOptionsAreRefused) {
  CalibrationOptions o;
  o.trials = 0;
  try {
    measure_calibration(o);
    FAIL() << "0 trials accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("0 trials"), std::string::npos) << e.what();
  }
}

TEST(Calibration, CacheRoundTripKeepsOneEntryPerMachineAndThreadCount) {
  TempCache cache("roundtrip");
  EXPECT_FALSE(load_calibration(cache.path(), "cpu A", 2).has_value()) << "no file yet";

  save_calibration(cache.path(), sample("cpu A", 2, 400.5));
  save_calibration(cache.path(), sample("cpu A", 1, 210.25));
  save_calibration(cache.path(), sample("cpu B", 2, 99.0));
  expect_same(*load_calibration(cache.path(), "cpu A", 2), sample("cpu A", 2, 400.5));
  expect_same(*load_calibration(cache.path(), "cpu A", 1), sample("cpu A", 1, 210.25));
  expect_same(*load_calibration(cache.path(), "cpu B", 2), sample("cpu B", 2, 99.0));
  EXPECT_FALSE(load_calibration(cache.path(), "cpu A", 4).has_value());
  EXPECT_FALSE(load_calibration(cache.path(), "cpu C", 2).has_value());

  // A new measurement replaces the entry of its key only.
  save_calibration(cache.path(), sample("cpu A", 2, 420.0));
  expect_same(*load_calibration(cache.path(), "cpu A", 2), sample("cpu A", 2, 420.0));
  expect_same(*load_calibration(cache.path(), "cpu A", 1), sample("cpu A", 1, 210.25));
}

TEST(Calibration, CorruptCacheIsIgnoredThenReplaced) {
  TempCache cache("corrupt");
  save_calibration(cache.path(), sample("cpu A", 2, 400.5));
  for (const char* content : {"{not json", "[1, 2, 3]", "{\"kiln_calibration\": 99}",
                              "{\"kiln_calibration\": 1, \"entries\": [{\"threads\": 2}]}"}) {
    std::ofstream(cache.path()) << content;
    EXPECT_FALSE(load_calibration(cache.path(), "cpu A", 2).has_value()) << content;
    save_calibration(cache.path(), sample("cpu A", 2, 400.5));
    expect_same(*load_calibration(cache.path(), "cpu A", 2), sample("cpu A", 2, 400.5));
  }
}

TEST(Calibration, UnwritableCacheIsAUserError) {
  try {
    save_calibration("/proc/kiln_no_such_dir/calibration.json", sample("cpu A", 2, 1.0));
    FAIL() << "writing under /proc succeeded";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("KILN_CALIBRATION_CACHE"), std::string::npos)
        << e.what();
  }
}

TEST(Calibration, MachineCalibrationReadsTheCacheNamedByTheEnvironment) {
  TempCache cache("env");
  const char* old = std::getenv("KILN_CALIBRATION_CACHE");
  const std::string saved = old ? old : "";
  setenv("KILN_CALIBRATION_CACHE", cache.path().c_str(), 1);
  EXPECT_EQ(calibration_cache_path(), cache.path());

  // An entry for this machine and thread count: returned as stored, with
  // no measurement (a measurement would give other figures).
  const Calibration stored = sample(calibration_fingerprint(), num_threads(), 12345.5);
  save_calibration(cache.path(), stored);
  bool measured = true;
  expect_same(machine_calibration(&measured), stored);
  EXPECT_FALSE(measured);

  if (old) {
    setenv("KILN_CALIBRATION_CACHE", saved.c_str(), 1);
  } else {
    unsetenv("KILN_CALIBRATION_CACHE");
  }
}

}  // namespace
}  // namespace kiln
