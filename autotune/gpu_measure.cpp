// One-off GPU measurements through a runner process. See gpu_measure.h.
#include "autotune/gpu_measure.h"

#include "autotune/gpu_runner.h"
#include "dsl/interpreter.h"

namespace kiln {

GpuFingerprint probe_gpu() {
  GpuRunner runner;
  return runner.device();
}

GpuLaunchPlan workload_plan(const CudaKernel& kernel, const ComputeDef& def, const OpSizes& sizes) {
  std::vector<Buffer> args;
  for (const Tensor& t : def.inputs()) args.emplace_back(t.dtype(), concrete_shape(t.shape(), sizes));
  for (const Tensor& t : def.outputs())
    args.emplace_back(t.dtype(), concrete_shape(t.shape(), sizes));
  return kernel.plan(args);
}

MeasureResult measure_gpu(const CudaKernel& kernel, const Op& op, const OpSizes& sizes,
                          const OpOptions& options, const MeasureOptions& measure) {
  GpuRunner runner;
  runner.set_workload(op, sizes, options, measure.expected);
  return runner.measure(workload_plan(kernel, op.define(sizes, options), sizes), measure);
}

}  // namespace kiln
