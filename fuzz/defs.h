#pragma once
// Small definitions the fuzz targets replay traces and random schedules
// on: a matmul, Halide's two-stage blur, a reduction with an epilogue and
// an f16 row sum (two stages: the f32 accumulator and its rounding). Sizes
// are primes and not multiples of any split factor.
#include <vector>

#include "dsl/compute.h"

namespace kiln::fuzz {

ComputeDef fuzz_matmul();
ComputeDef fuzz_blur();
ComputeDef fuzz_reduce_epilogue();
ComputeDef fuzz_half_row_sum();

/// All of the above, in that order.
const std::vector<ComputeDef>& fuzz_defs();

}  // namespace kiln::fuzz
