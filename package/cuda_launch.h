#pragma once
/// \file
/// The CUDA half of a package for a GPU target: each kernel's PTX (from
/// codegen/cuda and NVRTC) embedded in the library, and generated C that
/// loads libcuda at run time (dlopen, so the library also loads on machines
/// without a GPU), loads the PTX into the primary context of the tensors'
/// device once, allocates the program's temporaries and launches its
/// kernels on the default stream (asynchronous, like any CUDA library call).
/// Kernel handles and scratch buffers for the programs' temporaries are kept
/// per device and reused, so a call costs its checks and its launches.

#include <string>

#include "codegen/cuda/gpu_program.h"
#include "package/plan.h"

namespace kiln {

/// A kernel of a CUDA package, compiled.
struct CudaKernelCode {
  GpuProgram program;
  std::string ptx;
};

/// Lowers k for the plan's CUDA target and compiles it to PTX. Throws
/// UserError when NVRTC is missing or refuses the source.
CudaKernelCode compile_cuda_kernel(const PackageKernel& k, const Target& target);

/// C helpers every CUDA wrapper holds: the driver API loaded with dlopen,
/// per-device module loading (one slot per kernel: `kernels` of them),
/// error messages. Uses fail() and @P@_ERROR_CUDA of the wrapper prelude.
std::string cuda_wrapper_prelude(int kernels);

/// The static launcher of one kernel:
///   static int launch_<symbol>(int device, const int64_t* s, CUdeviceptr <arg>...)
/// where s holds the function's sizes in its binding order. `index` numbers
/// the kernel among the package's CUDA kernels (its module slot).
std::string cuda_launcher(const PackageFunction& fn, const PackageKernel& k,
                          const CudaKernelCode& code, int index);

}  // namespace kiln
