#pragma once
/// \file
/// A lowered function for a CUDA target, cut into kernel launches.
///
/// Lowering for CUDA leaves one loop nest per root stage at the top of the
/// body, each with its loops bound to blockIdx/threadIdx, and global
/// Allocates around them for root intermediates. Each top-level nest is one
/// kernel; each such Allocate is a temporary device buffer that the runtime
/// allocates before the launches.

#include <array>
#include <string>
#include <vector>

#include "base/target.h"
#include "schedule/lower.h"

namespace kiln {

/// One __global__ function and how to launch it.
struct GpuKernel {
  std::string name;  ///< "<func>_<stage>", a C identifier
  Stmt body;         ///< the nest, GPU-bound loops included
  /// Grid size per dimension (x, y, z): the extent of the loop bound to
  /// blockIdx.x/y/z, an expression of size vars; 1 when none.
  std::array<Expr, 3> grid;
  /// Threads per block per dimension: the largest extent bound to each
  /// threadIdx index; 1 when none.
  std::array<int64_t, 3> block{1, 1, 1};
  /// Buffers the kernel touches (function arguments and temporaries), in
  /// the function's argument order then temporaries' order.
  std::vector<std::string> buffers;
  /// Buffers it stores to (a subset of buffers).
  std::vector<std::string> written;
  /// Size vars it uses, in the function's order (passed as 64-bit ints).
  std::vector<std::string> size_vars;
  int64_t threads() const { return block[0] * block[1] * block[2]; }
};

/// A global buffer the launches share: a root intermediate.
struct GpuTemp {
  std::string name;
  Type type;
  Expr elements;  ///< number of elements, in size vars
};

/// A function ready for CUDA: its kernels in launch order.
struct GpuProgram {
  LoweredFunc func;
  std::vector<GpuTemp> temps;
  std::vector<GpuKernel> kernels;
};

/// Lowers `sch` for a CUDA target (the GPU passes of the pipeline) and cuts
/// the result into kernels. Throws ScheduleError/UserError for schedules a
/// GPU cannot run. `target` must be a CUDA target.
GpuProgram lower_gpu(const Schedule& sch, const Target& target, const std::string& name = "");

/// Cuts an already lowered CUDA function into kernels.
GpuProgram split_gpu_kernels(const LoweredFunc& f);

}  // namespace kiln
