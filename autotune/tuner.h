#pragma once
/// \file
/// The tuner: everything `kiln tune` does, as a library call, for the host
/// CPU or a CUDA GPU.
///
///   TuneOptions o;  o.time_budget_s = 60;  o.db_path = "tuning.db";
///   TuneResult r = tune(find_op("matmul"), {{"M", 1024}}, {}, host_target(), o);
///   TuneResult g = tune(find_op("matmul"), {{"M", 4096}}, {}, parse_target("cuda"), o);
///
/// One loop for both targets over a TuneBackend (autotune/tune_backend.h):
/// the target's search proposes batches, its Builder compiles them (LLVM
/// JIT; NVRTC to cubins), its Runner measures them (forked CPU workers; a
/// kiln-runner process started with exec for the GPU, autotune/gpu_runner.h).
///
/// A workload already in the database returns its best at once
/// (from_cache) unless `retune` is set; a retune resumes from the stored
/// records (they seed the population and train the model). Otherwise: the
/// op's default schedule is measured first (the figure to beat), the cost
/// model is warm-started from stored records of the same op and target
/// (other sizes too), and the evolutionary search measures batches until
/// the trial budget, the time budget or `patience` trials without
/// improvement. Every measurement, failures included, goes to the database.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "autotune/database.h"
#include "autotune/measure.h"
#include "autotune/space.h"
#include "autotune/workload.h"
#include "codegen/cuda/cuda_kernel.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"

namespace kiln {

/// Where a running tune stands (for progress bars).
struct TuneProgress {
  int trials_measured = 0;  ///< candidates compiled and run (failures included)
  int trials_invalid = 0;   ///< measured but not ok: wrong, crash, timeout, compile error
  int trials_rejected = 0;  ///< refused by the schedule API before compiling
  int trial_budget = 0;     ///< 0: none
  double elapsed_s = 0;
  double time_budget_s = 0;  ///< 0: none
  double best_gflops = 0;
  /// The last trial's outcome, one line ("ok 412.3 GFLOP/s", "crash: ...").
  std::string last;
};

struct TuneOptions {
  int trials = 0;            ///< measured-trial budget; 0 = none
  double time_budget_s = 0;  ///< 0 = none
  /// Stop after this many measured trials without a better best; 0 = never.
  int patience = 0;
  int threads = 0;  ///< 0 = the current thread count
  uint64_t seed = 1;
  bool retune = false;
  std::string db_path;  ///< "" = default_database_path()
  int batch = 16;
  MeasureOptions measure;
  /// Called after every measured trial.
  std::function<void(const TuneProgress&)> on_progress;
};

struct TuneResult {
  WorkloadKey workload;
  Target target;
  int threads = 1;
  bool from_cache = false;
  int trials_measured = 0, trials_invalid = 0, trials_rejected = 0;
  /// Measurements of the front-runners and the default taken again at the
  /// end (autotune/confirm.h); not counted as trials.
  int trials_confirmed = 0;
  double elapsed_s = 0;
  double best_median_ms = 0, best_gflops = 0;
  double default_median_ms = 0, default_gflops = 0;
  std::string best_trace_json;  ///< the best schedule's trace (TuningRecord::trace_json)
  KnobValues best_knobs;        ///< the knobs that built it (none for the default)
  /// Where the best's record came from: Default when the op's default
  /// schedule is the best.
  RecordSource best_source = RecordSource::Search;
  /// Whether the default schedule's output, which every candidate is
  /// compared with, passed the reference interpreter's check (false: the
  /// check overran its time limit and the default was trusted).
  bool reference_checked = false;
  /// Spearman correlation between the model's scores and the measured
  /// GFLOP/s of the candidates it ranked (0 when it never ranked any).
  double model_rank_correlation = 0;
  /// (elapsed_s, best GFLOP/s so far) after each improvement.
  std::vector<std::pair<double, double>> curve;
};

/// What tests replace in a GPU tune: the device and the measurement.
struct TuneHooks {
  /// The GPU to key results by; unset: the runner's device (UserError "no
  /// CUDA device/driver found: ..." when there is none).
  std::optional<GpuFingerprint> device;
  /// Measures one compiled candidate; unset: the runner process. An
  /// exception it throws is a failed trial ("crash"), not the tuner's end.
  std::function<MeasureResult(const CudaKernel&, const MeasureOptions&)> measure;
  /// The runner process's device (autotune/runner_device.h): "cuda", or
  /// "fake" for tests of the tuner's path through a real runner process.
  std::string runner_device = "cuda";
};

/// Tunes op at sizes/options (missing ones take their defaults) for
/// `target`: the host (a CPU target naming another machine is refused) or
/// CUDA ("cuda" takes the device's SM). A workload in the database returns
/// its best at once unless t.retune. For CUDA the device is asked for
/// before the database is opened. Throws UserError for bad sizes, no GPU,
/// a CUDA target newer than the device, or an unusable database.
TuneResult tune(const Op& op, const OpSizes& sizes, const OpOptions& options,
                const Target& target, const TuneOptions& t, const TuneHooks& hooks = {});

/// tune() for the host.
TuneResult tune(const Op& op, const OpSizes& sizes, const OpOptions& options,
                const TuneOptions& t);

/// Where stored measurements were taken: the host with a thread count, or
/// a GPU (whose key has the device in place of the CPU and threads).
struct MeasuredOn {
  int threads = 0;                   ///< host: the thread count
  std::optional<GpuFingerprint> gpu;  ///< set: that GPU
  static MeasuredOn host(int threads) { return {threads, std::nullopt}; }
  static MeasuredOn device(const GpuFingerprint& g) { return {0, g}; }
};

/// The workload key of op at these sizes for `target` measured `on` (for
/// a GPU, "cuda" takes the device's SM; throws UserError for a target newer
/// than the device).
WorkloadKey tuning_workload(const Op& op, const OpSizes& sizes, const OpOptions& options,
                            const Target& target, const MeasuredOn& on);

/// The database's best record for that workload, or nothing when it was
/// never tuned. The one lookup behind `--schedule tuned`, db and packages.
std::optional<TuningRecord> tuned_record(TuningDatabase& db, const Op& op, const OpSizes& sizes,
                                         const OpOptions& options, const Target& target,
                                         const MeasuredOn& on);

/// `target` with the device's SM version when it names none ("cuda").
/// Throws UserError when it names an SM newer than the device's, whose
/// kernels the device could not load.
Target resolve_gpu_target(const Target& target, const GpuFingerprint& gpu);

}  // namespace kiln
