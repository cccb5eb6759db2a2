#pragma once
/// \file
/// `kiln package --tune-missing`: tuning one concrete workload into the
/// tuning database, so kernel selection finds it there.

#include <optional>
#include <string>

#include "autotune/workload.h"
#include "base/target.h"
#include "ops/op.h"

namespace kiln {

/// Tunes op at sizes/options for target with `threads` threads for about
/// budget_s seconds (autotune/tuner.h), storing every measurement in the
/// database at db_path. Throws UserError for a target other than the host
/// (tuning measures here). A CUDA target is tuned on this machine's GPU
/// with tune() for the CUDA target (autotune/tuner.h; `threads` unused): on `gpu` when
/// given (already probed), else on the device it probes, throwing UserError
/// when there is none.
void tune_workload(const Op& op, const OpSizes& sizes, const OpOptions& options,
                   const Target& target, int threads, double budget_s, const std::string& db_path,
                   const std::optional<GpuFingerprint>& gpu = std::nullopt);

}  // namespace kiln
