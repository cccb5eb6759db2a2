// The generic default GPU schedule every op gets (Op::default_gpu_schedule).
// It is simple rather than fast, and works for any definition:
// - an intermediate stage without reduction is inlined into its readers;
// - an intermediate reduction gets a kernel of its own (compute_root) and
//   stays in global memory between launches;
// - each kernel (a root stage) fuses its spatial loops into one, splits it
//   by 256 and binds the halves to blockIdx.x and threadIdx.x; its
//   reduction loops run serially inside each thread, accumulating in a
//   register (cache_write to a local stage computed at the thread loop).
#include <algorithm>

#include "base/error.h"
#include "ops/gpu_schedule.h"
#include "ops/op.h"

namespace kiln {
namespace {

bool is_output(const ComputeDef& def, const std::string& name) {
  for (const Tensor& t : def.outputs()) {
    if (t.name() == name) return true;
  }
  return false;
}

/// One thread per point of the stage's spatial domain, `threads` to a
/// block. Returns the thread-bound loop ("" for a 0-d stage).
std::string bind_spatial(Schedule& s, const StageSchedule& st, int64_t threads_per_block) {
  std::vector<std::string> spatial;
  for (const std::string& loop : st.leaf_loops) {
    if (st.loop_axis_kind.at(loop) == AxisKind::Spatial) spatial.push_back(loop);
  }
  if (spatial.empty()) return "";  // a 0-d result: one thread
  std::string fused = spatial[0];
  for (size_t i = 1; i < spatial.size(); ++i) fused = s.fuse(fused, spatial[i]);
  int64_t extent = 0;
  const bool known = constant_loop_extent(s.stage(st.name), fused, &extent);
  const int64_t threads = known ? std::min(threads_per_block, extent) : threads_per_block;
  auto [block, thread] = s.split(fused, threads);
  s.bind(block, "blockIdx.x");
  s.bind(thread, "threadIdx.x");
  return thread;
}

}  // namespace

Schedule Op::default_gpu_schedule(const ComputeDef& def, const Target&) const {
  return generic_gpu_schedule(def, 256);
}

Schedule generic_gpu_schedule(const ComputeDef& def, int64_t threads) {
  Schedule s(def);
  std::vector<std::string> names, kernels;
  for (const StageSchedule& st : s.stages()) names.push_back(st.name);
  for (const std::string& name : names) {
    if (is_output(def, name) || s.stage(name).op->is_reduction()) {
      kernels.push_back(name);
      continue;
    }
    try {
      s.compute_inline(name);
    } catch (const ScheduleError&) {
      kernels.push_back(name);  // cannot be inlined: a kernel of its own
    }
  }
  for (const std::string& name : kernels) {
    // A reduction accumulates in a register (a local stage per thread)
    // and stores its result once, instead of updating global memory.
    std::string local;
    if (s.stage(name).op->is_reduction()) local = s.cache_write(name, "local");
    std::string thread = bind_spatial(s, s.stage(name), threads);
    if (!local.empty() && !thread.empty()) s.compute_at(local, thread);
  }
  return s;
}

}  // namespace kiln
