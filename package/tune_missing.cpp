// Tuning for packages: the tuner (autotune/tuner.h) measures on this machine and stores every trial in the
// database; kernel selection then finds the best there, as for any tuned
// workload.
#include "package/tune_missing.h"

#include "autotune/tuner.h"
#include "base/error.h"
#include "codegen/llvm/host_target.h"

namespace kiln {

void tune_workload(const Op& op, const OpSizes& sizes, const OpOptions& options,
                   const Target& target, int threads, double budget_s, const std::string& db_path,
                   const std::optional<GpuFingerprint>& gpu) {
  TuneOptions t;
  t.time_budget_s = budget_s;
  t.db_path = db_path;
  if (target.kind == Target::Kind::CUDA) {
    TuneHooks hooks;
    hooks.device = gpu;
    tune(op, sizes, options, target, t, hooks);
    return;
  }
  if (target.kind != Target::Kind::LLVM || target.str() != host_target().str()) {
    user_error << "--tune-missing measures on this machine, so it tunes for the host only; target '"
               << target.str() << "' is not the host: tune on the target machine with `kiln tune` "
               << "and pass its database with --db";
  }
  t.threads = threads;
  tune(op, sizes, options, t);
}

}  // namespace kiln
