#pragma once
/// \file
/// The lowering passes, one file each, run in order by lower.cpp. The
/// first steps work on the schedule's data (check_gpu_schedule,
/// infer_bounds); build_loop_nests makes the IR the other passes rewrite.

#include <map>
#include <string>
#include <vector>

#include "base/target.h"
#include "dsl/ir.h"
#include "schedule/lowered_func.h"
#include "schedule/passes/infer_bounds.h"
#include "schedule/schedule.h"

namespace kiln {

/// Loop nests for every stage from its plan (infer_bounds): root stages in
/// producer order, attached stages inside their consumer's loop, reduction
/// init before the outermost reduction loop. Inlined stages have no nest;
/// their consumers still read them. Split tails are guarded with
/// `if (likely(...))` at the innermost loop they depend on. Software
/// prefetches (Schedule::prefetch) open the body of their loop, one
/// `prefetch(T[...])` per cache line, when `with_prefetches` (CPU targets).
/// Output: For, Realize (intermediates), TensorStore, TensorLoad.
Stmt build_loop_nests(const Schedule& sch, const StagePlans& plans, bool with_prefetches = true);

/// Replaces every read of an inlined stage (compute_inline) by that
/// stage's body at the read's indices, again inside what it substituted,
/// so no read of an inlined stage remains.
Stmt inline_stages(const Stmt& s, const Schedule& sch);
/// The same for one expression (undefined stays undefined): what it reads
/// through inlined stages, as infer_bounds needs to know before any IR.
Expr inline_stages(const Expr& e, const Schedule& sch);

/// Splits loops around likely() guards into a prologue, a steady part where
/// the guards are proved true and removed, and an epilogue, so the inner
/// loops of the steady part carry no conditions.
Stmt partition_tails(const Stmt& s);

/// Realize -> Allocate and TensorLoad/TensorStore -> Load/Store with
/// row-major strides (relative to each Realize's minimums), or in the
/// stage's storage layout when `layouts` has one (transform_layout). Input
/// and output tensors (args) become flat buffers named after them.
Stmt flatten_storage(const Stmt& s, const std::vector<BufferArg>& args,
                     const std::map<std::string, std::vector<StorageDim>>& layouts = {});

/// Replaces each Vectorized loop of constant extent by vector code (Ramp,
/// Broadcast, vector loads/stores). Bodies it cannot vectorize (an inner
/// condition that depends on the lane) become serial loops.
Stmt vectorize_loops(const Stmt& s);

/// The most IR nodes a kernel may have once its unrolled loops are copied
/// out (each unrolled loop of extent n counts its body n times). The
/// largest default schedule, the CUDA matmul, has 140k (NVRTC: about 1 s);
/// the largest CPU one, conv2d, 39k. A CPU kernel of 115k nodes took 3 s to
/// JIT on a 2-core host.
constexpr int64_t kMaxKernelNodes = 200000;

/// The kernel's size as check_code_size counts it: IR nodes, an unrolled
/// loop of constant extent n counting its body n times.
int64_t kernel_code_size(const Stmt& s);

/// Refuses, naming the unrolled loops, a kernel larger than kMaxKernelNodes
/// after unrolling; runs before unroll_loops, so nothing large is built.
/// Returns s unchanged.
Stmt check_code_size(const Stmt& s);

/// Replaces each Unrolled loop of constant extent by copies of its body.
Stmt unroll_loops(const Stmt& s);

// --- CUDA targets

/// Refuses, with a ScheduleError naming the primitive, stage and loop, a
/// schedule that cannot become CUDA kernels: a root stage (a kernel) with no
/// blockIdx-bound loop or with loops outside its block loops, blockIdx bound
/// inside a kernel, a global stage computed inside a kernel, a local stage
/// with thread-bound loops, a shared reduction whose threads would race.
void check_gpu_schedule(const Schedule& sch);

/// Chooses the memory of every intermediate whose scope is Auto: at root,
/// global (Heap); inside a kernel, Shared when the stage binds threadIdx
/// (a cooperative load) and Local otherwise.
Stmt gpu_storage_scopes(const Stmt& s, const Schedule& sch);

/// Refuses kernels the device cannot run, after bounds inference: a
/// thread-bound loop whose extent is not a constant, more threads per block
/// than the target allows, shared memory above its limit, local arrays of
/// varying size. Returns s unchanged.
Stmt check_gpu_launch(const Stmt& s, const Target& target);

/// Inserts gpu_barrier() between a write of shared memory and a later read
/// of it by other threads (and before a loop's next iteration overwrites
/// what the previous one read). Refuses a barrier that some threads of a
/// block would skip (under a thread-dependent condition).
Stmt insert_gpu_barriers(const Stmt& s);

}  // namespace kiln
