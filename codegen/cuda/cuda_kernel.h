#pragma once
/// \file
/// A schedule compiled for a CUDA target: lowered, printed as CUDA C,
/// compiled to PTX with NVRTC (all without a GPU), and run through the
/// driver API when a device is present.
///
///   auto k = CudaKernel::compile(sch, parse_target("cuda -arch=sm_90"));
///   k->run({A, B, C});   // host buffers in, outputs copied back

#include <memory>
#include <string>
#include <vector>

#include "codegen/cuda/gpu_program.h"
#include "codegen/cuda/launch_plan.h"
#include "runtime/buffer.h"

namespace kiln {

/// Times of repeated launches of a whole program, from CUDA events.
struct GpuTiming {
  double median_ms = 0, min_ms = 0;
  int repeats = 0;
};

/// What a CudaKernel is compiled to: PTX (portable to later GPUs, JIT-
/// compiled by the driver at load) or a cubin for the target's SM exactly.
enum class CudaImage { Ptx, Cubin };

class CudaKernel {
 public:
  /// Lowers, generates and compiles (NVRTC, cached); throws ScheduleError
  /// for schedules a GPU cannot run and UserError when NVRTC is missing.
  static std::shared_ptr<const CudaKernel> compile(const Schedule& sch, const Target& target,
                                                   const std::string& name = "",
                                                   CudaImage image = CudaImage::Ptx);

  const GpuProgram& program() const { return program_; }
  const std::string& source() const { return source_; }
  /// The module the driver loads: PTX text or a cubin, as compiled.
  const std::string& image() const { return image_; }
  CudaImage image_kind() const { return image_kind_; }
  /// NVRTC time of this compile (0 when the module cache had it).
  double nvrtc_ms() const { return nvrtc_ms_; }
  const Target& target() const { return target_; }

  /// Runs on host buffers (inputs then outputs, as LoweredFunc::args):
  /// copies them to the device, launches every kernel in order, copies the
  /// outputs back. Throws UserError ("no CUDA device/driver found") without
  /// a GPU, and for buffers that do not match the arguments.
  void run(const std::vector<Buffer>& args) const;

  /// Copies once, launches the program `warmup` + `repeats` times and
  /// returns the event-timed median and minimum of the timed runs.
  GpuTiming time(const std::vector<Buffer>& args, int repeats = 10, int warmup = 1) const;

  /// The program at concrete sizes, for a process that only launches:
  /// `args` are checked as run() checks them (only their shapes and dtypes
  /// are read). Throws UserError for buffers that do not match.
  GpuLaunchPlan plan(const std::vector<Buffer>& args) const;

 private:
  CudaKernel() = default;
  GpuLaunchPlan plan_for_sizes(const std::vector<int64_t>& sizes) const;

  Target target_;
  GpuProgram program_;
  std::string source_, image_;
  CudaImage image_kind_ = CudaImage::Ptx;
  double nvrtc_ms_ = 0;
};

}  // namespace kiln
