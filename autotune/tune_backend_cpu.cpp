// The host CPU as a tuning target: SearchSpace and EvolutionarySearch on IR
// features, the LLVM JIT Builder and forked-worker Runner.
#include "autotune/features.h"
#include "autotune/trial_loop.h"
#include "autotune/tune_backend.h"
#include "codegen/llvm/host_target.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

class CpuTuneBackend : public TuneBackend {
 public:
  CpuTuneBackend(const Op& op, const OpSizes& sizes, const OpOptions& options,
                 const ComputeDef& def, int threads, const TuneOptions& t)
      : op_(op),
        space_(SearchSpace::generate(def, host_target(), threads)) {
    target_ = host_target();
    threads_ = threads;
    workload_ = make_workload_key(op, def, sizes, options, target_, threads);
    default_schedule_ = std::make_shared<const Schedule>(op.default_schedule(def, target_));
    default_knobs_ = space_.default_values();
    SearchOptions so;
    so.batch = std::max(1, t.batch);
    so.seed = t.seed;
    search_ = std::make_unique<EvolutionarySearch>(space_, op.name(), so);
    builder_ = std::make_unique<CpuBuilder>(target_);
    runner_ = std::make_unique<CpuRunner>(op, def, sizes);
  }

  void warm_start(TuningDatabase& db, CostModel& model) override {
    auto& search = static_cast<EvolutionarySearch&>(*search_);
    auto visit = [&](const WorkloadKey& w, const ComputeDef& def,
                     const std::vector<TuningRecord>& records, size_t left) {
      size_t used = 0;
      for (const TuningRecord& r : records) {
        if (used >= left) break;
        try {
          const Schedule s = Schedule::replay(def, Trace::from_json(r.trace_json));
          const double speed = record_speed(r);
          std::vector<double> features;
          lower_with_features(s, &features);
          const KnobValues& knobs = r.knobs;
          // Knob values as features too (the same names for every size of an op).
          const std::vector<double> kv = space_.knob_vector(knobs);
          features.insert(features.end(), kv.begin(), kv.end());
          model.add(w.key, features, speed);
          ++used;
          if (w.key == workload_.key && !knobs.empty()) search.report(knobs, speed);
        } catch (const std::exception&) {
          // A trace from an older space or kiln that no longer replays.
        }
      }
      return used;
    };
    for_each_warm_start_workload(db, op_, workload_, /*same_hardware=*/false, visit);
  }

  std::shared_ptr<const CompiledKernel> reference_kernel(const BuildResult& default_build) override {
    if (!default_build.artifact) return nullptr;
    return static_cast<const CpuArtifact&>(*default_build.artifact).kernel;
  }
  bool reference_is_the_default() const override { return true; }
  double setup_s() const override { return 2.0; }
  bool wants_prepared_args() const override { return true; }
  bool builds_while_measuring() const override { return false; }

 private:
  const Op& op_;
  SearchSpace space_;
};

}  // namespace

std::unique_ptr<TuneBackend> make_cpu_backend(const Op& op, const OpSizes& sizes,
                                              const OpOptions& options, const ComputeDef& def,
                                              int threads, const TuneOptions& t) {
  return std::make_unique<CpuTuneBackend>(op, sizes, options, def, threads, t);
}

}  // namespace kiln
