// GPU workers (autotune/worker_process.h): CUDA is initialized only in the
// forked child. See gpu_measure.h for why the parent never initializes it.
#include "autotune/gpu_measure.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "autotune/worker_process.h"
#include "dsl/error.h"
#include "runtime/cuda_driver.h"

namespace kiln {
namespace {

/// What a probe worker writes.
struct ProbeWire {
  int ok = 0;
  int sm = 0, driver_version = 0;
  char name[256] = {0};
  char error[512] = {0};
};

/// Seconds a probe may take: creating a context is slow on some machines.
constexpr double kProbeTimeoutS = 60;

void probe_body(ProbeWire& w) {
  const cuda::DeviceInfo d = cuda::device_info();
  std::snprintf(w.name, sizeof w.name, "%s", d.name.c_str());
  w.sm = d.sm;
  w.driver_version = d.driver_version;
  w.ok = 1;
}

/// The measurement itself, in a worker or (see gpu_measure.h) in-process.
void measure_body(MeasureWire& r, const CudaKernel& kernel, const Op& op, const ComputeDef& def,
                  const OpSizes& sizes, const MeasureOptions& options) {
  const MeasureArgs a = make_measure_args(def, sizes);
  if (options.check) {
    kernel.run(a.args);
    if (!check_first_run(op, def, a, options, r)) return;
  }
  if (options.timing) {
    // Without a set count, enough launches to fill about budget_ms (a
    // short timing first): ten 5 us launches are mostly noise.
    int repeat = options.repeat;
    if (repeat <= 0) {
      const GpuTiming first = kernel.time(a.args, 3, 1);
      repeat = static_cast<int>(
          std::clamp(options.budget_ms / std::max(first.median_ms, 1e-3), 10.0, 200.0));
    }
    const GpuTiming t = kernel.time(a.args, repeat, 1);
    r.median_ms = t.median_ms;
    r.min_ms = t.min_ms;
    r.repeats = t.repeats;
  }
  r.ok = 1;
}

}  // namespace

GpuFingerprint probe_gpu() {
  if (cuda::initialized()) {  // a fork()ed child could not use CUDA now
    const cuda::DeviceInfo d = cuda::device_info();
    return {d.name, d.sm, d.driver_version};
  }
  ProbeWire w;
  const WorkerEnd end = run_in_worker(probe_body, kProbeTimeoutS, "GPU worker", &w);
  if (end.kind != WorkerEnd::Kind::Result) {
    user_error << "no CUDA device could be queried: " << end.why
               << "; check the NVIDIA driver with nvidia-smi";
  }
  // The worker's error is the driver's UserError text ("kiln: no CUDA
  // device/driver found: ..."), which says what to do.
  if (!w.ok) throw UserError(w.error);
  return {w.name, w.sm, w.driver_version};
}

MeasureResult measure_gpu(const CudaKernel& kernel, const Op& op, const ComputeDef& def,
                          const OpSizes& sizes, const MeasureOptions& options) {
  MeasureWire w;
  if (cuda::initialized()) {
    // In-process (see gpu_measure.h); the test faults are not simulated.
    try {
      measure_body(w, kernel, op, def, sizes, options);
    } catch (const std::exception& e) {
      std::snprintf(w.error, sizeof w.error, "%s", e.what());
    }
    return measure_result_from_wire(w);
  }
  auto body = [&](MeasureWire& wire) {
    if (options.fault == "crash") ::raise(SIGSEGV);
    if (options.fault == "hang") {
      for (;;) ::pause();
    }
    measure_body(wire, kernel, op, def, sizes, options);
  };
  const WorkerEnd end = run_in_worker(body, options.timeout_s, "GPU worker", &w);
  // No worker (no pipe or fork) is a "crash" here, as it always was for
  // GPU trials; the CPU measurement calls it "error".
  return measure_result(end, w, /*no_worker_status=*/"crash");
}

}  // namespace kiln
