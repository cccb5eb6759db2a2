// Primitives that rewrite the definition: cache_read, cache_write, rfactor.
// Each builds new operations, then rebuilds every operation downstream of
// them (a TensorLoad holds its producer by pointer, so a reader of a
// replaced op must itself be replaced) and the ComputeDef. Stage names and
// loop names of existing stages do not change, so their schedules stay
// valid; only their op pointers move to the new operations.
#include <algorithm>
#include <map>

#include "base/error.h"
#include "dsl/substitute.h"
#include "schedule/schedule.h"
#include "schedule/schedule_error.h"
#include "schedule/schedule_internal.h"

namespace kiln {

using namespace schedule_detail;

namespace {

using OpMap = std::map<const OperationNode*, OpRef>;

/// op with another body (its reduction axes follow the body).
OpRef with_body(const OpRef& op, const Expr& body) {
  auto node = std::make_shared<OperationNode>(*op);
  node->body = body;
  const Reduce* red = body.as<Reduce>();
  node->reduce_axis = red ? red->axes : std::vector<IterVar>{};
  return node;
}

/// def with every op in `replaced` (old -> new) swapped in, and every op
/// that reads a replaced op, directly or not, rebuilt to read the new one.
ComputeDef rebuild_def(const ComputeDef& def, OpMap replaced) {
  for (const OpRef& op : def.stages()) {  // producers first: inputs are final
    if (replaced.count(op.get())) continue;
    Expr body = op->body;
    for (const OpRef& input : op->inputs()) {
      auto it = replaced.find(input.get());
      if (it != replaced.end()) body = replace_tensor(body, input, it->second);
    }
    if (!body.same_as(op->body)) replaced[op.get()] = with_body(op, body);
  }
  std::vector<Tensor> outputs;
  for (const Tensor& t : def.outputs()) {
    auto it = replaced.find(t.op().get());
    outputs.push_back(it == replaced.end() ? t : Tensor(it->second));
  }
  return ComputeDef(def.name(), def.inputs(), outputs);
}

/// Points every stage schedule at its op in def (same name).
void repoint(std::vector<StageSchedule>& stages, const ComputeDef& def) {
  for (StageSchedule& st : stages) {
    st.op = def.find(st.name);
    internal_assert(st.op) << "stage " << st.name << " lost in a rewrite";
  }
}

std::vector<std::string> axis_names(const std::vector<IterVar>& axes) {
  std::vector<std::string> names;
  for (const IterVar& iv : axes) names.push_back(iv.name());
  return names;
}

/// Every tensor name of def: inputs, then stages.
std::vector<std::string> tensor_names(const ComputeDef& def) {
  std::vector<std::string> names;
  for (const Tensor& t : def.inputs()) names.push_back(t.name());
  for (const OpRef& op : def.stages()) names.push_back(op->name);
  return names;
}

/// Refuses a new stage name that the definition already uses.
void check_new_stage_name(const TraceStep& step, const ComputeDef& def,
                          const std::vector<StageSchedule>& stages, const std::string& name,
                          const std::string& why) {
  if (!def.find(name)) return;
  refuse(step, str("it would add stage '", name, "', but ", def.name(), " already has one; ", why),
         {stage_listing(stages, name)});
}

/// ceil(a / b) for positive b, folded when both are constants.
Expr ceil_div(const Expr& a, const Expr& b) {
  int64_t ca = 0, cb = 0;
  if (as_const_int(a, &ca) && as_const_int(b, &cb)) return make_index((ca + cb - 1) / cb);
  return (a + (b - 1)) / b;
}

/// A reduction axis over [0, extent).
IterVar reduce_iter(const std::string& name, const Expr& extent) {
  return IterVar{make_var(name), Range{make_index(0), extent}, AxisKind::Reduce};
}

/// The same reduction axis with a fresh Var node of the same name.
IterVar fresh_iter(const IterVar& iv) { return IterVar{make_var(iv.name()), iv.dom, iv.kind}; }

/// Maps each spatial axis of op to the index compute() gave for it.
std::map<std::string, Expr> spatial_map(const OperationNode& op, const std::vector<Expr>& idx,
                                        size_t first_index) {
  std::map<std::string, Expr> m;
  for (size_t d = 0; d < op.axis.size(); ++d) m[op.axis[d].name()] = idx[first_index + d];
  return m;
}

}  // namespace

// ------------------------------------------------------------------ cache_read

std::string Schedule::cache_read(const std::string& tensor, const std::vector<std::string>& readers) {
  TraceStep step{"cache_read", {tensor}, {}};
  step.names.insert(step.names.end(), readers.begin(), readers.end());
  OpRef source = def_.find(tensor);
  if (!source) {
    refuse(step, str("no tensor named '", tensor, "' in ", def_.name(), " (tensors: ",
                     join(tensor_names(def_)), ")"));
  }
  std::vector<std::string> all_readers;
  for (const OpRef& c : def_.consumers(source)) all_readers.push_back(c->name);
  if (readers.empty()) {
    refuse(step, str("name the stages that should read the copy of '", tensor, "' (readers of ",
                     tensor, ": ", join(all_readers), ")"));
  }
  int first_reader = static_cast<int>(stages_.size());
  for (size_t i = 0; i < readers.size(); ++i) {
    first_reader = std::min(first_reader, require_stage(step, def_, stages_, readers[i]));
    if (std::find(all_readers.begin(), all_readers.end(), readers[i]) == all_readers.end()) {
      refuse(step, str("'", readers[i], "' does not read '", tensor, "' (readers of ", tensor,
                       ": ", join(all_readers), ")"),
             {stage_listing(stages_, readers[i])});
    }
    if (std::find(readers.begin() + i + 1, readers.end(), readers[i]) != readers.end()) {
      refuse(step, str("names reader '", readers[i], "' twice; name each reader once"));
    }
  }
  int own = find_stage(stages_, tensor);
  if (own >= 0 && stages_[own].attach == AttachKind::At) {
    refuse(step, str("'", tensor, "' is computed at ", stages_[own].attach_loop,
                     "; apply cache_read(", tensor, ", ...) before compute_at(", tensor, ", ...)"),
           {stage_listing(stages_, tensor)});
  }
  std::string name = tensor + "_cache";
  check_new_stage_name(step, def_, stages_, name,
                       "cache_read each tensor once, naming all its readers in one call");

  std::vector<std::string> names = source->is_placeholder() ? std::vector<std::string>{}
                                                            : axis_names(source->axis);
  OpRef cache = compute(
                    source->shape,
                    [&](const std::vector<Expr>& idx) { return TensorLoad::make(source, idx); },
                    name, names)
                    .op();
  OpMap replaced;
  for (const std::string& r : readers) {
    OpRef reader = def_.find(r);
    replaced[reader.get()] = with_body(reader, replace_tensor(reader->body, source, cache));
  }
  ComputeDef def = rebuild_def(def_, replaced);
  std::vector<StageSchedule> next = stages_;
  next.insert(next.begin() + first_reader, make_stage_schedule(def.find(name)));
  repoint(next, def);
  check_attachments(step, def, next);
  def_ = std::move(def);
  stages_ = std::move(next);
  trace_.steps.push_back(step);
  return name;
}

// ----------------------------------------------------------------- cache_write

namespace {

/// What has been applied to st already, or "" when nothing has.
std::string scheduled_what(const std::vector<StageSchedule>& stages, const StageSchedule& st) {
  if (!st.relations.empty()) {
    const LoopRelation& r = st.relations[0];
    return r.kind == LoopRelation::Kind::Split ? r.parent + " was split"
                                               : r.outer + " and " + r.inner + " were fused";
  }
  if (st.leaf_loops != st.root_loops) return "its loops were reordered";
  if (!st.loop_kinds.empty()) {
    return str(st.loop_kinds.begin()->first, " is marked ",
               for_kind_name(st.loop_kinds.begin()->second));
  }
  if (st.attach != AttachKind::Root) return "it is computed " + attach_text(st);
  if (!st.prefetches.empty()) return "it prefetches " + st.prefetches[0].tensor;
  std::vector<std::string> attached = stages_attached_to(stages, st.name);
  if (!attached.empty()) return join(attached) + " computed at its loops";
  return "";
}

}  // namespace

std::string Schedule::cache_write(const std::string& stage) {
  TraceStep step{"cache_write", {stage}, {}};
  int s = require_stage(step, def_, stages_, stage);
  std::string what = scheduled_what(stages_, stages_[s]);
  if (!what.empty()) {
    refuse(step, str("'", stage, "' is already scheduled (", what, "); apply cache_write(", stage,
                     ") first, before other primitives on ", stage),
           {loop_listing(stages_[s])});
  }
  std::string name = stage + "_local";
  check_new_stage_name(step, def_, stages_, name, "cache_write each stage once");

  OpRef op = stages_[s].op;
  std::vector<std::string> names = axis_names(op->axis);
  // The local stage computes what the stage computed, with its own Var
  // nodes for the reduction axes.
  OpRef local = compute(
                    op->shape,
                    [&](const std::vector<Expr>& idx) {
                      std::map<std::string, Expr> m = spatial_map(*op, idx, 0);
                      const Reduce* red = op->body.as<Reduce>();
                      if (!red) return substitute(op->body, m);
                      std::vector<IterVar> axes;
                      for (const IterVar& iv : red->axes) {
                        axes.push_back(fresh_iter(iv));
                        m[iv.name()] = axes.back().var;
                      }
                      Expr cond = red->condition.defined() ? substitute(red->condition, m) : Expr();
                      return Reduce::make(red->op, substitute(red->source, m), axes, cond);
                    },
                    name, names)
                    .op();
  OpRef copy = compute(
                   op->shape,
                   [&](const std::vector<Expr>& idx) { return TensorLoad::make(local, idx); },
                   stage, names)
                   .op();
  ComputeDef def = rebuild_def(def_, {{op.get(), copy}});
  std::vector<StageSchedule> next = stages_;
  next[s] = make_stage_schedule(def.find(stage));
  next.insert(next.begin() + s, make_stage_schedule(def.find(name)));
  repoint(next, def);
  check_attachments(step, def, next);
  def_ = std::move(def);
  stages_ = std::move(next);
  trace_.steps.push_back(step);
  return name;
}

// --------------------------------------------------------------------- rfactor

namespace {

/// How `loop` derives from root loops: the relation that made it (nullptr
/// for a root loop), whether any fuse is on its path, and how many splits.
struct LoopOrigin {
  const LoopRelation* made_by = nullptr;
  bool fused = false;
  int splits = 0;
};

LoopOrigin loop_origin(const StageSchedule& st, const std::string& loop) {
  LoopOrigin origin;
  std::vector<std::string> todo = {loop};
  while (!todo.empty()) {
    std::string cur = todo.back();
    todo.pop_back();
    for (const LoopRelation& r : st.relations) {
      if (r.kind == LoopRelation::Kind::Split && (r.outer == cur || r.inner == cur)) {
        if (cur == loop) origin.made_by = &r;
        ++origin.splits;
        todo.push_back(r.parent);
      } else if (r.kind == LoopRelation::Kind::Fuse && r.fused == cur) {
        if (cur == loop) origin.made_by = &r;
        origin.fused = true;
        todo.push_back(r.outer);
        todo.push_back(r.inner);
      }
    }
  }
  return origin;
}

/// What makes st not fresh enough for rfactor ("" when it is fine):
/// anything but splits of reduction loops.
std::string rfactor_blocker(const std::vector<StageSchedule>& stages, const StageSchedule& st) {
  for (const LoopRelation& r : st.relations) {
    if (r.kind == LoopRelation::Kind::Fuse) return r.outer + " and " + r.inner + " were fused";
    if (st.loop_axis_kind.at(r.parent) != AxisKind::Reduce) return r.parent + " was split";
  }
  if (st.leaf_loops != unreordered_leaves(st)) return "its loops were reordered";
  if (!st.loop_kinds.empty()) {
    return str(st.loop_kinds.begin()->first, " is marked ",
               for_kind_name(st.loop_kinds.begin()->second));
  }
  std::vector<std::string> attached = stages_attached_to(stages, st.name);
  if (!attached.empty()) return join(attached) + " computed at its loops";
  return "";
}

/// The shape of an rfactor: the reduction axis r it factors, the new
/// spatial axis of the rf stage (rf) and the part of r that stays a
/// reduction there (other, absent for a root loop), and r's value.
struct RFactorPlan {
  size_t r_index = 0;  ///< position of r among the Reduce's axes
  std::string rf_name, other_name;
  Expr rf_extent, other_extent;
  Expr factor;            ///< split factor (extent of the inner half)
  bool rf_is_inner = false;
  bool split = false;

  /// r in terms of the rf axis value and the other half's value.
  Expr r_value(const IterVar& r, const Expr& rf, const Expr& other) const {
    Expr offset = !split ? rf : rf_is_inner ? other * factor + rf : rf * factor + other;
    return is_const(r.dom.min, 0) ? offset : offset + r.dom.min;
  }
};

}  // namespace

std::string Schedule::rfactor(const std::string& loop) {
  TraceStep step{"rfactor", {loop}, {}};
  int s = require_leaf(step, def_, stages_, loop);
  const StageSchedule& st = stages_[s];
  if (st.loop_axis_kind.at(loop) != AxisKind::Reduce) {
    refuse(step, str("'", loop, "' is a spatial loop; rfactor takes a reduction loop of ",
                     st.name),
           {loop_listing(st, loop)});
  }
  if (!st.prefetches.empty()) {
    refuse(step, str("stage '", st.name, "' prefetches ", st.prefetches[0].tensor, " at ",
                     st.prefetches[0].at,
                     " (prefetch), and rfactor rebuilds its loops; apply rfactor first, then "
                     "prefetch"),
           {loop_listing(st, loop)});
  }
  LoopOrigin origin = loop_origin(st, loop);
  if (origin.fused) {
    refuse(step, str("'", loop, "' was made by fuse; rfactor takes a root reduction loop or one "
                     "half of a split of one. Apply rfactor before fusing"),
           {loop_listing(st, loop)});
  }
  if (origin.splits > 1) {
    refuse(step, str("'", loop, "' comes from ", origin.splits, " levels of split; rfactor takes a "
                     "root reduction loop or one half of a single split of one"),
           {loop_listing(st, loop)});
  }
  std::string blocker = rfactor_blocker(stages_, st);
  if (!blocker.empty()) {
    refuse(step, str("'", st.name, "' is already scheduled (", blocker, "); apply rfactor(", loop,
                     ") right after splitting the reduction loop, before other primitives on ",
                     st.name),
           {loop_listing(st, loop)});
  }
  std::string rf_stage = st.name + "_rf";
  check_new_stage_name(step, def_, stages_, rf_stage, "rfactor each stage once");

  OpRef op = st.op;
  const Reduce* red = op->body.as<Reduce>();
  internal_assert(red) << "reduction loop " << loop << " of a stage without a Reduce";
  RFactorPlan plan;
  std::string root = origin.made_by ? origin.made_by->parent : loop;
  while (plan.r_index < red->axes.size() && st.root_loop(red->axes[plan.r_index].name()) != root) {
    ++plan.r_index;
  }
  internal_assert(plan.r_index < red->axes.size()) << "no reduction axis for " << root;
  const IterVar r = red->axes[plan.r_index];
  if (!origin.made_by) {
    plan.rf_name = r.name();
    plan.rf_extent = r.dom.extent;
  } else {
    const LoopRelation& rel = *origin.made_by;
    plan.split = true;
    plan.rf_is_inner = loop == rel.inner;
    Expr outer_extent = rel.by_nparts ? make_index(rel.factor)
                                      : ceil_div(r.dom.extent, make_index(rel.factor));
    plan.factor = rel.by_nparts ? ceil_div(r.dom.extent, make_index(rel.factor))
                                : make_index(rel.factor);
    plan.rf_name = r.name() + (plan.rf_is_inner ? "_i" : "_o");
    plan.other_name = r.name() + (plan.rf_is_inner ? "_o" : "_i");
    plan.rf_extent = plan.rf_is_inner ? plan.factor : outer_extent;
    plan.other_extent = plan.rf_is_inner ? outer_extent : plan.factor;
  }
  for (const std::string& name : {plan.rf_name, plan.other_name}) {
    if (!plan.split || name == r.name()) continue;
    if (st.loop_axis_kind.count(st.root_loop(name))) {
      refuse(step, str("rfactor would name a new axis '", name, "', but ", st.name,
                       " already has an axis of that name; rename it in the definition"),
             {loop_listing(st, loop)});
    }
  }

  // The rf stage: rf[rf_axis, spatial...] reduces over the remaining axes.
  std::vector<Expr> rf_shape = {plan.rf_extent};
  rf_shape.insert(rf_shape.end(), op->shape.begin(), op->shape.end());
  std::vector<std::string> rf_axes = {plan.rf_name};
  for (const IterVar& iv : op->axis) rf_axes.push_back(iv.name());
  OpRef rf = compute(
                 rf_shape,
                 [&](const std::vector<Expr>& idx) {
                   std::map<std::string, Expr> m = spatial_map(*op, idx, 1);
                   std::vector<IterVar> axes;
                   Expr other;
                   for (size_t a = 0; a < red->axes.size(); ++a) {
                     if (a != plan.r_index) {
                       axes.push_back(fresh_iter(red->axes[a]));
                       m[red->axes[a].name()] = axes.back().var;
                     } else if (plan.split) {
                       axes.push_back(reduce_iter(plan.other_name, plan.other_extent));
                       other = axes.back().var;
                     }
                   }
                   Expr r_value = plan.r_value(r, idx[0], other);
                   m[r.name()] = r_value;
                   Expr source = substitute(red->source, m);
                   Expr cond = red->condition.defined() ? substitute(red->condition, m) : Expr();
                   if (plan.split) {
                     // The last part of a split may run past r's extent.
                     // likely(): partition_tails then peels that part off,
                     // so a vectorized rf axis stays vector on the rest
                     // (a softmax row of 4100 ran 2.5x slower without it).
                     Expr end = is_const(r.dom.min, 0) ? r.dom.extent : r.dom.min + r.dom.extent;
                     Expr in_range = likely(r_value < end);
                     cond = cond.defined() ? (cond && in_range) : in_range;
                   }
                   if (!axes.empty()) return Reduce::make(red->op, source, axes, cond);
                   if (!cond.defined()) return source;
                   return select(cond, source, reduce_identity(red->op, source.type()));
                 },
                 rf_stage, rf_axes)
                 .op();
  // The stage itself now reduces the rf stage over the rf axis.
  OpRef combined = compute(
                       op->shape,
                       [&](const std::vector<Expr>& idx) {
                         IterVar rv = reduce_iter(plan.rf_name, plan.rf_extent);
                         std::vector<Expr> at = {rv.var};
                         at.insert(at.end(), idx.begin(), idx.end());
                         return Reduce::make(red->op, TensorLoad::make(rf, at), {rv});
                       },
                       st.name, axis_names(op->axis))
                       .op();

  ComputeDef def = rebuild_def(def_, {{op.get(), combined}});
  std::vector<StageSchedule> next = stages_;
  // Fresh loops for both; the stage stays where it was computed.
  StageSchedule fresh = make_stage_schedule(def.find(st.name));
  fresh.attach = st.attach;
  fresh.attach_stage = st.attach_stage;
  fresh.attach_loop = st.attach_loop;
  next[s] = fresh;
  next.insert(next.begin() + s, make_stage_schedule(def.find(rf_stage)));
  repoint(next, def);
  check_attachments(step, def, next);
  def_ = std::move(def);
  stages_ = std::move(next);
  trace_.steps.push_back(step);
  return rf_stage;
}

}  // namespace kiln
