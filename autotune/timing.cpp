#include "autotune/timing.h"

#include <algorithm>
#include <chrono>

namespace kiln {
namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

double median_of(std::vector<double> times) {
  if (times.empty()) return 0;
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

Timing time_kernel(const CompiledKernel& kernel, const std::vector<Buffer>& args, int repeat,
                   double budget_ms) {
  kernel.run(args);  // warm-up: caches, page faults, thread pool start
  std::vector<double> times;
  const double start = now_ms();
  const int wanted = repeat > 0 ? repeat : kDefaultTimingRepeats;
  while (static_cast<int>(times.size()) < wanted) {
    const double t0 = now_ms();
    kernel.run(args);
    times.push_back(now_ms() - t0);
    // Only the default count gives way to the budget: an explicit repeat
    // count is what the caller asked for.
    const bool over_budget = now_ms() - start > budget_ms;
    if (repeat == 0 && over_budget && static_cast<int>(times.size()) >= kMinTimingRepeats) break;
  }
  Timing t;
  t.repeats = static_cast<int>(times.size());
  t.min_ms = *std::min_element(times.begin(), times.end());
  t.median_ms = median_of(std::move(times));
  return t;
}

}  // namespace kiln
