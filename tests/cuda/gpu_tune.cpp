// `kiln tune --target cuda` without a device: GPU workload keys (an
// injected fingerprint), the tuner's own GPU candidates compiling with NVRTC
// and ptxas, the tuning loop against a fake measurement (failures recorded,
// best picked, served from the database), and the clear error when there is
// no GPU. On a GPU machine one test tunes for real; elsewhere it skips.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "autotune/builder.h"
#include "autotune/gpu_search.h"
#include "autotune/gpu_measure.h"
#include "autotune/tuner.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"
#include "tests/cuda/cuda_test_util.h"
#include "tests/support/run_kiln.h"

namespace kiln {
namespace {

const GpuFingerprint kFakeGpu{"Fake GPU 9000", 90, 13000};

/// A database path of this test process, removed (with WAL files) first.
std::string fresh_db(const std::string& tag) {
  const std::string db = ::testing::TempDir() + "kiln_gpu_tune_" + tag + "_" +
                         std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return db;
}

/// Why probing the GPU fails here, or "" when there is a device.
std::string no_device_reason() {
  try {
    probe_gpu();
    return "";
  } catch (const UserError& e) {
    return e.what();
  }
}

struct Workload {
  const Op* op;
  OpSizes sizes;
  OpOptions options;
  ComputeDef def;
};

Workload matmul(int64_t m, int64_t n, int64_t k) {
  Workload w;
  w.op = &find_op("matmul");
  w.sizes = w.op->resolve_sizes({{"M", m}, {"N", n}, {"K", k}});
  w.options = w.op->resolve_options({});
  w.def = w.op->define(w.sizes, w.options);
  return w;
}

TEST(GpuWorkloadKey, DiffersFromTheCpuKeyAndHasTheDeviceFields) {
  const Workload w = matmul(64, 48, 32);
  const Target sm90 = parse_target("cuda -arch=sm_90");
  const WorkloadKey cpu = make_workload_key(*w.op, w.def, w.sizes, w.options, host_target(), 2);
  const WorkloadKey gpu = make_gpu_workload_key(*w.op, w.def, w.sizes, w.options, sm90, kFakeGpu);
  EXPECT_NE(gpu.key, cpu.key);
  EXPECT_EQ(gpu.hardware, "gpu=Fake GPU 9000;sm=90;driver=13000");
  EXPECT_EQ(gpu.target, "cuda -arch=sm_90");
  EXPECT_EQ(gpu.shape, cpu.shape);
  // Stable, and every device field counts.
  EXPECT_EQ(make_gpu_workload_key(*w.op, w.def, w.sizes, w.options, sm90, kFakeGpu).key, gpu.key);
  for (const GpuFingerprint& other : {GpuFingerprint{"Fake GPU 9001", 90, 13000},
                                      GpuFingerprint{"Fake GPU 9000", 100, 13000},
                                      GpuFingerprint{"Fake GPU 9000", 90, 13010}}) {
    EXPECT_NE(make_gpu_workload_key(*w.op, w.def, w.sizes, w.options, sm90, other).key, gpu.key)
        << other.str();
  }
  EXPECT_NE(make_gpu_workload_key(*w.op, w.def, w.sizes, w.options,
                                  parse_target("cuda -arch=sm_80"), kFakeGpu).key,
            gpu.key);
}

TEST(GpuWorkloadKey, TargetTakesTheDevicesArchUnlessItNamesOne) {
  EXPECT_EQ(resolve_gpu_target(parse_target("cuda"), kFakeGpu).str(), "cuda -arch=sm_90");
  EXPECT_EQ(resolve_gpu_target(parse_target("cuda -arch=sm_80"), kFakeGpu).str(),
            "cuda -arch=sm_80");
  try {
    resolve_gpu_target(parse_target("cuda -arch=sm_100"), kFakeGpu);
    FAIL() << "sm_100 on an sm_90 device was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("newer than the GPU Fake GPU 9000 (sm_90)"),
              std::string::npos)
        << e.what();
  }
}

TEST(GpuTune, CandidatesFromTheSearchCompileWithNvrtcAndPtxas) {
  KILN_REQUIRE_NVRTC();
  const Workload w = matmul(96, 80, 64);
  const Target sm80 = parse_target("cuda -arch=sm_80");
  const GpuSearchSpace space = GpuSearchSpace::generate(w.def, sm80);
  ASSERT_TRUE(space.tiled());
  SearchOptions so;
  so.batch = 3;
  so.seed = 7;
  GpuEvolutionarySearch search(space, sm80, "matmul", so);
  int rejected = 0;
  const std::vector<Candidate> batch = search.next_batch(CostModel(), {}, &rejected);
  ASSERT_EQ(batch.size(), 3u);
  for (const Candidate& c : batch) {
    const std::string what = SearchSpace::describe(c.knobs);
    SCOPED_TRACE(what);
    EXPECT_TRUE(space.plausible(c.knobs));
    EXPECT_EQ(c.features.size(), space.knobs().size() + 5);
    // The stored trace replays to the same kernel.
    const Schedule replayed = Schedule::replay(w.def, Trace::from_json(c.trace_json));
    EXPECT_EQ(codegen_cuda(lower_gpu(replayed, sm80), sm80), c.source);
    for (int arch : {80, 90}) cuda_test::expect_compiles(*c.schedule, arch, "gpu tune");
  }
  // Mutations stay plausible and differ from their parent.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20; ++i) {
    const KnobValues v = space.sample(rng);
    const KnobValues m = search.mutate(v);
    EXPECT_TRUE(space.plausible(m));
  }
}

TEST(GpuTune, GenericSpaceRunsOutAndStops) {
  KILN_REQUIRE_NVRTC();
  const Op& softmax = find_op("softmax");
  const OpSizes sizes = softmax.resolve_sizes({{"M", 5}, {"N", 301}});
  const ComputeDef def = softmax.define(sizes, softmax.resolve_options({}));
  const Target sm80 = parse_target("cuda -arch=sm_80");
  const GpuSearchSpace space = GpuSearchSpace::generate(def, sm80);
  GpuEvolutionarySearch search(space, sm80, "softmax", SearchOptions());
  int rejected = 0, proposed = 0;
  for (int round = 0; round < 4; ++round) {
    for (const Candidate& c : search.next_batch(CostModel(), {}, &rejected)) {
      search.report(c.knobs, 1.0);
      ++proposed;
    }
  }
  // Five thread counts (1505 points: each a different kernel), each
  // proposed once; then nothing is left.
  EXPECT_EQ(proposed + rejected, 5);
  EXPECT_TRUE(search.next_batch(CostModel(), {}, &rejected).empty());
}

TEST(GpuTune, FakeMeasurementRecordsFailuresAndPicksTheBest) {
  KILN_REQUIRE_NVRTC();
  const Workload w = matmul(40, 72, 24);
  const std::string db_path = fresh_db("fake");
  // Each kernel gets a time from its source; during the search every third
  // call fails and the fifth throws: both must become failed trials. The
  // front-runners measured again at the end keep their times.
  std::map<std::string, double> ms_of;
  std::vector<double> ok_ms;
  int calls = 0;
  TuneHooks hooks;
  hooks.device = kFakeGpu;
  hooks.measure = [&](const CudaKernel& k, const MeasureOptions& mo) {
    EXPECT_TRUE(mo.check);
    EXPECT_NE(mo.expected, nullptr) << "no reference outputs for the candidates";
    ++calls;
    if (calls == 5) throw std::runtime_error("fake driver fault");
    MeasureResult m;
    if (calls <= 8 && calls % 3 == 0) {
      m.status = "invalid";
      m.error = "fake wrong result";
      return m;
    }
    m.status = "ok";
    m.median_ms = 1.0 + static_cast<double>(std::hash<std::string>()(k.source()) % 1000) / 100;
    ms_of[k.source()] = m.median_ms;
    ok_ms.push_back(m.median_ms);
    return m;
  };
  TuneOptions o;
  o.trials = 7;
  o.batch = 4;
  o.db_path = db_path;
  const TuneResult r = tune(*w.op, w.sizes, w.options, parse_target("cuda"), o, hooks);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(r.target.str(), "cuda -arch=sm_90");
  EXPECT_EQ(r.workload.hardware, kFakeGpu.str());
  EXPECT_TRUE(r.reference_checked);
  EXPECT_EQ(r.trials_measured, 7);
  // The default, seven trials, then the front-runners and the default twice more.
  EXPECT_GT(r.trials_confirmed, 0);
  EXPECT_EQ(calls, 8 + r.trials_confirmed);
  EXPECT_EQ(r.trials_invalid, 3);  // calls 3, 5 and 6 (trials 2, 4 and 5)
  ASSERT_FALSE(ok_ms.empty());
  // The fastest kernel, measured three times at the same time: its mean.
  EXPECT_DOUBLE_EQ(r.best_median_ms, *std::min_element(ok_ms.begin(), ok_ms.end()));

  TuningDatabase db = TuningDatabase::open(db_path);
  const std::vector<TuningRecord> records = db.records(r.workload.key);
  ASSERT_EQ(records.size(), 8u + r.trials_confirmed);
  int invalid = 0, crashed = 0, compiled = 0;
  for (const TuningRecord& rec : records) {
    if (rec.status == "invalid") ++invalid;
    if (rec.status == "crash") {
      ++crashed;
      EXPECT_NE(rec.error.find("fake driver fault"), std::string::npos) << rec.error;
    }
    if (rec.compile_ms > 0) ++compiled;
  }
  EXPECT_EQ(invalid, 2);
  EXPECT_EQ(crashed, 1);
  EXPECT_GT(compiled, 0) << "no NVRTC time recorded";
  // The best is stored and is what bench --schedule tuned would use: its
  // trace replays to the kernel that had the best time.
  const std::optional<TuningRecord> best = tuned_record(db, *w.op, w.sizes, w.options, parse_target("cuda -arch=sm_90"),
      MeasuredOn::device(kFakeGpu));
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->trace_json, r.best_trace_json);
  const Schedule replayed = Schedule::replay(w.def, Trace::from_json(best->trace_json));
  const auto kernel = CudaKernel::compile(replayed, r.target);
  EXPECT_DOUBLE_EQ(ms_of.at(kernel->source()), r.best_median_ms);
  // Another driver is another workload; the CPU key never sees GPU records.
  EXPECT_FALSE(tuned_record(db, *w.op, w.sizes, w.options, parse_target("cuda"),
                            MeasuredOn::device({kFakeGpu.device, 90, 12000})).has_value());
  EXPECT_FALSE(tuned_record(db, *w.op, w.sizes, w.options, host_target(), MeasuredOn::host(1)).has_value());

  // A second run is served from the database without measuring.
  calls = 0;
  const TuneResult again = tune(*w.op, w.sizes, w.options, parse_target("cuda"), o, hooks);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(again.best_trace_json, r.best_trace_json);
}

TEST(GpuTune, NvrtcErrorsAreFailedTrials) {
  KILN_REQUIRE_NVRTC();
  // NVRTC refuses sm_20: every kernel, the default's too, fails to compile.
  const Workload w = matmul(16, 24, 8);
  TuneHooks hooks;
  hooks.device = GpuFingerprint{"Old GPU", 20, 13000};
  int calls = 0;
  hooks.measure = [&](const CudaKernel&, const MeasureOptions&) {
    ++calls;
    return MeasureResult();
  };
  TuneOptions o;
  o.trials = 3;
  o.batch = 3;
  o.db_path = fresh_db("nvrtc");
  const TuneResult r = tune(*w.op, w.sizes, w.options, parse_target("cuda"), o, hooks);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(r.trials_measured, 3);
  EXPECT_EQ(r.trials_invalid, 3);
  EXPECT_TRUE(r.best_trace_json.empty());
  const std::vector<TuningRecord> records = TuningDatabase::open(o.db_path).records(r.workload.key);
  ASSERT_EQ(records.size(), 4u);
  for (const TuningRecord& rec : records) {
    EXPECT_EQ(rec.status, "compile_error");
    EXPECT_NE(rec.error.find("NVRTC failed"), std::string::npos) << rec.error;
  }
}

TEST(GpuTune, WithoutADeviceFailsBeforeOpeningTheDatabase) {
  const std::string why = no_device_reason();
  if (why.empty()) GTEST_SKIP() << "a CUDA device is present; this test is for machines without";
  EXPECT_NE(why.find("no CUDA device"), std::string::npos) << why;
  const Workload w = matmul(64, 64, 64);
  const std::string db_path = fresh_db("nodevice");
  TuneOptions o;
  o.trials = 2;
  o.db_path = db_path;
  for (const char* target : {"cuda", "cuda -arch=sm_90"}) {
    try {
      tune(*w.op, w.sizes, w.options, parse_target(target), o);
      ADD_FAILURE() << target << ": tuned without a device";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(db_path));
  // A measuring worker without a device reports a failed trial; the
  // process that asked carries on.
  KILN_REQUIRE_NVRTC();
  const Target sm80 = parse_target("cuda -arch=sm_80");
  const auto kernel = CudaKernel::compile(w.op->default_gpu_schedule(w.def, sm80), sm80);
  const MeasureResult m = measure_gpu(*kernel, *w.op, w.sizes, w.options, MeasureOptions());
  EXPECT_EQ(m.status, "error");
  EXPECT_NE(m.error.find("no CUDA device"), std::string::npos) << m.error;
}

using test_support::run_kiln;

TEST(GpuTune, CliWithoutADeviceSaysSoAndExitsNonZero) {
  const std::string why = no_device_reason();
  if (why.empty()) GTEST_SKIP() << "a CUDA device is present; this test is for machines without";
  const std::string db_path = fresh_db("cli");
  for (const char* target : {"cuda", "'cuda -arch=sm_90'"}) {
    const auto r = run_kiln("tune matmul --shape M=64,N=64,K=64 --trials 2 --target " +
                            std::string(target) + " --db " + db_path);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output.rfind("kiln: no CUDA device", 0), 0u) << r.output;
    EXPECT_EQ(r.output.find("kiln: kiln:"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(db_path));
  const auto r = run_kiln("tune matmul --target cuda --threads 2 --db " + db_path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--threads applies to CPU targets"), std::string::npos) << r.output;
}

TEST(GpuTune, OnTheDeviceTheBestIsVerifiedAndServedToBench) {
  const std::string why = no_device_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  KILN_REQUIRE_NVRTC();
  const std::string db_path = fresh_db("device");
  const auto tuned = run_kiln("tune matmul --shape M=130,N=97,K=61 --trials 6 "
                              "--target cuda --json --db " + db_path);
  ASSERT_EQ(tuned.exit_code, 0) << tuned.output;
  const std::string& out = tuned.output;
  const nlohmann::json j = nlohmann::json::parse(out.substr(out.rfind("\n{") + 1));
  EXPECT_GT(j["best_gflops"].get<double>(), 0.0);
  EXPECT_EQ(j["trials_measured"], 6);
  EXPECT_NE(j["hardware"].get<std::string>().find("gpu="), std::string::npos);
  const auto b = run_kiln("bench matmul --shape M=130,N=97,K=61 --target cuda "
                          "--schedule tuned --json --db " + db_path);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const std::string& bench = b.output;
  EXPECT_NE(bench.find("\"verified\":true"), std::string::npos) << bench;
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(GpuBuilder, CubinsForTheDevicesSmAndPlansAtTheWorkloadsSizes) {
  KILN_REQUIRE_NVRTC();
  const Workload w = matmul(70, 33, 19);
  const Target sm90 = parse_target("cuda -arch=sm_90");
  Candidate c;
  c.schedule = std::make_shared<const Schedule>(w.op->default_gpu_schedule(w.def, sm90));
  for (CudaImage image : {CudaImage::Cubin, CudaImage::Ptx}) {
    GpuBuilder builder(sm90, image, w.def, w.sizes);
    const std::vector<BuildResult> built = builder.build(std::vector<Candidate>{c});
    ASSERT_EQ(built.size(), 1u);
    ASSERT_TRUE(built[0].artifact) << built[0].error;
    const auto& a = dynamic_cast<const GpuArtifact&>(*built[0].artifact);
    if (image == CudaImage::Cubin) {
      EXPECT_EQ(a.plan.image.substr(0, 4), "\x7f" "ELF") << "not a cubin";
    } else {
      EXPECT_NE(a.plan.image.find(".target sm_90"), std::string::npos);
    }
    ASSERT_EQ(a.plan.launches.size(), a.kernel->program().kernels.size());
    EXPECT_EQ(a.plan.num_args, 3);
    for (const GpuLaunch& l : a.plan.launches) {
      EXPECT_GE(l.grid[0], 1);
      for (int64_t s : l.sizes) EXPECT_TRUE(s == 70 || s == 33 || s == 19) << s;
    }
  }
  // A source NVRTC refuses is the build's error, not an exception.
  Candidate broken = c;
  broken.source = "this is not CUDA";
  GpuBuilder builder(sm90, CudaImage::Cubin, w.def, w.sizes);
  const BuildResult r = builder.build(std::vector<Candidate>{broken}).front();
  EXPECT_FALSE(r.artifact);
  EXPECT_NE(r.error.find("NVRTC failed"), std::string::npos) << r.error;
}

TEST(GpuTune, TheTunerMeasuresThroughARunnerProcessAfterNvrtc) {
  KILN_REQUIRE_NVRTC();
  // This process compiles with NVRTC, then every measurement goes to a
  // kiln-runner started with exec (here over the fake device, which knows
  // no real kernel): each trial comes back from it, none is lost.
  const Workload w = matmul(40, 24, 16);
  TuneHooks hooks;
  hooks.device = kFakeGpu;
  hooks.runner_device = "fake";
  TuneOptions o;
  o.trials = 5;
  o.batch = 3;
  o.db_path = fresh_db("runner");
  const TuneResult r = tune(*w.op, w.sizes, w.options, parse_target("cuda"), o, hooks);
  EXPECT_EQ(r.trials_measured, 5);
  EXPECT_EQ(r.trials_invalid, 5);
  const std::vector<TuningRecord> records = TuningDatabase::open(o.db_path).records(r.workload.key);
  ASSERT_EQ(records.size(), 6u);  // the default and five trials
  for (const TuningRecord& rec : records) {
    EXPECT_EQ(rec.status, "crash");
    EXPECT_NE(rec.error.find("the fake device has no kernel 'matmul_"), std::string::npos)
        << rec.error;
  }
}

}  // namespace
}  // namespace kiln
