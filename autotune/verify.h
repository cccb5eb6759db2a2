#pragma once
/// \file
/// Whether a kernel computes its op: the one check behind `kiln bench`,
/// `kiln db verify` and the tuner's runners (CPU workers, the GPU runner).
///
///   Verification v = verify_kernel(op, def, sizes, [&](auto& args) { kernel->run(args); });
///   if (!v.ok()) ... v.max_rel_err, v.tolerance

#include <functional>
#include <vector>

#include "autotune/worker_process.h"
#include "ops/op.h"

namespace kiln {

struct Verification {
  /// The largest relative error over every output element (HUGE_VAL for a
  /// NaN or a shape mismatch).
  double max_rel_err = 0;
  double tolerance = 0;  ///< op.tolerance(def)
  bool ok() const { return max_rel_err <= tolerance; }
};

/// Checks `outputs` computed from `inputs`: against `expected` when given
/// (outputs of a kernel checked once before, as the tuner's reference), else
/// against the op's reference (op.check, the interpreter).
Verification verify_outputs(const Op& op, const ComputeDef& def, const std::vector<Buffer>& inputs,
                            const std::vector<Buffer>& outputs,
                            const std::vector<Buffer>* expected = nullptr);

/// Runs a kernel once through `run` on make_measure_args(def, sizes) (the
/// tuner's random inputs; outputs full of garbage, so a kernel that skips
/// elements fails) and verifies it against the op's reference. `*args`,
/// when given, receives the arguments (inputs then outputs) for timing.
Verification verify_kernel(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                           const std::function<void(const std::vector<Buffer>&)>& run,
                           std::vector<Buffer>* args = nullptr);

}  // namespace kiln
