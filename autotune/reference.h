#pragma once
/// \file
/// The outputs every tuning candidate is compared with: those of the op's
/// default CPU kernel on the measurement inputs (make_measure_args), checked
/// once against the reference interpreter.
///
/// Nothing of it runs in the tuning process: one forked worker runs the
/// kernel, copies its outputs into memory shared with the tuner, then
/// checks them with the interpreter. A default that crashes or hangs costs
/// the tuner its reference, never its life. An interpreter check that
/// overruns (point checks of large reductions are slow) leaves the outputs
/// trusted unchecked.

#include <vector>

#include "autotune/measure.h"
#include "codegen/llvm/jit.h"
#include "ops/op.h"

namespace kiln {

struct Reference {
  std::vector<Buffer> outputs;  ///< empty: none (each check then uses the interpreter)
  bool checked = false;         ///< the interpreter agreed with them
  /// The worker's outcome: "ok", "invalid" (the kernel is wrong), "timeout"
  /// (the check overran; outputs kept when the kernel had finished),
  /// "crash", "error".
  MeasureResult verdict;
};

/// Runs `kernel` (the op's default CPU kernel for def at sizes) in a worker
/// within timeout_s. A null kernel gives no reference. `fault` is the test
/// hook of MeasureOptions::fault ("crash", "hang"; KILN_TUNE_TEST_FAULT's
/// trial 0 is the reference).
Reference make_reference(const CompiledKernel* kernel, const Op& op, const ComputeDef& def,
                         const OpSizes& sizes, double timeout_s, const std::string& fault = "");

}  // namespace kiln
