// The Schedule object itself: construction, lookups, loop extents, and
// replaying recorded steps. The primitives live in schedule_loops.cpp (split,
// fuse, reorder, tile, loop kinds), schedule_stages.cpp (compute_at, inline,
// root) and graph_rewrite.cpp (cache_read, cache_write, rfactor).
#include "schedule/schedule.h"

#include <algorithm>

#include "base/error.h"
#include "schedule/schedule_error.h"
#include "schedule/schedule_internal.h"

namespace kiln {

using namespace schedule_detail;

ForKind StageSchedule::kind_of(const std::string& loop) const {
  auto it = loop_kinds.find(loop);
  return it == loop_kinds.end() ? ForKind::Serial : it->second;
}

bool StageSchedule::has_leaf(const std::string& loop) const {
  return std::find(leaf_loops.begin(), leaf_loops.end(), loop) != leaf_loops.end();
}

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The constant extent of a root loop, from the op's axis domains.
bool constant_root_extent(const StageSchedule& st, const std::string& loop, int64_t* extent) {
  for (const std::vector<IterVar>* axes : {&st.op->axis, &st.op->reduce_axis}) {
    for (const IterVar& iv : *axes) {
      if (st.root_loop(iv.name()) == loop) return as_const_int(iv.dom.extent, extent);
    }
  }
  return false;
}

}  // namespace

bool constant_loop_extent(const StageSchedule& st, const std::string& loop, int64_t* extent) {
  for (const LoopRelation& r : st.relations) {
    if (r.kind == LoopRelation::Kind::Split && (r.outer == loop || r.inner == loop)) {
      // The half whose extent is the recorded number needs nothing else.
      bool given_half = r.by_nparts ? loop == r.outer : loop == r.inner;
      if (given_half) {
        *extent = r.factor;
        return true;
      }
      int64_t parent = 0;
      if (!constant_loop_extent(st, r.parent, &parent)) return false;
      *extent = ceil_div(parent, r.factor);
      return true;
    }
    if (r.kind == LoopRelation::Kind::Fuse && r.fused == loop) {
      int64_t outer = 0, inner = 0;
      if (!constant_loop_extent(st, r.outer, &outer) ||
          !constant_loop_extent(st, r.inner, &inner)) {
        return false;
      }
      *extent = outer * inner;
      return true;
    }
  }
  return st.op && constant_root_extent(st, loop, extent);
}

Schedule::Schedule(ComputeDef def) : def_(std::move(def)) {
  for (const OpRef& op : def_.stages()) stages_.push_back(make_stage_schedule(op));
}

const StageSchedule& Schedule::stage(const std::string& name) const {
  TraceStep lookup{"stage", {name}, {}};
  return stages_[require_stage(lookup, def_, stages_, name)];
}

const StageSchedule& Schedule::stage_of_loop(const std::string& loop) const {
  TraceStep lookup{"stage_of_loop", {loop}, {}};
  std::string name = stage_part(loop);
  int index = find_stage(stages_, name);
  if (index < 0 || !stages_[index].loop_axis_kind.count(loop)) {
    // require_leaf explains every way a loop name can be wrong.
    require_leaf(lookup, def_, stages_, loop);
  }
  return stages_[index];
}

StageSchedule& Schedule::mutable_stage(const std::string& name) {
  int index = find_stage(stages_, name);
  internal_assert(index >= 0) << "no stage " << name;
  return stages_[index];
}

namespace {

/// Refuses a step whose argument counts do not fit its primitive: exactly
/// `names` names (at least that many when variadic) and `ints` integers.
void check_arity(const TraceStep& step, size_t names, size_t ints, bool variadic_names,
                 const char* signature) {
  bool names_ok = variadic_names ? step.names.size() >= names : step.names.size() == names;
  if (names_ok && step.ints.size() == ints) return;
  refuse(step, str("the step has ", step.names.size(), " name(s) and ", step.ints.size(),
                   " integer(s); ", step.primitive, " takes ", signature));
}

}  // namespace

void Schedule::apply(const TraceStep& step) {
  const std::string& p = step.primitive;
  const std::vector<std::string>& n = step.names;
  const std::vector<int64_t>& v = step.ints;
  if (p == "split") {
    check_arity(step, 1, 1, false, "(loop, factor)");
    split(n[0], v[0]);
  } else if (p == "split_nparts") {
    check_arity(step, 1, 1, false, "(loop, nparts)");
    split_nparts(n[0], v[0]);
  } else if (p == "fuse") {
    check_arity(step, 2, 0, false, "(outer, inner)");
    fuse(n[0], n[1]);
  } else if (p == "reorder") {
    check_arity(step, 1, 0, true, "(loops...)");
    reorder(n);
  } else if (p == "tile") {
    check_arity(step, 2, 2, false, "(x, y, fx, fy)");
    tile(n[0], n[1], v[0], v[1]);
  } else if (p == "vectorize" || p == "unroll" || p == "parallel") {
    check_arity(step, 1, 0, false, "(loop)");
    if (p == "vectorize") vectorize(n[0]);
    if (p == "unroll") unroll(n[0]);
    if (p == "parallel") parallel(n[0]);
  } else if (p == "compute_at") {
    check_arity(step, 2, 0, false, "(stage, loop)");
    compute_at(n[0], n[1]);
  } else if (p == "compute_inline" || p == "compute_root" || p == "cache_write" ||
             p == "store_nontemporal") {
    check_arity(step, 1, 0, false, "(stage)");
    if (p == "store_nontemporal") store_nontemporal(n[0]);
    if (p == "compute_inline") compute_inline(n[0]);
    if (p == "compute_root") compute_root(n[0]);
    if (p == "cache_write") cache_write(n[0]);
  } else if (p == "cache_read") {
    check_arity(step, 1, 0, true, "(tensor, readers...)");
    cache_read(n[0], std::vector<std::string>(n.begin() + 1, n.end()));
  } else if (p == "rfactor") {
    check_arity(step, 1, 0, false, "(loop)");
    rfactor(n[0]);
  } else if (p == "prefetch") {
    check_arity(step, 3, 1, false, "(tensor, at, from, offset)");
    prefetch(n[0], n[1], n[2], v[0]);
  } else if (p == "bind") {
    check_arity(step, 2, 0, false, "(loop, thread)");
    bind(n[0], n[1]);
  } else if (p == "set_scope") {
    check_arity(step, 2, 0, false, "(stage, scope)");
    set_scope(n[0], n[1]);
  } else if (p == "transform_layout") {
    check_arity(step, 2, 0, true, "(stage, layout...)");
    transform_layout(n[0], std::vector<std::string>(n.begin() + 1, n.end()));
  } else {
    refuse(step, str("unknown primitive '", p,
                     "'; the primitives are split, split_nparts, fuse, reorder, tile, vectorize, "
                     "unroll, parallel, compute_at, compute_inline, compute_root, cache_read, "
                     "cache_write, rfactor, store_nontemporal, prefetch, bind, set_scope, "
                     "transform_layout"));
  }
}

Schedule Schedule::replay(const ComputeDef& def, const Trace& trace) {
  Schedule sch(def);
  for (size_t i = 0; i < trace.steps.size(); ++i) {
    try {
      sch.apply(trace.steps[i]);
    } catch (const ScheduleError& e) {
      // Keep the primitive's own message first; say where in the trace it was.
      throw ScheduleError(e.short_message(),
                          str(e.what(), "\n  (while replaying trace step ", i, " of ", def.name(),
                              ")"));
    }
  }
  return sch;
}

}  // namespace kiln
