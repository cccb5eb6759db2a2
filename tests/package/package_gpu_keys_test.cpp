// A CUDA package looks up GPU tuning records: keyed by the GPU's
// fingerprint, never by the host CPU's. No device is needed: the GPU is a
// fake one given through ScheduleSelection::gpu_probe, or a probe that
// throws as probe_gpu() does without a device.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <utility>

#include "autotune/database.h"
#include "autotune/gpu_measure.h"
#include "autotune/workload.h"
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"
#include "package/select_schedules.h"
#include "package/spec.h"
#include "package/tune_missing.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

const GpuFingerprint kFakeGpu{"Fake GPU for tests", 80, 12040};

/// A matmul package for sm_80: one concrete kernel (M=64,N=48,K=32) and one
/// with a free N.
PackagePlan matmul_plan() {
  return plan_package(parse_package_spec(R"({"name": "gk", "target": "cuda -arch=sm_80", "ops": [
      {"op": "matmul", "shape": {"M": 64, "N": 48, "K": 32}},
      {"op": "matmul", "shape": {"M": 64, "N": "N", "K": 32}}]})"),
                      parse_target("cuda -arch=sm_80"));
}

/// Stores one record of the concrete matmul under `w` with this median.
void store(TuningDatabase& db, const WorkloadKey& w, const Schedule& s, double median_ms) {
  db.add_workload(w);
  TuningRecord r;
  r.workload_key = w.key;
  r.trace_json = s.trace().to_json("matmul");
  r.median_ms = median_ms;
  r.gflops = 1;
  db.add_record(r);
}

/// A database holding a GPU record (on kFakeGpu, median 0.25 ms) and a
/// faster CPU record (host, 0.001 ms) for the concrete kernel.
std::string database_with_both_keys(const std::string& name) {
  const fs::path dir = fs::path(KILN_BINARY_DIR) / "test_outputs" / "package_gpu_keys";
  fs::create_directories(dir);
  const std::string path = (dir / name).string();
  fs::remove(path);
  TuningDatabase db = TuningDatabase::open(path);
  const Op& mm = find_op("matmul");
  const OpSizes sizes = mm.resolve_sizes({{"M", 64}, {"N", 48}, {"K", 32}});
  const OpOptions options = mm.resolve_options({});
  const ComputeDef def = mm.define(sizes, options);
  const Target sm80 = parse_target("cuda -arch=sm_80");
  store(db, make_gpu_workload_key(mm, def, sizes, options, sm80, kFakeGpu),
        mm.default_gpu_schedule(def, sm80), 0.25);
  store(db, make_workload_key(mm, def, sizes, options, sm80, 2),
        mm.default_schedule(def, host_target()), 0.001);
  return path;
}

/// The concrete kernel of matmul_plan() after selection from a fresh
/// database_with_both_keys(db_name) with this GPU probe.
PackageKernel select_concrete(const std::string& db_name, std::function<GpuFingerprint()> probe) {
  PackagePlan plan = matmul_plan();
  ScheduleSelection sel;
  sel.db_path = database_with_both_keys(db_name);
  sel.gpu_probe = std::move(probe);
  select_schedules(plan, sel);
  return plan.functions[0].kernels[0];
}

TEST(PackageGpuKeys, ACudaPackageUsesTheRecordOfItsGpu) {
  PackagePlan plan = matmul_plan();
  ScheduleSelection sel;
  sel.db_path = database_with_both_keys("fake_gpu.db");
  sel.threads = 2;
  sel.gpu_probe = [] { return kFakeGpu; };
  const std::vector<std::string> notes = select_schedules(plan, sel);

  const Op& mm = find_op("matmul");
  const OpSizes sizes = mm.resolve_sizes({{"M", 64}, {"N", 48}, {"K", 32}});
  const OpOptions options = mm.resolve_options({});
  const std::string gpu_key = make_gpu_workload_key(mm, mm.define(sizes, options), sizes, options,
                                                    parse_target("cuda -arch=sm_80"), kFakeGpu)
                                  .key;
  const PackageKernel& k = plan.functions[0].kernels[0];
  ASSERT_TRUE(k.free.empty());
  EXPECT_EQ(k.workload_key, gpu_key);
  EXPECT_EQ(k.source, ScheduleSource::Database) << k.source_note;
  ASSERT_TRUE(k.record.has_value());
  EXPECT_DOUBLE_EQ(k.record->median_ms, 0.25);  // not the CPU record's 0.001
  ASSERT_EQ(notes.size(), 1u);  // only the kernel with a free size
  EXPECT_NE(notes[0].find("free sizes are not tuned"), std::string::npos) << notes[0];
}

TEST(PackageGpuKeys, ADeviceOfAnotherGpuFindsNoRecord) {
  const PackageKernel k =
      select_concrete("other_gpu.db", [] { return GpuFingerprint{"Another GPU", 90, 12040}; });
  EXPECT_EQ(k.source, ScheduleSource::Default);
  EXPECT_EQ(k.source_note, "not in the tuning database");
}

TEST(PackageGpuKeys, WithoutADeviceTheDefaultScheduleSaysWhy) {
  PackagePlan plan = matmul_plan();
  ScheduleSelection sel;
  sel.db_path = database_with_both_keys("no_device.db");
  sel.gpu_probe = []() -> GpuFingerprint {
    throw UserError("no CUDA device/driver found: cuInit failed with 100");
  };
  const std::vector<std::string> notes = select_schedules(plan, sel);
  const PackageKernel& k = plan.functions[0].kernels[0];
  EXPECT_EQ(k.source, ScheduleSource::Default);
  EXPECT_TRUE(k.workload_key.empty()) << k.workload_key;
  EXPECT_EQ(k.source_note,
            "no CUDA device to key GPU tuning records by: no CUDA device/driver found: cuInit "
            "failed with 100");
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find(": default schedule (no CUDA device to key GPU tuning records by"),
            std::string::npos)
      << notes[0];
}

TEST(PackageGpuKeys, ATargetNewerThanTheGpuFindsNoRecordAndSaysWhy) {
  const PackageKernel k =
      select_concrete("old_gpu.db", [] { return GpuFingerprint{"Old GPU", 75, 12040}; });
  EXPECT_EQ(k.source, ScheduleSource::Default);
  EXPECT_NE(k.source_note.find("newer than the GPU Old GPU (sm_75)"), std::string::npos)
      << k.source_note;
}

TEST(PackageGpuKeys, TuneMissingForCudaTunesOnTheGpuAndFailsClearlyWithoutOne) {
  try {
    probe_gpu();
    GTEST_SKIP() << "a CUDA device is present: this checks the no-device error";
  } catch (const UserError&) {
  }
  const Op& mm = find_op("matmul");
  const std::string db = (fs::path(KILN_BINARY_DIR) / "test_outputs" / "package_gpu_keys" /
                          "tune_missing.db").string();
  fs::create_directories(fs::path(db).parent_path());
  try {
    tune_workload(mm, mm.resolve_sizes({{"M", 64}, {"N", 48}, {"K", 32}}), {},
                  parse_target("cuda -arch=sm_80"), 2, 1.0, db);
    FAIL() << "tuning for CUDA without a device did not fail";
  } catch (const UserError& e) {
    // the GPU tuner's no-device error, not the CPU tuner's "not the host" one.
    EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("not the host"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kiln
