#pragma once
/// \file
/// Workload keys: what identifies "this op, at these sizes and options, for
/// this target, on this machine" in the tuning database. Two runs that
/// would measure the same thing get the same key, in any process; a change
/// in any ingredient gives another key.
///
///   WorkloadKey w = make_workload_key(op, def, sizes, options, host_target(), num_threads());
///   db.add_workload(w);

#include <string>

#include "autotune/database.h"
#include "codegen/llvm/host_target.h"
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

/// The GPU a CUDA measurement is taken on. It stands in a GPU workload's
/// key where a CPU workload has HardwareFingerprint::host(threads): a
/// kernel's speed depends on the device, its SM version and the driver (its
/// JIT compiles the PTX), not on the host's CPU or thread count.
struct GpuFingerprint {
  std::string device;      ///< "NVIDIA H100 80GB HBM3"
  int sm = 0;              ///< compute capability as 90
  int driver_version = 0;  ///< as 13000 for 13.0
  /// "gpu=NVIDIA H100 80GB HBM3;sm=90;driver=13000": the hashing input,
  /// stored as the workload's hardware.
  std::string str() const;
};

/// The key of `op` at `sizes` and `options` compiled for the CUDA `target`
/// and measured on `gpu`: as make_workload_key with gpu.str() in place of
/// the host's CPU fingerprint, so CPU and GPU workloads never share a key.
WorkloadKey make_gpu_workload_key(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                                  const OpOptions& options, const Target& target,
                                  const GpuFingerprint& gpu);

/// The definition of a stored workload of op (from its typed sizes and
/// options). Throws UserError when this kiln can no longer define it, or
/// its strings could not be read (WorkloadKey::typed_error).
ComputeDef define_stored_workload(const Op& op, const WorkloadKey& w);

/// "M=1024,N=1024,K=1024": every parameter of op in its declaration order.
std::string shape_key(const Op& op, const OpSizes& sizes);
/// "dtype=f32,layout=nchw": every option, sorted by name; may be empty.
std::string options_key(const OpOptions& options);

}  // namespace kiln
