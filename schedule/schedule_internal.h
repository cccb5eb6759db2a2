#pragma once
/// \file
/// Lookups and checks the schedule primitives share (internal to schedule/).
/// The require_* functions either return what was asked for or refuse the
/// step with a ScheduleError that says what exists instead.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "schedule/schedule.h"

namespace kiln {
namespace schedule_detail {

/// A fresh schedule of a compute op: at root, root loops in definition
/// order (spatial axes, then reduction axes), nothing split or marked.
StageSchedule make_stage_schedule(const OpRef& op);

/// The index of the stage named `name`, or -1.
int find_stage(const std::vector<StageSchedule>& stages, const std::string& name);

/// The index of the compute stage `name`. Refuses unknown names and
/// placeholders (which have no schedule).
int require_stage(const TraceStep& step, const ComputeDef& def,
                  const std::vector<StageSchedule>& stages, const std::string& name);

/// The index of the stage that has `loop` among its current leaf loops.
/// Refuses malformed loop names, unknown stages and loops, and loops that
/// were split or fused away (saying into what).
int require_leaf(const TraceStep& step, const ComputeDef& def,
                 const std::vector<StageSchedule>& stages, const std::string& loop);

/// The stage part of a loop name: "C" for "C.i.o" ("" when there is no '.').
std::string stage_part(const std::string& loop);

/// Names of the stages computed at `loop` (compute_at).
std::vector<std::string> stages_attached_at(const std::vector<StageSchedule>& stages,
                                            const std::string& loop);
/// Names of the stages computed at any loop of stage `stage`.
std::vector<std::string> stages_attached_to(const std::vector<StageSchedule>& stages,
                                            const std::string& stage);

/// The leaf order st's relations produce when no reorder was applied.
std::vector<std::string> unreordered_leaves(const StageSchedule& st);

/// The stages that read `stage`'s values, looking through inlined stages to
/// the stages they are inlined into.
std::set<std::string> effective_consumers(const ComputeDef& def,
                                          const std::vector<StageSchedule>& stages,
                                          const std::string& stage);

/// Whether stage `reader` runs inside loop `loop` of stage `target`: it is
/// target itself, or it is computed (following its chain of compute_at
/// attachments) at `loop` or at a loop nested inside it.
bool runs_inside(const std::vector<StageSchedule>& stages, const std::string& reader,
                 const std::string& target, const std::string& loop);

/// Refuses `step` when, in the schedule state given by def and stages, a
/// stage computed at a loop of stage T would be read by a stage other than
/// T, or T no longer has that loop. Primitives call it on the state they
/// are about to commit, so a change elsewhere cannot silently invalidate an
/// earlier compute_at.
void check_attachments(const TraceStep& step, const ComputeDef& def,
                       const std::vector<StageSchedule>& stages);

/// The loops that enclose the body of loop `at` of st, outer to inner, each
/// with its stage: st's leaf loops down to `at`, after (outside them) the
/// loops of the stages st is computed inside, down to each attach loop.
std::vector<std::pair<const StageSchedule*, std::string>> loops_around(
    const std::vector<StageSchedule>& stages, const StageSchedule& st, const std::string& at);

/// Why prefetch p cannot run in stage st as the schedule stands, "" when
/// it can: `at` is a leaf loop of st, `from` is one of loops_around(at),
/// and none of those is vectorized or GPU-bound.
std::string prefetch_problem(const std::vector<StageSchedule>& stages, const StageSchedule& st,
                             const PrefetchSpec& p);

/// Refuses `step` when it would leave a prefetch invalid (next: every
/// stage as the step is about to commit them).
void check_prefetches(const TraceStep& step, const std::vector<StageSchedule>& next);
/// check_prefetches of `stages` with `change` applied to the stage named
/// `stage`; copies nothing when no stage prefetches.
void check_prefetches(const TraceStep& step, const std::vector<StageSchedule>& stages,
                      const std::string& stage,
                      const std::function<void(StageSchedule&)>& change);

}  // namespace schedule_detail
}  // namespace kiln
