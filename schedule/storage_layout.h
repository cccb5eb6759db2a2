#pragma once
/// \file
/// How a stage's buffer is laid out in memory (Schedule::transform_layout):
/// the order of its dimensions, and blocking, as TVM's transform_layout or
/// oneDNN's blocked formats (NCHW16c, OIhw16i16o) do. The stage's values,
/// loops and bounds stay those of its logical shape; only the address of an
/// element changes, so no layout changes an answer.
///
/// A layout lists the storage dimensions, outermost first. Each names an
/// axis of the stage (its spatial axis names, as in its loop names) whole,
/// or one part of a blocked axis: `c/16` (the block: index floordiv 16) and
/// `c%16` (the position in the block: index floormod 16). For an NCHW stage
/// with axes n, c, y, x, {"n", "c/16", "y", "x", "c%16"} is NCHW16c. Every
/// axis appears either whole or as both parts with the same factor. The
/// block count is rounded up, so an extent that is not a multiple of the
/// factor leaves unused padding in the last block.

#include <string>
#include <vector>

#include "dsl/ir.h"

namespace kiln {

/// One storage dimension: an axis of the stage, whole or one part of it.
struct StorageDim {
  enum class Part : uint8_t { Whole, Outer, Inner };
  int axis = 0;  ///< index of the stage's spatial axis
  Part part = Part::Whole;
  int64_t factor = 1;  ///< the block size of Outer and Inner parts
};

/// The most elements one block may have: a layout is about registers and
/// cache lines, and a larger block is a typo.
constexpr int64_t kMaxLayoutFactor = 4096;

/// The layout `spec` over axes named `axis_names`, or an empty vector with
/// *problem set to why it is not one (an unknown axis, an axis missing or
/// given twice, a part without its other half, a factor below 2 or above
/// kMaxLayoutFactor, a malformed entry).
std::vector<StorageDim> parse_storage_layout(const std::vector<std::string>& spec,
                                             const std::vector<std::string>& axis_names,
                                             std::string* problem);

/// Whether the layout is the identity (row-major in axis order, unblocked).
bool is_row_major(const std::vector<StorageDim>& layout);

/// The extents of the storage dimensions, given the logical extents.
std::vector<Expr> storage_extents(const std::vector<StorageDim>& layout,
                                  const std::vector<Expr>& logical_extents);

/// The storage coordinates of the element at logical coordinates `local`
/// (already relative to the buffer's minimums, so at least 0).
std::vector<Expr> storage_indices(const std::vector<StorageDim>& layout,
                                  const std::vector<Expr>& local);

}  // namespace kiln
