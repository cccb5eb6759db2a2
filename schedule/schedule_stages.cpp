// Stage primitives: where a stage is computed (compute_at, compute_inline,
// compute_root), and how an output is stored (store_nontemporal). A stage
// computed at a loop of stage T must be read by T
// alone (looking through inlined stages): lowering computes it over the
// region T needs inside that loop, so any other reader would see only part
// of it. Every primitive checks that rule on the state it is about to
// commit, so moving one stage cannot silently break another's compute_at.
#include "base/error.h"
#include "schedule/schedule.h"
#include "schedule/schedule_error.h"
#include "schedule/schedule_internal.h"

namespace kiln {

using namespace schedule_detail;

namespace {

bool is_output(const ComputeDef& def, const std::string& stage) {
  for (const Tensor& t : def.outputs()) {
    if (t.name() == stage) return true;
  }
  return false;
}

/// Refuses `target` (the stage owning the compute_at loop) when it is
/// computed inside `stage`, directly or through other stages.
void check_no_cycle(const TraceStep& step, const std::vector<StageSchedule>& stages,
                    const std::string& stage, const StageSchedule& target) {
  const StageSchedule* cur = &target;
  for (size_t hops = 0; hops < stages.size() && cur->attach == AttachKind::At; ++hops) {
    if (cur->attach_stage == stage) {
      refuse(step, str("'", target.name, "' is itself computed inside '", stage, "' (at ",
                       cur->attach_loop, "); computing ", stage, " inside ", target.name,
                       " would be a cycle. Compute ", target.name, " at root first"),
             {stage_listing(stages, target.name)});
    }
    int next = find_stage(stages, cur->attach_stage);
    internal_assert(next >= 0) << "stage attached to unknown stage " << cur->attach_stage;
    cur = &stages[next];
  }
}

/// `stages` with stage s attached as `kind` (at `loop` of `at_stage` for
/// AttachKind::At), refused unless every stage's attachment stays valid.
std::vector<StageSchedule> with_attachment(const TraceStep& step, const ComputeDef& def,
                                           const std::vector<StageSchedule>& stages, int s,
                                           AttachKind kind, const std::string& at_stage = "",
                                           const std::string& at_loop = "") {
  std::vector<StageSchedule> next = stages;
  next[s].attach = kind;
  next[s].attach_stage = at_stage;
  next[s].attach_loop = at_loop;
  check_attachments(step, def, next);
  return next;
}

}  // namespace

void Schedule::compute_at(const std::string& stage, const std::string& loop) {
  TraceStep step{"compute_at", {stage, loop}, {}};
  int s = require_stage(step, def_, stages_, stage);
  if (is_output(def_, stage)) {
    refuse(step, str("'", stage, "' is an output of ", def_.name(),
                     "; an output is stored whole in its buffer, so it is computed at root"),
           {stage_listing(stages_, stage)});
  }
  int t = require_leaf(step, def_, stages_, loop);
  const StageSchedule& target = stages_[t];
  if (t == s) {
    refuse(step, str("'", loop, "' is a loop of '", stage,
                     "' itself; compute a stage at a loop of a stage that reads it"),
           {loop_listing(target, loop)});
  }
  if (target.attach == AttachKind::Inline) {
    refuse(step, str("'", target.name, "' is inlined, so it has no loops; compute ", target.name,
                     " at root first, or compute ", stage, " at a loop of the stage that ",
                     target.name, " is inlined into"),
           {stage_listing(stages_, target.name)});
  }
  check_no_cycle(step, stages_, stage, target);
  std::set<std::string> readers = effective_consumers(def_, stages_, stage);
  std::vector<std::string> reader_list(readers.begin(), readers.end());
  if (!readers.count(target.name)) {
    refuse(step, str("'", target.name, "' does not read '", stage, "' (", stage,
                     " is read by ", join(reader_list), "); compute ", stage,
                     " at a loop of a stage that reads it"),
           {loop_listing(target, loop), stage_listing(stages_, stage)});
  }
  // Every other reader must run inside `loop` too (computed there or
  // deeper), so the region computed per iteration covers all their reads.
  std::vector<std::string> outside;
  for (const std::string& r : reader_list) {
    if (!runs_inside(stages_, r, target.name, loop)) outside.push_back(r);
  }
  if (!outside.empty()) {
    refuse(step, str("'", stage, "' is also read by ", join(outside), ", which ",
                     outside.size() == 1 ? "is" : "are", " not computed inside ", loop,
                     "; computed there it would cover only what ", target.name,
                     " needs. Compute ", join(outside), " at ", loop,
                     " first, or compute ", stage, " at root or inline it"),
           {stage_listing(stages_, stage)});
  }

  stages_ = with_attachment(step, def_, stages_, s, AttachKind::At, target.name, loop);
  trace_.steps.push_back(step);
}

void Schedule::compute_inline(const std::string& stage) {
  TraceStep step{"compute_inline", {stage}, {}};
  int s = require_stage(step, def_, stages_, stage);
  const StageSchedule& st = stages_[s];
  if (st.op->is_reduction()) {
    std::vector<std::string> axes;
    for (const IterVar& iv : st.op->reduce_axis) axes.push_back(iv.name());
    refuse(step, str("'", stage, "' reduces over ", join(axes),
                     "; inlining a stage that has a reduction is not supported. Use compute_at(",
                     stage, ", loop) or compute_root(", stage, ")"),
           {stage_listing(stages_, stage)});
  }
  if (is_output(def_, stage)) {
    refuse(step, str("'", stage, "' is an output of ", def_.name(),
                     "; an output must be stored, so it cannot be inlined. Use compute_root(",
                     stage, ")"),
           {stage_listing(stages_, stage)});
  }
  if (!st.prefetches.empty()) {
    refuse(step, str("'", stage, "' prefetches ", st.prefetches[0].tensor, " at ",
                     st.prefetches[0].at, " (prefetch); inlining it would remove that loop. "
                     "Keep ", stage, " at root or computed at a loop"),
           {stage_listing(stages_, stage)});
  }
  if (!st.storage_layout.empty()) {
    refuse(step, str("'", stage, "' has a storage layout (transform_layout); an inlined stage "
                     "has no storage. Keep ", stage, " at root or computed at a loop"),
           {stage_listing(stages_, stage)});
  }
  std::vector<std::string> attached = stages_attached_to(stages_, stage);
  if (!attached.empty()) {
    refuse(step, str(join(attached), attached.size() == 1 ? " is" : " are",
                     " computed at loops of '", stage, "'; inlining ", stage,
                     " would remove those loops. Compute ", join(attached), " elsewhere first"),
           {stage_listing(stages_, stage)});
  }

  stages_ = with_attachment(step, def_, stages_, s, AttachKind::Inline);
  trace_.steps.push_back(step);
}

void Schedule::compute_root(const std::string& stage) {
  TraceStep step{"compute_root", {stage}, {}};
  int s = require_stage(step, def_, stages_, stage);
  stages_ = with_attachment(step, def_, stages_, s, AttachKind::Root);
  trace_.steps.push_back(step);
}

void Schedule::store_nontemporal(const std::string& stage) {
  TraceStep step{"store_nontemporal", {stage}, {}};
  int s = require_stage(step, def_, stages_, stage);
  const StageSchedule& st = stages_[s];
  if (!is_output(def_, stage)) {
    refuse(step, str("'", stage, "' is an intermediate of ", def_.name(),
                     "; the kernel reads it back, and non-temporal stores would send it to "
                     "memory first. Use store_nontemporal on an output stage"),
           {stage_listing(stages_, stage)});
  }
  if (st.op->is_reduction()) {
    std::vector<std::string> axes;
    for (const IterVar& iv : st.op->reduce_axis) axes.push_back(iv.name());
    refuse(step, str("'", stage, "' reduces over ", join(axes),
                     ", reading its own values back at every step; streaming its stores would "
                     "make each update miss the cache. Apply cache_write(", stage,
                     ") first and stream the copy-out stage it leaves"),
           {stage_listing(stages_, stage)});
  }
  nontemporal_outputs_.insert(stage);
  trace_.steps.push_back(step);
}

bool Schedule::stores_nontemporal(const std::string& stage) const {
  return nontemporal_outputs_.count(stage) > 0;
}

}  // namespace kiln
