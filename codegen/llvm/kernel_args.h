#pragma once
/// \file
/// Checking the buffers a caller passes to a compiled kernel against the
/// kernel's arguments, and deriving its size vars from their shapes. Shared
/// by the LLVM JIT and other backends' kernels.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/buffer.h"
#include "schedule/lowered_func.h"

namespace kiln {

/// Checks count, dtype, rank, density, shape and non-overlap of outputs
/// with other arguments, and returns the values of f.size_vars in order.
/// Each size var takes its value from the first buffer dimension that is
/// exactly that var. Throws UserError naming the argument and the mismatch,
/// e.g. "kiln: argument 'B' of matmul: dim 0 is 37 but K is 41 (from
/// argument 'A' dim 1)".
std::vector<int64_t> check_kernel_args(const LoweredFunc& f, const std::vector<Buffer>& args);

/// A shape expression as people write it: "M", "64", "N + 2".
std::string shape_expr_str(const Expr& e);

/// "[M, K]".
std::string shape_str(const std::vector<Expr>& shape);

}  // namespace kiln
