// A CUDA GPU as a tuning target: GpuSearchSpace and GpuEvolutionarySearch
// on knob-derived features, the NVRTC Builder and the kiln-runner Runner.
#include <algorithm>

#include "autotune/gpu_runner.h"
#include "autotune/gpu_search.h"
#include "autotune/trial_loop.h"
#include "autotune/tune_backend.h"
#include "codegen/cuda/codegen_cuda.h"
#include "codegen/llvm/host_target.h"
#include "schedule/lower.h"

namespace kiln {
namespace {

/// A Runner over TuneHooks::measure, for tests without a GPU.
class HookRunner : public Runner {
 public:
  explicit HookRunner(std::function<MeasureResult(const CudaKernel&, const MeasureOptions&)> f)
      : measure_(std::move(f)) {}
  MeasureResult run(const Artifact& artifact, const MeasureOptions& options) override {
    return measure_(*dynamic_cast<const GpuArtifact&>(artifact).kernel, options);
  }

 private:
  std::function<MeasureResult(const CudaKernel&, const MeasureOptions&)> measure_;
};

class GpuTuneBackend : public TuneBackend {
 public:
  GpuTuneBackend(const Op& op, const OpSizes& sizes, const OpOptions& options,
                 const ComputeDef& def, const Target& target, const TuneOptions& t,
                 const TuneHooks& hooks)
      : op_(op), sizes_(sizes), options_(options), def_(def) {
    // The device before anything else; the runner that answers is the one
    // that measures.
    auto process = std::make_unique<GpuRunner>(hooks.runner_device);
    gpu_ = hooks.device ? *hooks.device : process->device();
    process_ = process.get();
    target_ = resolve_gpu_target(target, gpu_);
    threads_ = 1;
    workload_ = make_gpu_workload_key(op, def, sizes, options, target_, gpu_);
    space_.emplace(GpuSearchSpace::generate(def, target_));
    default_schedule_ = std::make_shared<const Schedule>(op.default_gpu_schedule(def, target_));
    default_knobs_ = space_->default_values();
    SearchOptions so;
    so.batch = std::max(1, t.batch);
    so.seed = t.seed;
    auto search = std::make_unique<GpuEvolutionarySearch>(*space_, target_, op.name(), so);
    try {  // the default is measured once; knob sets that make it again are not proposed
      search->mark_source_seen(codegen_cuda(lower_gpu(*default_schedule_, target_), target_));
    } catch (const std::exception&) {
      // A default the GPU cannot run: its build fails and is recorded.
    }
    search_ = std::move(search);
    // A cubin when the kernels are for the device's own SM: the driver
    // then loads SASS instead of JIT-compiling PTX in the runner.
    builder_ = std::make_unique<GpuBuilder>(
        target_, target_.sm == gpu_.sm ? CudaImage::Cubin : CudaImage::Ptx, def, sizes);
    if (hooks.measure) {
      runner_ = std::make_unique<HookRunner>(hooks.measure);
      owned_process_ = std::move(process);
    } else {
      runner_ = std::move(process);
    }
  }

  void warm_start(TuningDatabase& db, CostModel& model) override {
    auto& search = static_cast<GpuEvolutionarySearch&>(*search_);
    auto visit = [&](const WorkloadKey& w, const ComputeDef& def,
                     const std::vector<TuningRecord>& records, size_t left) -> size_t {
      std::optional<GpuSearchSpace> space;
      try {
        space = GpuSearchSpace::generate(def, target_);
      } catch (const std::exception&) {
        return 0;  // a workload this kiln cannot tune on the GPU any more
      }
      size_t used = 0;
      for (const TuningRecord& r : records) {
        const KnobValues& knobs = r.knobs;
        if (knobs.empty() || used >= left) continue;
        const double speed = record_speed(r);
        model.add(w.key, gpu_features(*space, knobs), speed);
        ++used;
        if (w.key == workload_.key) search.report(knobs, speed);
      }
      return used;
    };
    for_each_warm_start_workload(db, op_, workload_, /*same_hardware=*/true, visit);
  }

  std::shared_ptr<const CompiledKernel> reference_kernel(const BuildResult&) override {
    const Target host = host_target();
    return compile_jit(lower(op_.default_schedule(def_, host)), host);
  }
  bool reference_is_the_default() const override { return false; }
  void use_reference(const std::vector<Buffer>* expected) override {
    process_->set_workload(op_, sizes_, options_, expected);
  }
  // The context, the copies and the check.
  double setup_s() const override { return 10.0; }
  bool wants_prepared_args() const override { return false; }
  // CUDA events time one launch to the microsecond: 30 ms of runs (at
  // least 10) give a stable median; the CPU's 150 ms would make a search
  // of 4 ms matmuls measure one candidate per 0.2 s for timing alone.
  double timing_budget_ms(double asked) const override { return std::min(asked, 30.0); }
  bool builds_while_measuring() const override { return true; }

 private:
  const Op& op_;
  OpSizes sizes_;
  OpOptions options_;
  const ComputeDef& def_;
  GpuFingerprint gpu_;
  std::optional<GpuSearchSpace> space_;
  GpuRunner* process_ = nullptr;            ///< the runner process (runner_ or owned_process_)
  std::unique_ptr<GpuRunner> owned_process_;  ///< kept when a hook measures instead
};

}  // namespace

std::unique_ptr<TuneBackend> make_gpu_backend(const Op& op, const OpSizes& sizes,
                                              const OpOptions& options, const ComputeDef& def,
                                              const Target& target, const TuneOptions& t,
                                              const TuneHooks& hooks) {
  return std::make_unique<GpuTuneBackend>(op, sizes, options, def, target, t, hooks);
}

}  // namespace kiln
