#pragma once
/// \file
/// The GPU tuner: `kiln tune --target cuda` as a library call.
///
///   TuneOptions o;  o.trials = 100;  o.db_path = "tuning.db";
///   TuneResult r = tune_gpu(find_op("matmul"), {{"M", 4096}}, {}, Target::parse("cuda"), o);
///
/// As tune() for the CPU: a workload already in the database returns its
/// best at once unless `retune`; otherwise the op's default GPU schedule is
/// measured first (the figure to beat), then batches proposed by
/// GpuEvolutionarySearch (the learned cost model on knob features, warm-
/// started from stored records of the same op, target and GPU) are
/// compiled with NVRTC in parallel and measured one by one, each in a
/// worker process with CUDA events (autotune/gpu_measure.h), until the
/// trial budget, the time budget or `patience` runs out. Every candidate's
/// first run is compared with the reference: the outputs of the op's
/// default CPU kernel on the same inputs, itself checked once against the
/// reference interpreter. NVRTC errors, refused launches, faults, hangs and
/// wrong results are failed trials, stored with their reason.
///
/// The workload key has the GPU's fingerprint (device name, SM version,
/// driver version) in place of the CPU's; TuneOptions::threads is unused.

#include <functional>
#include <optional>

#include "autotune/gpu_measure.h"
#include "autotune/tuner.h"
#include "autotune/workload.h"

namespace kiln {

/// What tests replace: the device and the measurement.
struct GpuTuneHooks {
  /// The GPU to key results by; unset: probe_gpu() (which throws
  /// UserError "no CUDA device/driver found: ..." when there is none).
  std::optional<GpuFingerprint> device;
  /// Measures one compiled candidate; unset: measure_gpu on the workload.
  /// An exception it throws is a failed trial ("crash"), not the tuner's end.
  std::function<MeasureResult(const CudaKernel&, const MeasureOptions&)> measure;
};

/// Tunes op at sizes/options (missing ones take their defaults) for the
/// CUDA target on the GPU. The device is asked for first: without one this
/// throws before the database is opened. Throws UserError for bad sizes, a
/// target newer than the device, or an unusable database.
TuneResult tune_gpu(const Op& op, const OpSizes& sizes, const OpOptions& options,
                    const Target& target, const TuneOptions& t, const GpuTuneHooks& hooks = {});

/// `target` with the device's SM version when it names none ("cuda").
/// Throws UserError when it names an SM newer than the device's, whose
/// kernels the device could not load.
Target resolve_gpu_target(const Target& target, const GpuFingerprint& gpu);

/// The database's best record for op at these sizes for the (resolved)
/// CUDA target on `gpu`, or nothing when that workload was never tuned.
std::optional<TuningRecord> tuned_gpu_record(TuningDatabase& db, const Op& op, const OpSizes& sizes,
                                             const OpOptions& options, const Target& target,
                                             const GpuFingerprint& gpu);

}  // namespace kiln
