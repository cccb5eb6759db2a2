#pragma once
/// \file
/// Timing a compiled kernel the one way kiln does everywhere (`kiln bench`,
/// the tuner's measurements, `kiln db verify`): one warm-up run, then timed
/// repeats, reporting the median and the minimum. Figures from different
/// commands are comparable because they come from this function.
///
///   Timing t = time_kernel(*kernel, args);   // 10 runs, or fewer past 2 s
///   double gflops = flops / (t.median_ms * 1e6);

#include <vector>

#include "codegen/llvm/jit.h"
#include "runtime/buffer.h"

namespace kiln {

/// The result of timing one kernel.
struct Timing {
  double median_ms = 0;  ///< median of the timed runs (the figure kiln reports)
  double min_ms = 0;     ///< fastest timed run
  int repeats = 0;       ///< timed runs, the warm-up not counted
};

/// Timed runs when the caller does not ask for a number.
constexpr int kDefaultTimingRepeats = 10;
/// Fewest timed runs a time budget may cut the default down to, so that a
/// median always means something.
constexpr int kMinTimingRepeats = 3;
/// The time budget `kiln bench` uses.
constexpr double kDefaultTimingBudgetMs = 2000;

/// Runs `kernel` on `args` (inputs then outputs) once to warm up (caches,
/// page faults, the thread pool), then times it. With `repeat` > 0, exactly
/// that many timed runs. With `repeat` == 0, kDefaultTimingRepeats runs,
/// stopping early once the timed runs have taken more than `budget_ms` and
/// at least kMinTimingRepeats have run.
Timing time_kernel(const CompiledKernel& kernel, const std::vector<Buffer>& args, int repeat = 0,
                   double budget_ms = kDefaultTimingBudgetMs);

/// The median of `times` (the mean of the middle two for an even count);
/// 0 when empty.
double median_of(std::vector<double> times);

}  // namespace kiln
