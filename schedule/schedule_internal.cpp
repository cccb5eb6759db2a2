#include "schedule/schedule_internal.h"

#include <algorithm>

#include "base/error.h"
#include "schedule/schedule_error.h"

namespace kiln {
namespace schedule_detail {

StageSchedule make_stage_schedule(const OpRef& op) {
  internal_assert(op && !op->is_placeholder()) << "a schedule for a placeholder";
  StageSchedule st;
  st.op = op;
  st.name = op->name;
  for (const std::vector<IterVar>* axes : {&op->axis, &op->reduce_axis}) {
    for (const IterVar& iv : *axes) {
      std::string loop = st.root_loop(iv.name());
      internal_assert(!st.loop_axis_kind.count(loop))
          << "stage " << op->name << " has two axes named " << iv.name();
      st.root_loops.push_back(loop);
      st.loop_axis_kind[loop] = axes == &op->axis ? AxisKind::Spatial : AxisKind::Reduce;
    }
  }
  st.leaf_loops = st.root_loops;
  return st;
}

int find_stage(const std::vector<StageSchedule>& stages, const std::string& name) {
  for (size_t i = 0; i < stages.size(); ++i) {
    if (stages[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int require_stage(const TraceStep& step, const ComputeDef& def,
                  const std::vector<StageSchedule>& stages, const std::string& name) {
  int index = find_stage(stages, name);
  if (index >= 0) return index;
  OpRef op = def.find(name);
  if (op && op->is_placeholder()) {
    refuse(step, str("'", name, "' is a placeholder (an input of ", def.name(),
                     "); it is not computed, so it has no schedule. Use cache_read(", name,
                     ", readers) to get a stage that copies it"),
           {stage_listing(stages)});
  }
  refuse(step, str("no stage named '", name, "' in ", def.name()), {stage_listing(stages)});
}

std::string stage_part(const std::string& loop) {
  size_t dot = loop.find('.');
  return dot == std::string::npos ? "" : loop.substr(0, dot);
}

namespace {

/// Why a loop of st that is not a leaf is gone: the relation that consumed it.
std::string gone_reason(const StageSchedule& st, const std::string& loop) {
  for (const LoopRelation& r : st.relations) {
    if (r.kind == LoopRelation::Kind::Split && r.parent == loop) {
      return str("'", loop, "' was split into ", r.outer, " and ", r.inner,
                 "; name one of those instead");
    }
    if (r.kind == LoopRelation::Kind::Fuse && (r.outer == loop || r.inner == loop)) {
      return str("'", loop, "' was fused into ", r.fused, "; name that loop instead");
    }
  }
  return str("'", loop, "' is no longer a loop of ", st.name);
}

}  // namespace

int require_leaf(const TraceStep& step, const ComputeDef& def,
                 const std::vector<StageSchedule>& stages, const std::string& loop) {
  std::string stage = stage_part(loop);
  if (stage.empty()) {
    std::string example = stages.empty() || stages[0].root_loops.empty()
                              ? std::string("C.i")
                              : stages[0].root_loops[0];
    refuse(step, str("'", loop, "' is not a loop name; loops are named <stage>.<axis>, like ",
                     example),
           {stage_listing(stages)});
  }
  int index = find_stage(stages, stage);
  if (index < 0) {
    OpRef op = def.find(stage);
    if (op && op->is_placeholder()) {
      refuse(step, str("'", stage, "' in '", loop, "' is a placeholder (an input of ", def.name(),
                       "); it has no loops"),
             {stage_listing(stages)});
    }
    refuse(step, str("no stage named '", stage, "' (in loop '", loop, "')"),
           {stage_listing(stages)});
  }
  const StageSchedule& st = stages[index];
  if (!st.loop_axis_kind.count(loop)) {
    // An f16/bf16 sum is two stages (dsl/compute.h): its loops are the
    // accumulator's.
    const std::string acc = stage + "_acc", acc_loop = acc + loop.substr(stage.size());
    const int a = find_stage(stages, acc);
    if (a >= 0 && stages[a].loop_axis_kind.count(acc_loop)) {
      refuse(step, str("stage '", stage, "' has no loop '", loop, "': its reduction is the f32 "
                       "stage ", acc, " (sums of f16/bf16 accumulate in f32), so schedule ",
                       acc_loop),
             {loop_listing(st), loop_listing(stages[a])});
    }
    refuse(step, str("stage '", stage, "' has no loop '", loop, "'"), {loop_listing(st)});
  }
  if (!st.has_leaf(loop)) refuse(step, gone_reason(st, loop), {loop_listing(st)});
  return index;
}

std::vector<std::string> stages_attached_at(const std::vector<StageSchedule>& stages,
                                            const std::string& loop) {
  std::vector<std::string> names;
  for (const StageSchedule& st : stages) {
    if (st.attach == AttachKind::At && st.attach_loop == loop) names.push_back(st.name);
  }
  return names;
}

std::vector<std::string> stages_attached_to(const std::vector<StageSchedule>& stages,
                                            const std::string& stage) {
  std::vector<std::string> names;
  for (const StageSchedule& st : stages) {
    if (st.attach == AttachKind::At && st.attach_stage == stage) names.push_back(st.name);
  }
  return names;
}

std::vector<std::string> unreordered_leaves(const StageSchedule& st) {
  std::vector<std::string> leaves = st.root_loops;
  for (const LoopRelation& r : st.relations) {
    if (r.kind == LoopRelation::Kind::Split) {
      auto it = std::find(leaves.begin(), leaves.end(), r.parent);
      internal_assert(it != leaves.end()) << "split of a loop that is not a leaf: " << r.parent;
      *it = r.inner;
      leaves.insert(it, r.outer);
    } else {
      auto outer = std::find(leaves.begin(), leaves.end(), r.outer);
      internal_assert(outer != leaves.end()) << "fuse of a loop that is not a leaf: " << r.outer;
      *outer = r.fused;
      leaves.erase(std::find(leaves.begin(), leaves.end(), r.inner));
    }
  }
  return leaves;
}

std::set<std::string> effective_consumers(const ComputeDef& def,
                                          const std::vector<StageSchedule>& stages,
                                          const std::string& stage) {
  std::set<std::string> out;
  OpRef op = def.find(stage);
  if (!op) return out;
  for (const OpRef& consumer : def.consumers(op)) {
    int index = find_stage(stages, consumer->name);
    if (index >= 0 && stages[index].attach == AttachKind::Inline) {
      std::set<std::string> through = effective_consumers(def, stages, consumer->name);
      out.insert(through.begin(), through.end());
    } else {
      out.insert(consumer->name);
    }
  }
  return out;
}

void check_attachments(const TraceStep& step, const ComputeDef& def,
                       const std::vector<StageSchedule>& stages) {
  for (const StageSchedule& st : stages) {
    if (st.attach != AttachKind::At) continue;
    int target = find_stage(stages, st.attach_stage);
    if (target < 0 || stages[target].attach == AttachKind::Inline ||
        !stages[target].has_leaf(st.attach_loop)) {
      refuse(step, str("this would remove loop ", st.attach_loop, ", where stage '", st.name,
                       "' is computed; compute ", st.name, " at root first"),
             {"after this step, " + stage_listing(stages, st.name)});
    }
    std::set<std::string> readers = effective_consumers(def, stages, st.name);
    std::vector<std::string> outside;
    for (const std::string& r : readers) {
      if (!runs_inside(stages, r, st.attach_stage, st.attach_loop)) outside.push_back(r);
    }
    if (!readers.count(st.attach_stage) || !outside.empty()) {
      std::string who = readers.count(st.attach_stage)
                            ? str(join(outside), ", outside ", st.attach_loop)
                            : str(join(std::vector<std::string>(readers.begin(), readers.end())),
                                  ", not ", st.attach_stage);
      refuse(step, str("this would leave stage '", st.name, "' computed at ", st.attach_loop,
                       " while it is read by ", who, "; compute ", st.name, " at root first"),
             {"after this step, " + stage_listing(stages, st.name)});
    }
  }
  // A prefetch whose `from` loop belongs to a consumer needs the stage to
  // stay computed inside that loop.
  check_prefetches(step, stages);
  // And the stage must still read what it prefetches: a tensor read through
  // an inlined producer is no longer read once that producer is computed
  // on its own (found by the schedules fuzz target: accepted, then refused
  // by lowering).
  for (const StageSchedule& st : stages) {
    for (const PrefetchSpec& p : st.prefetches) {
      if (effective_consumers(def, stages, p.tensor).count(st.name)) continue;
      refuse(step, str("stage '", st.name, "' prefetches ", p.tensor, " at ", p.at,
                       " (prefetch), and after this step it no longer reads ", p.tensor,
                       " (it read it through a stage this step takes out of it). Place the "
                       "stages first, then prefetch what the loop reads"),
             {"after this step, " + stage_listing(stages, st.name)});
    }
  }
}

bool runs_inside(const std::vector<StageSchedule>& stages, const std::string& reader,
                 const std::string& target, const std::string& loop) {
  if (reader == target) return true;
  int t = find_stage(stages, target);
  if (t < 0) return false;
  const std::vector<std::string>& leaves = stages[t].leaf_loops;
  auto loop_at = std::find(leaves.begin(), leaves.end(), loop);
  if (loop_at == leaves.end()) return false;
  // Walk up reader's attachments until one lands in target.
  for (int x = find_stage(stages, reader); x >= 0 && stages[x].attach == AttachKind::At;
       x = find_stage(stages, stages[x].attach_stage)) {
    if (stages[x].attach_stage == target) {
      auto at = std::find(leaves.begin(), leaves.end(), stages[x].attach_loop);
      return at != leaves.end() && at >= loop_at;
    }
  }
  return false;
}

}  // namespace schedule_detail
}  // namespace kiln
