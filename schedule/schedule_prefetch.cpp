// The prefetch primitive and the rules that keep a recorded prefetch valid
// while other primitives change the stage's loops.
#include <algorithm>

#include "schedule/schedule.h"
#include "schedule/schedule_error.h"
#include "schedule/schedule_internal.h"

namespace kiln {

using namespace schedule_detail;

namespace schedule_detail {

std::vector<std::pair<const StageSchedule*, std::string>> loops_around(
    const std::vector<StageSchedule>& stages, const StageSchedule& st, const std::string& at) {
  std::vector<std::pair<const StageSchedule*, std::string>> out;
  auto take = [&](const StageSchedule& x, const std::string& last) {
    std::vector<std::pair<const StageSchedule*, std::string>> level;
    for (const std::string& l : x.leaf_loops) {
      level.emplace_back(&x, l);
      if (l == last) break;
    }
    out.insert(out.begin(), level.begin(), level.end());
  };
  take(st, at);
  const StageSchedule* cur = &st;
  for (size_t hops = 0; hops < stages.size() && cur->attach == AttachKind::At; ++hops) {
    const int next = find_stage(stages, cur->attach_stage);
    if (next < 0) break;
    take(stages[next], cur->attach_loop);
    cur = &stages[next];
  }
  return out;
}

std::string prefetch_problem(const std::vector<StageSchedule>& stages, const StageSchedule& st,
                             const PrefetchSpec& p) {
  if (st.attach == AttachKind::Inline) return str("'", st.name, "' is inlined and has no loops");
  if (!st.has_leaf(p.at)) return str("'", p.at, "' is not a loop of '", st.name, "'");
  // A prefetch names an element of a buffer that lives for the whole
  // kernel: an input or a stage computed at root. A stage computed at a
  // loop holds only that loop's region (the next iteration's elements are
  // not there yet), and an inlined stage has no buffer at all.
  const int fetched = find_stage(stages, p.tensor);
  if (fetched >= 0 && stages[fetched].attach == AttachKind::At) {
    return str("'", p.tensor, "' is computed at ", stages[fetched].attach_loop,
               ", so its buffer holds one iteration's region and later iterations' elements "
               "are not there to fetch; prefetch an input or a stage computed at root "
               "(compute_root) instead");
  }
  if (fetched >= 0 && stages[fetched].attach == AttachKind::Inline) {
    return str("'", p.tensor, "' is inlined, so it has no buffer to fetch from; prefetch the "
               "tensors it reads, or compute it at root");
  }
  const auto around = loops_around(stages, st, p.at);
  auto from = std::find_if(around.begin(), around.end(),
                           [&](const auto& l) { return l.second == p.from; });
  if (from == around.end()) {
    std::vector<std::string> names;
    for (const auto& l : around) names.push_back(l.second);
    return str("'", p.from, "' is not '", p.at, "' or a loop around it (outer to inner: ",
               join(names), "); the loop whose later iterations are fetched must enclose the "
               "prefetch");
  }
  for (const auto& [x, l] : around) {
    const ForKind kind = x->kind_of(l);
    if (kind == ForKind::Vectorized || is_gpu_block(kind) || is_gpu_thread(kind)) {
      return str("'", l, "' is ", for_kind_name(kind), ", and a prefetch at '", p.at,
                 "' would run inside it; prefetch at a serial, unrolled or parallel loop "
                 "outside the vector loop");
    }
  }
  return "";
}

void check_prefetches(const TraceStep& step, const std::vector<StageSchedule>& stages,
                      const std::string& stage,
                      const std::function<void(StageSchedule&)>& change) {
  bool any = false;
  for (const StageSchedule& st : stages) any = any || !st.prefetches.empty();
  if (!any) return;  // the usual case: nothing to copy
  std::vector<StageSchedule> next = stages;
  for (StageSchedule& st : next) {
    if (st.name == stage) change(st);
  }
  check_prefetches(step, next);
}

void check_prefetches(const TraceStep& step, const std::vector<StageSchedule>& next) {
  for (const StageSchedule& st : next) {
    for (const PrefetchSpec& p : st.prefetches) {
      const std::string problem = prefetch_problem(next, st, p);
      if (problem.empty()) continue;
      refuse(step, str("stage '", st.name, "' prefetches ", p.tensor, " at ", p.at, " from ",
                       p.from, " (prefetch), and after this step ", problem,
                       ". Shape the loops and place the stages first, then prefetch"),
             {loop_listing(st)});
    }
  }
}

}  // namespace schedule_detail

void Schedule::prefetch(const std::string& tensor, const std::string& at, const std::string& from,
                        int64_t offset) {
  TraceStep step{"prefetch", {tensor, at, from}, {offset}};
  const int s = require_leaf(step, def_, stages_, at);
  StageSchedule& st = stages_[s];
  if (!def_.find(tensor)) {
    std::vector<std::string> names;
    for (const Tensor& t : def_.inputs()) names.push_back(t.name());
    for (const StageSchedule& x : stages_) names.push_back(x.name);
    refuse(step, str("'", tensor, "' is not a tensor of ", def_.name(), "; its tensors are ",
                     join(names)));
  }
  if (tensor == st.name || !effective_consumers(def_, stages_, tensor).count(st.name)) {
    refuse(step, str("stage '", st.name, "' does not read '", tensor,
                     "' (directly or through inlined stages); prefetch a tensor the loop reads"),
           {stage_listing(stages_, st.name)});
  }
  if (offset < 1) {
    refuse(step, str("offset must be at least 1 (how many iterations of ", from,
                     " ahead to fetch), got ", offset),
           {loop_listing(st, at)});
  }
  const PrefetchSpec spec{tensor, at, from, offset};
  const std::string problem = prefetch_problem(stages_, st, spec);
  if (!problem.empty()) refuse(step, problem, {loop_listing(st, at)});
  st.prefetches.push_back(spec);
  trace_.steps.push_back(step);
}

}  // namespace kiln
