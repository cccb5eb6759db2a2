// GPU primitives: bind (a loop to a CUDA block or thread index) and
// set_scope (where a stage's storage lives), plus the cache_read and
// cache_write forms that take a scope. What can only be judged once every
// primitive is applied (a kernel with no block loop, thread counts, shared
// memory size) is checked when lowering for a CUDA target
// (schedule/passes/check_gpu_schedule.cpp).
#include <algorithm>

#include "base/error.h"
#include "schedule/schedule.h"
#include "schedule/schedule_error.h"
#include "schedule/schedule_internal.h"

namespace kiln {

using namespace schedule_detail;

namespace {

const std::vector<std::pair<const char*, ForKind>>& gpu_indices() {
  static const std::vector<std::pair<const char*, ForKind>> table = {
      {"blockIdx.x", ForKind::GPUBlockX},   {"blockIdx.y", ForKind::GPUBlockY},
      {"blockIdx.z", ForKind::GPUBlockZ},   {"threadIdx.x", ForKind::GPUThreadX},
      {"threadIdx.y", ForKind::GPUThreadY}, {"threadIdx.z", ForKind::GPUThreadZ},
  };
  return table;
}

const std::vector<std::pair<const char*, MemoryScope>>& scope_names() {
  static const std::vector<std::pair<const char*, MemoryScope>> table = {
      {"auto", MemoryScope::Auto},
      {"global", MemoryScope::Heap},
      {"shared", MemoryScope::Shared},
      {"local", MemoryScope::Local},
  };
  return table;
}

bool is_output(const ComputeDef& def, const std::string& stage) {
  for (const Tensor& t : def.outputs()) {
    if (t.name() == stage) return true;
  }
  return false;
}

}  // namespace

void Schedule::bind(const std::string& loop, const std::string& thread) {
  TraceStep step{"bind", {loop, thread}, {}};
  ForKind kind = ForKind::Serial;
  for (const auto& [name, k] : gpu_indices()) {
    if (thread == name) kind = k;
  }
  if (kind == ForKind::Serial) {
    refuse(step, str("unknown index '", thread, "'; bind a loop to blockIdx.x, blockIdx.y, ",
                     "blockIdx.z, threadIdx.x, threadIdx.y or threadIdx.z"));
  }
  StageSchedule& st = stages_[require_leaf(step, def_, stages_, loop)];
  if (st.loop_axis_kind.at(loop) == AxisKind::Reduce) {
    refuse(step, str("'", loop, "' is a reduction loop of stage '", st.name, "'; binding it to ",
                     thread, " would make ", is_gpu_block(kind) ? "blocks" : "threads",
                     " race on ", st.name, ". Use rfactor(", loop,
                     ") first and bind the new stage's spatial loop, or bind a spatial loop"),
           {loop_listing(st, loop)});
  }
  ForKind current = st.kind_of(loop);
  if (current == kind) {
    refuse(step, str("'", loop, "' is already bound to ", thread, "; bind a loop once"),
           {loop_listing(st, loop)});
  }
  if (current != ForKind::Serial) {
    const char* how = gpu_dim(current) >= 0 ? "bound to " : "marked ";
    refuse(step, str("'", loop, "' is already ", how, for_kind_name(current),
                     "; a loop has one kind. Split it and bind or mark each half instead"),
           {loop_listing(st, loop)});
  }
  for (const auto& [other, k] : st.loop_kinds) {
    if (k == kind && st.has_leaf(other)) {
      refuse(step, str("'", other, "' of stage '", st.name, "' is already bound to ", thread,
                       "; one loop of a stage binds to each index. Fuse ", other, " and ", loop,
                       " and bind the fused loop, or bind ", loop, " to another index"),
             {loop_listing(st, loop)});
    }
  }
  auto change = [&](StageSchedule& x) { x.loop_kinds[loop] = kind; };
  check_prefetches(step, stages_, st.name, change);
  change(st);
  trace_.steps.push_back(step);
}

void Schedule::set_scope(const std::string& stage, const std::string& scope) {
  TraceStep step{"set_scope", {stage, scope}, {}};
  int s = require_stage(step, def_, stages_, stage);
  const auto& names = scope_names();
  auto it = std::find_if(names.begin(), names.end(), [&](const auto& p) { return scope == p.first; });
  if (it == names.end()) {
    refuse(step, str("unknown scope '", scope, "'; scopes are global, shared, local and auto"));
  }
  if (is_output(def_, stage) && it->second != MemoryScope::Auto && it->second != MemoryScope::Heap) {
    refuse(step, str("'", stage, "' is an output of ", def_.name(),
                     "; outputs live in the caller's global buffer. Use cache_write(", stage,
                     ", \"", scope, "\") to stage its values in ", scope, " memory"),
           {stage_listing(stages_, stage)});
  }
  stages_[s].scope = it->second;
  trace_.steps.push_back(step);
}

std::string Schedule::cache_read(const std::string& tensor, const std::vector<std::string>& readers,
                                 const std::string& scope) {
  std::string name = cache_read(tensor, readers);
  set_scope(name, scope);
  return name;
}

std::string Schedule::cache_write(const std::string& stage, const std::string& scope) {
  std::string name = cache_write(stage);
  set_scope(name, scope);
  return name;
}

}  // namespace kiln
