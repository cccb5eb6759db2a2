#pragma once
/// \file
/// The lowering passes, one file each, run in order by lower.cpp.

#include <vector>

#include "dsl/ir.h"
#include "schedule/lowered_func.h"
#include "schedule/schedule.h"

namespace kiln {

/// Loop nests for every stage from its schedule: root stages in producer
/// order, attached stages inside their consumer's loop, inlined stages
/// substituted, each stage's region from bounds inference, reduction init
/// before the outermost reduction loop. Split tails are guarded with
/// `if (likely(...))` at the innermost loop they depend on. Output: For,
/// Realize (intermediates), TensorStore, TensorLoad.
Stmt build_loop_nests(const Schedule& sch);

/// Splits loops around likely() guards into a prologue, a steady part where
/// the guards are proved true and removed, and an epilogue, so the inner
/// loops of the steady part carry no conditions.
Stmt partition_tails(const Stmt& s);

/// Realize -> Allocate and TensorLoad/TensorStore -> Load/Store with
/// row-major strides (relative to each Realize's minimums). Input and
/// output tensors (args) become flat buffers named after them.
Stmt flatten_storage(const Stmt& s, const std::vector<BufferArg>& args);

/// Replaces each Vectorized loop of constant extent by vector code (Ramp,
/// Broadcast, vector loads/stores). Bodies it cannot vectorize (an inner
/// condition that depends on the lane) become serial loops.
Stmt vectorize_loops(const Stmt& s);

/// Replaces each Unrolled loop of constant extent by copies of its body.
Stmt unroll_loops(const Stmt& s);

}  // namespace kiln
