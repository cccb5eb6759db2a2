#pragma once
/// \file
/// Features of a lowered kernel for the cost model: one fixed-length vector
/// per kernel, read from the loop-nest IR after lowering (so vectorization,
/// unrolling, tails and attached stages are what the code really does).
///
/// Each innermost store is described by the loops around it: its iteration
/// count, vector width, innermost extent, unrolled work, parallel work, the
/// bytes its loads and store touch inside each of the innermost loop levels
/// (the working set a cache must hold), arithmetic intensity and reuse. The
/// kernel's vector holds the heaviest store's description (most iterations)
/// and totals over every store. Counts enter as log2(1 + x): the model
/// splits on thresholds, and ratios matter more than differences.

#include <string>
#include <vector>

#include "schedule/lowered_func.h"
#include "schedule/schedule.h"

namespace kiln {

/// The names of the features, in vector order (for logs and tests).
const std::vector<std::string>& feature_names();

/// The feature vector of a kernel (feature_names().size() values).
std::vector<double> extract_features(const LoweredFunc& f);

/// Lowers s completely (the result is what gets compiled) and sets
/// *features from the IR just before loops are unrolled: unrolled loops
/// are still loops there, so their extents count as unrolling.
LoweredFunc lower_with_features(const Schedule& s, std::vector<double>* features);

}  // namespace kiln
