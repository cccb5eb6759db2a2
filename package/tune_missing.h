#pragma once
/// \file
/// `kiln package --tune-missing`: tuning one concrete workload into the
/// tuning database, so kernel selection finds it there.

#include <string>

#include "codegen/target.h"
#include "ops/op.h"

namespace kiln {

/// Tunes op at sizes/options for target with `threads` threads for about
/// budget_s seconds, storing every measurement in the database at db_path.
/// Throws UserError when this kiln has no tuner.
void tune_workload(const Op& op, const OpSizes& sizes, const OpOptions& options,
                   const Target& target, int threads, double budget_s, const std::string& db_path);

}  // namespace kiln
