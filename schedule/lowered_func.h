#pragma once
/// \file
/// The result of lowering: a loop nest over flat buffers, ready for a code
/// generator.

#include <string>
#include <vector>

#include "dsl/ir.h"
#include "schedule/read_checks.h"

namespace kiln {

/// A tensor the kernel reads or writes, passed by the caller. Buffers are
/// dense row-major: element (i0, .., in) is at sum(i_d * stride_d) with
/// stride_{n} = 1 and stride_d = stride_{d+1} * shape_{d+1}.
struct BufferArg {
  std::string name;          ///< the op name; Load/Store use it as the buffer
  Type type;                 ///< element type
  std::vector<Expr> shape;   ///< constants or size vars
  bool is_output = false;
  /// Written with non-temporal stores (Schedule::store_nontemporal).
  bool nontemporal = false;
};

/// A kernel: its buffer arguments (inputs then outputs), the size vars it
/// needs (i64 scalars, derived from buffer shapes at call time), and its body.
struct LoweredFunc {
  std::string name;
  std::vector<BufferArg> args;
  std::vector<std::string> size_vars;
  /// Reads the shapes do not prove in bounds for every size: callers test
  /// them at the sizes given, and generated CPU code returns
  /// KILN_KERNEL_READ_OUT_OF_BOUNDS + i when check i fails.
  std::vector<ReadCheck> read_checks;
  Stmt body;
};

}  // namespace kiln
