#pragma once
/// \file
/// A compiled CUDA program at concrete sizes: the module and every launch
/// with its grid, block, buffers and size arguments already evaluated.
///
/// This is what the GPU Builder hands the GPU Runner (autotune/gpu_runner.h):
/// plain data, with no IR, so it crosses a socket (autotune/runner_wire.h) to a measuring process that
/// never lowers or compiles anything. Buffers are numbered as the kernel's
/// arguments (inputs then outputs) followed by the program's temporaries.
///
///   GpuLaunchPlan plan = kernel->plan(check_kernel_args(func, args));
///   for (const GpuLaunch& l : plan.launches) ... cuda::launch(...)

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/cuda_driver.h"

namespace kiln {

/// One kernel launch: params are the pointers of `buffers` then the 64-bit
/// `sizes`, in that order (how codegen_cuda declares every __global__).
struct GpuLaunch {
  std::string kernel;  ///< the __global__ function's name in the PTX
  std::array<int64_t, 3> grid{1, 1, 1};
  std::array<int64_t, 3> block{1, 1, 1};
  std::vector<int> buffers;    ///< indices: arguments, then temporaries
  std::vector<int64_t> sizes;  ///< size-var values it takes
};

struct GpuLaunchPlan {
  std::string image;  ///< the module: PTX text or a cubin (cuModuleLoadData takes both)
  int num_args = 0;                  ///< buffers [0, num_args) are the arguments
  std::vector<int64_t> temp_bytes;   ///< buffer num_args + i is temporary i
  std::vector<GpuLaunch> launches;   ///< in order
};

/// A plan's module loaded into the current context with its functions
/// looked up, ready to launch on device buffers. Throws UserError ("CUDA
/// module load (PTX JIT) failed: ...") when the driver refuses the module.
class LoadedPlan {
 public:
  explicit LoadedPlan(const GpuLaunchPlan& plan);
  /// Launches every kernel in order (asynchronously) on `buffers`: device
  /// addresses of the arguments then the temporaries.
  void launch(const std::vector<uint64_t>& buffers) const;

 private:
  const GpuLaunchPlan& plan_;
  cuda::Module module_;
  std::vector<void*> functions_;
};

}  // namespace kiln
