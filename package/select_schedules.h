#pragma once
/// \file
/// Choosing each kernel's schedule: the tuning database's best record for
/// its workload when there is one, else (with tune_missing) a tuning run,
/// else the op's default schedule. Kernels with free sizes always use the
/// default schedule: the database holds concrete workloads only.
///
/// A CUDA package looks up GPU workloads: their keys hold the GPU's
/// fingerprint (autotune/workload.h make_gpu_workload_key), so the device
/// is probed once (autotune/gpu_measure.h probe_gpu, in a runner process).
/// Without a device its kernels keep the default schedule, with the note
/// "no CUDA device to key GPU tuning records by", and tune_missing tunes
/// with tune() for CUDA, which then fails with the no-device error.

#include <functional>
#include <string>
#include <vector>

#include "autotune/workload.h"
#include "package/plan.h"

namespace kiln {

struct ScheduleSelection {
  /// A database path, or "" for the default database (only when it exists:
  /// packaging never creates one uninvited).
  std::string db_path;
  bool tune_missing = false;
  double time_budget_s = 60;
  int threads = 0;  ///< <= 0: kiln's current thread count
  std::function<void(const std::string&)> progress;
  /// CUDA targets: the GPU to key tuning records by; unset: probe_gpu().
  /// Throws UserError when there is none (tests give a fake device, or a
  /// probe that throws).
  std::function<GpuFingerprint()> gpu_probe;
};

/// Updates every kernel of plan (trace, source, record, workload key) and
/// returns one note per kernel left on its default schedule, saying why.
std::vector<std::string> select_schedules(PackagePlan& plan, const ScheduleSelection& sel);

}  // namespace kiln
