#pragma once
/// \file
/// The generic default GPU schedule (Op::default_gpu_schedule) with its
/// thread count as a parameter, for the GPU search space.

#include <cstdint>

#include "schedule/schedule.h"

namespace kiln {

/// Inlines elementwise intermediates, gives other reductions kernels of
/// their own, and runs every kernel with one thread per output point,
/// `threads` to a block; reductions accumulate in a register.
Schedule generic_gpu_schedule(const ComputeDef& def, int64_t threads = 256);

}  // namespace kiln
