#pragma once
/// \file
/// What each read of a definition can touch, against the shape of the
/// tensor it reads (as Halide's bounds queries check an input's region).
///
/// For every read `T(e0, .., en)` in a stage, the range of each index e_d
/// over the stage's domain (its spatial axes and reduction axes) must lie in
/// [0, extent_d(T)). Ranges come from interval arithmetic, so the footprint
/// is over-approximated, never under: a definition that passes reads in
/// bounds at every point it computes. Reads inside `if_then_else` are
/// clamped by the DSL and always pass. Generated code evaluates only the
/// taken arm of a `select` and guards a reduction's update by its
/// condition, so a comparison in those conditions (`r < N`, the tail guard
/// rfactor adds) bounds the indices it compares.
///
/// A check whose sizes are all known is decided when the kernel is lowered
/// (an out-of-bounds read is refused there); one that depends on size vars
/// becomes an entry check: every compiled kernel tests it before touching
/// memory, and the callers (JIT kernels, CUDA kernels, packages) report it
/// with the tensor, the dimension and the range at the sizes given.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dsl/compute.h"

namespace kiln {

/// One dimension of one read that is not proved in bounds for all sizes.
struct ReadCheck {
  std::string stage;   ///< the stage that reads
  std::string tensor;  ///< the tensor it reads
  int dim = 0;         ///< which dimension of `tensor`
  /// The lowest and highest index read in `dim`, in size vars only.
  /// Undefined when interval arithmetic cannot bound the index (it depends
  /// on data): such a read is refused at once.
  Expr lowest, highest;
  Expr extent;     ///< extent(tensor, dim)
  /// True when the read is in bounds, or when the stage computes nothing
  /// (an empty domain reads nothing). In size vars only.
  Expr in_bounds;
};

/// The read checks of every stage of `def` not proved true for every size.
/// Throws UserError for a read out of bounds at every size (constant
/// shapes: `B(i) = A(i + 1)` over [0, N) with A of extent N is fine only
/// if N is 0) and for an index that cannot be bounded.
std::vector<ReadCheck> read_checks(const ComputeDef& def);

/// Throws UserError, naming the stage, tensor, dimension and range, when a
/// check fails at these sizes (every size var of the check must be given).
void enforce_read_checks(const std::vector<ReadCheck>& checks,
                         const std::map<std::string, int64_t>& sizes);

/// "stage 'B' reads 'A' dimension 0 at indices 1 to 100, but 'A' has extent
/// 100 there (indices 0 to 99)" with the sizes substituted; the symbolic
/// form ("at indices 1 to N, ... extent N") without them.
std::string describe_read_check(const ReadCheck& check,
                                const std::map<std::string, int64_t>& sizes = {});

/// How to fix an out-of-bounds read, for the end of a message.
const char* read_check_advice();

}  // namespace kiln
