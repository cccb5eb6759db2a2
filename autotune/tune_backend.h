#pragma once
/// \file
/// What the tuner (autotune/tuner.h) needs of a target: the workload key,
/// a search over the target's space, its Builder and Runner
/// (autotune/builder.h), the default schedule, and how stored records warm
/// the cost model. tune() runs one loop over either backend:
///
///   target   space and features                     Builder / Runner
///   llvm     SearchSpace, IR features + knobs       LLVM JIT / forked workers
///   cuda     GpuSearchSpace, knob-derived features  NVRTC cubin / kiln-runner

#include <memory>
#include <optional>
#include <vector>

#include "autotune/builder.h"
#include "autotune/cost_model.h"
#include "autotune/database.h"
#include "autotune/tuner.h"
#include "autotune/workload.h"

namespace kiln {

class TuneBackend {
 public:
  virtual ~TuneBackend() = default;

  const Target& target() const { return target_; }
  const WorkloadKey& workload() const { return workload_; }
  int threads() const { return threads_; }
  const Schedule& default_schedule() const { return *default_schedule_; }
  const KnobValues& default_knobs() const { return default_knobs_; }
  ScheduleSearch& search() { return *search_; }
  Builder& builder() { return *builder_; }
  Runner& runner() { return *runner_; }

  /// Trains `model` on stored records of the same op and target (every
  /// size) and seeds the search with this workload's records.
  virtual void warm_start(TuningDatabase& db, CostModel& model) = 0;
  /// The CPU kernel whose outputs, checked once against the interpreter,
  /// every candidate's are compared with (null when it cannot be built).
  /// `default_build` is this backend's build of the default schedule.
  virtual std::shared_ptr<const CompiledKernel> reference_kernel(const BuildResult& default_build) = 0;
  /// Whether that kernel is the default being tuned (the CPU): a default
  /// the interpreter finds wrong is then recorded so, not measured.
  virtual bool reference_is_the_default() const = 0;
  /// The reference outputs the Runner compares with (null: none, the
  /// Runner checks with the interpreter).
  virtual void use_reference(const std::vector<Buffer>* expected) { (void)expected; }
  /// Seconds a measurement needs beyond the kernel's runs (inputs, copies,
  /// the check): candidate time limits add it.
  virtual double setup_s() const = 0;
  /// The arguments every measurement of the CPU runs on, made once (see
  /// MeasureOptions::prepared); none for the GPU, whose runner makes its own.
  virtual bool wants_prepared_args() const = 0;
  /// Milliseconds of timed runs per candidate (MeasureOptions::budget_ms),
  /// given the caller's.
  virtual double timing_budget_ms(double asked) const { return asked; }
  /// Whether the next batch may be built while this one is measured: true
  /// when building does not disturb measuring (the GPU's runner is another
  /// process on another device); false for the CPU, where compiles would
  /// share the cores being timed and forked workers need no other threads.
  virtual bool builds_while_measuring() const = 0;

 protected:
  Target target_;
  WorkloadKey workload_;
  int threads_ = 1;
  std::shared_ptr<const Schedule> default_schedule_;
  KnobValues default_knobs_;
  std::unique_ptr<ScheduleSearch> search_;
  std::unique_ptr<Builder> builder_;
  std::unique_ptr<Runner> runner_;
};

/// The host CPU with `threads` threads (the pool is resized to it).
std::unique_ptr<TuneBackend> make_cpu_backend(const Op& op, const OpSizes& sizes,
                                              const OpOptions& options, const ComputeDef& def,
                                              int threads, const TuneOptions& t);

/// The GPU: asks the device first (hooks.device, else a runner process),
/// and throws UserError without one or for a target newer than it.
std::unique_ptr<TuneBackend> make_gpu_backend(const Op& op, const OpSizes& sizes,
                                              const OpOptions& options, const ComputeDef& def,
                                              const Target& target, const TuneOptions& t,
                                              const TuneHooks& hooks);

}  // namespace kiln
