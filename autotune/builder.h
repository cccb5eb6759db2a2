#pragma once
/// \file
/// The two halves of measuring a candidate, as in TVM's builder/runner
/// split: a Builder turns candidate schedules into compiled artifacts (the
/// slow, parallel part), a Runner turns an artifact into a verified timing
/// (the isolated part). The tuner (autotune/tuner.h) picks both by target:
///
///   target   Builder                          Runner
///   llvm     CpuBuilder: LLVM JIT, 2 threads  CpuRunner: a forked worker per
///                                             candidate (autotune/measure.h)
///   cuda     GpuBuilder: NVRTC to a cubin,    GpuRunner: one kiln-runner
///            one thread per core (up to 16)   process started with exec,
///                                             kept across candidates
///                                             (autotune/gpu_runner.h)

#include <memory>
#include <string>
#include <vector>

#include "autotune/measure.h"
#include "autotune/search.h"
#include "codegen/cuda/cuda_kernel.h"
#include "codegen/llvm/jit.h"
#include "ops/op.h"

namespace kiln {

/// A compiled candidate; only its target's Runner looks inside.
struct Artifact {
  virtual ~Artifact() = default;
};

/// A JIT-compiled CPU kernel.
struct CpuArtifact : Artifact {
  std::shared_ptr<const CompiledKernel> kernel;
};

/// A CUDA kernel and its launches at the workload's sizes.
struct GpuArtifact : Artifact {
  std::shared_ptr<const CudaKernel> kernel;
  GpuLaunchPlan plan;
};

struct BuildResult {
  std::shared_ptr<const Artifact> artifact;  ///< null when the build failed
  std::string error;                         ///< why it failed
  double compile_ms = 0;
};

class Builder {
 public:
  virtual ~Builder() = default;
  /// Builds every candidate (in parallel where the target allows), in order.
  virtual std::vector<BuildResult> build(const std::vector<Candidate>& batch) = 0;
  /// Builds one schedule (the default, a stored trace).
  BuildResult build(const Schedule& schedule);
};

class Runner {
 public:
  virtual ~Runner() = default;
  /// Runs an artifact of this Runner's target on the workload: the first
  /// run checked against the reference (options.check), then timed.
  /// Never throws for a candidate's failure: it is the result's status.
  virtual MeasureResult run(const Artifact& artifact, const MeasureOptions& options) = 0;
};

/// The CPU pair. The Runner measures on random_inputs(def, sizes).
class CpuBuilder : public Builder {
 public:
  explicit CpuBuilder(const Target& target) : target_(target) {}
  using Builder::build;
  std::vector<BuildResult> build(const std::vector<Candidate>& batch) override;

 private:
  Target target_;
};

class CpuRunner : public Runner {
 public:
  CpuRunner(const Op& op, const ComputeDef& def, const OpSizes& sizes)
      : op_(op), def_(def), sizes_(sizes) {}
  MeasureResult run(const Artifact& artifact, const MeasureOptions& options) override;

 private:
  const Op& op_;
  const ComputeDef& def_;
  OpSizes sizes_;
};

/// The GPU Builder: NVRTC for every candidate on up to 16 threads, to a
/// cubin for the device's own SM (no JIT in the runner) or PTX for an
/// older target; then the launch plan at the workload's sizes.
class GpuBuilder : public Builder {
 public:
  GpuBuilder(const Target& target, CudaImage image, const ComputeDef& def, const OpSizes& sizes);
  using Builder::build;
  std::vector<BuildResult> build(const std::vector<Candidate>& batch) override;

 private:
  Target target_;
  CudaImage image_;
  /// Buffers of the workload's shapes, for the launch plans (made once:
  /// only their shapes are read).
  std::vector<Buffer> shape_args_;
};

}  // namespace kiln
