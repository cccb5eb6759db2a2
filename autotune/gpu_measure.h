#pragma once
/// \file
/// Measuring CUDA candidates for the tuner, each in its own worker process.
///
/// Why a worker per candidate: a kernel that faults (an illegal address, a
/// trap) leaves the CUDA context unusable for every later launch of the
/// process, and a kernel that never ends holds the GPU. In a fork()ed child
/// such a candidate costs one failed trial; the tuner carries on.
///
/// CUDA cannot be used in a child fork()ed after the parent called cuInit,
/// so the tuning process itself never touches the driver: the device is
/// asked for in a worker too (probe_gpu), and only workers initialize CUDA.
/// NVRTC needs no driver, so the parent compiles. In a process that did
/// initialize CUDA before (cuda::initialized(), e.g. a test binary that
/// launched kernels) both fall back to running in-process: a faulting
/// candidate then fails every later trial, but nothing crashes.

#include <string>
#include <vector>

#include "autotune/measure.h"
#include "autotune/workload.h"
#include "codegen/cuda/cuda_kernel.h"
#include "ops/op.h"

namespace kiln {

/// The GPU the workers would use (device 0), asked in a worker. Throws
/// UserError ("no CUDA device/driver found: ...") when there is none.
GpuFingerprint probe_gpu();

/// Runs `kernel` on random_inputs(def, sizes) (the same inputs every time)
/// in a worker: the first run's outputs are compared with
/// options.expected (or op.check when unset) when options.check is set,
/// then it is timed with CUDA events (one warm-up launch, then repeats;
/// the median). Statuses as measure_in_worker: "ok", "invalid", "crash"
/// (the worker died, or the driver refused the module or the launch),
/// "timeout", "error".
MeasureResult measure_gpu(const CudaKernel& kernel, const Op& op, const ComputeDef& def,
                          const OpSizes& sizes, const MeasureOptions& options);

}  // namespace kiln
