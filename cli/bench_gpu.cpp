// `kiln bench OP --target cuda[ -arch=sm_XX]`: compile with NVRTC, verify on
// the GPU against the reference interpreter, time with CUDA events. Every
// figure printed is measured here; without a device the command says so
// and exits 1.
#include "cli/bench_gpu.h"

#include <cstdio>
#include <iostream>

#include "autotune/tuner.h"
#include "autotune/verify.h"
#include "cli/common.h"
#include "codegen/cuda/cuda_kernel.h"
#include "codegen/llvm/host_target.h"
#include "runtime/cuda_driver.h"

namespace kiln::cli {

int run_gpu_bench(const GpuBenchArgs& a) {
  const Workload w = make_workload(a.op, a.shape, a.dtype);
  Target target = parse_target(a.target);
  // Checked before compiling: the answer to "why no figures" comes first.
  const cuda::DeviceInfo device = cuda::device_info();
  if (target.sm == 0) target.sm = device.sm;
  const GpuFingerprint gpu{device.name, device.sm, device.driver_version};
  const Schedule sch = a.schedule == "tuned" ? tuned_schedule(w, target, MeasuredOn::device(gpu), a.db)
                                             : load_schedule(w, target, a.schedule);

  double t0 = now_ms();
  const std::shared_ptr<const CudaKernel> kernel = CudaKernel::compile(sch, target);
  const double compile_ms = now_ms() - t0;

  std::vector<Buffer> args;
  const Verification v = verify_kernel(
      *w.op, w.def, w.sizes, [&](const std::vector<Buffer>& a) { kernel->run(a); }, &args);
  const double err = v.max_rel_err, tolerance = v.tolerance;
  const bool verified = v.ok();

  nlohmann::json j = {{"op", w.op->name()},
                      {"shape", shape_json(w)},
                      {"dtype", w.options.at("dtype")},
                      {"target", target.str()},
                      {"device", device.name},
                      {"sm", device.sm},
                      {"driver_version", device.driver_version},
                      {"schedule_source", a.schedule},
                      {"compile_ms", compile_ms},
                      {"nvrtc_ms", kernel->nvrtc_ms()},
                      {"kernels", kernel->program().kernels.size()},
                      {"verified", verified},
                      {"max_rel_err", err},
                      {"tolerance", tolerance}};
  if (!verified) {
    if (a.json) std::cout << j.dump() << std::endl;
    std::cerr << "kiln: verification failed for " << w.op->name() << " " << shape_string(w)
              << " on " << device.name << " with schedule " << a.schedule
              << ": max relative error " << err << " against the reference interpreter exceeds "
              << "the tolerance " << tolerance << "; this is a kiln bug, please report it\n";
    return 1;
  }
  const GpuTiming t = kernel->time(args, a.repeat > 0 ? a.repeat : 20);
  const double gflops = w.op->flops(w.sizes, w.options) / (t.median_ms * 1e6);
  const double gbps = w.op->bytes(w.sizes, w.options) / (t.median_ms * 1e6);
  j["median_ms"] = t.median_ms;
  j["min_ms"] = t.min_ms;
  j["repeats"] = t.repeats;
  j["gflops"] = gflops;
  j["gbps"] = gbps;
  if (a.json) {
    std::cout << j.dump() << std::endl;
    return 0;
  }
  std::printf("%s %s %s on %s (sm_%d, driver %d), schedule: %s\n", w.op->name().c_str(),
              shape_string(w).c_str(), w.options.at("dtype").c_str(), device.name.c_str(),
              device.sm, device.driver_version, a.schedule.c_str());
  std::printf("  compile:  %.1f ms (NVRTC %.1f ms), %zu kernel%s\n", compile_ms, kernel->nvrtc_ms(),
              kernel->program().kernels.size(), kernel->program().kernels.size() == 1 ? "" : "s");
  std::printf("  verified: max relative error %.2g (tolerance %.0e)\n", err, tolerance);
  std::printf("  time:     median %.3f ms, min %.3f ms over %d runs (CUDA events)\n", t.median_ms,
              t.min_ms, t.repeats);
  std::printf("  speed:    %.1f GFLOP/s, %.1f GB/s\n", gflops, gbps);
  return 0;
}

}  // namespace kiln::cli
