#pragma once
/// \file
/// Workload keys: what identifies "this op, at these sizes and options, for
/// this target, on this machine" in the tuning database. Two runs that
/// would measure the same thing get the same key, in any process; a change
/// in any ingredient gives another key.
///
///   WorkloadKey w = make_workload_key(op, def, sizes, options, Target::host(), num_threads());
///   db.add_workload(w);

#include <string>

#include "autotune/database.h"
#include "codegen/target.h"
#include "dsl/compute.h"
#include "ops/op.h"

namespace kiln {

/// The key of `op` at concrete `sizes` and `options` (resolved: every
/// parameter and option present), whose definition is `def`, compiled for
/// `target` and run with `threads` threads (<= 0: the current thread
/// count) on this host. The digest covers the structural hash of `def`
/// (every stage's body, shape, dtype and axes), the sizes, the options, the
/// target string and HardwareFingerprint::host(threads).str().
WorkloadKey make_workload_key(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                              const OpOptions& options, const Target& target, int threads);

/// "M=1024,N=1024,K=1024": every parameter of op in its declaration order.
std::string shape_key(const Op& op, const OpSizes& sizes);
/// "dtype=f32,layout=nchw": every option, sorted by name; may be empty.
std::string options_key(const OpOptions& options);

}  // namespace kiln
