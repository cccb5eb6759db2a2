#pragma once
/// \file
/// One-off GPU measurements, each through a GpuRunner (autotune/gpu_runner.h):
/// a process started with exec, so they work in any process, also one that
/// has compiled with NVRTC or used CUDA itself. The tuner keeps one runner
/// for a whole search instead.

#include "autotune/measure.h"
#include "autotune/workload.h"
#include "codegen/cuda/cuda_kernel.h"
#include "ops/op.h"

namespace kiln {

/// The GPU a runner sees (device 0). Throws UserError ("no CUDA
/// device/driver found: ...") when there is none.
GpuFingerprint probe_gpu();

/// The launch plan of `kernel` for the workload's sizes (buffers of the
/// definition's shapes; their contents are not read).
GpuLaunchPlan workload_plan(const CudaKernel& kernel, const ComputeDef& def, const OpSizes& sizes);

/// Runs `kernel` on random_inputs(def, sizes) in a runner of its own: the
/// first run compared with options.expected (or op.check when unset) when
/// options.check is set, then timed with CUDA events. Statuses as
/// GpuRunner::measure.
MeasureResult measure_gpu(const CudaKernel& kernel, const Op& op, const OpSizes& sizes,
                          const OpOptions& options, const MeasureOptions& measure);

}  // namespace kiln
