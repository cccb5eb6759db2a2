// Loop primitives: split, split_nparts, fuse, reorder, tile, vectorize,
// unroll, parallel. Each validates everything first and only then mutates,
// so a refused primitive leaves the schedule and its trace untouched.
#include <algorithm>

#include "base/error.h"
#include "schedule/schedule.h"
#include "schedule/schedule_error.h"
#include "schedule/schedule_internal.h"

namespace kiln {

using namespace schedule_detail;

namespace {


/// Refuses to split or fuse `loop` when that would drop something attached
/// to it: a stage computed at it, or a loop kind. `verb` is "split" or
/// "fuse"; `new_loops` names the loops that will replace it.
void check_loop_unmarked_and_free(const TraceStep& step, const std::vector<StageSchedule>& stages,
                                  const StageSchedule& st, const std::string& loop,
                                  const std::string& verb, const std::string& new_loops) {
  std::vector<std::string> attached = stages_attached_at(stages, loop);
  if (!attached.empty()) {
    refuse(step, str("stage '", attached[0], "' is computed at ", loop, " (compute_at), so ",
                     loop, " cannot be ", verb == "split" ? "split" : "fused", ". Compute ",
                     attached[0], " at root, ", verb, " ", loop, ", then compute ", attached[0],
                     " at ", new_loops),
           {loop_listing(st, loop)});
  }
  for (const StageSchedule& x : stages) {
    for (const PrefetchSpec& p : x.prefetches) {
      if (p.at != loop && p.from != loop) continue;
      refuse(step, str("stage '", x.name, "' prefetches ", p.tensor, " at ", p.at, " from ",
                       p.from, " (prefetch), so ", loop, " cannot be ",
                       verb == "split" ? "split" : "fused", "; shape the loops first, then prefetch"),
             {loop_listing(st, loop)});
    }
  }
  ForKind kind = st.kind_of(loop);
  if (kind != ForKind::Serial) {
    refuse(step, str("'", loop, "' is already marked ", for_kind_name(kind), ", so it cannot be ",
                     verb == "split" ? "split" : "fused",
                     "; split and fuse loops before marking them"),
           {loop_listing(st, loop)});
  }
}

/// Validates split(loop, amount): `what` names the amount in messages
/// ("split factor", "nparts", "tile factor fx").
void check_split(const TraceStep& step, const std::vector<StageSchedule>& stages,
                 const StageSchedule& st, const std::string& loop, int64_t amount,
                 const std::string& what) {
  if (amount <= 0) {
    refuse(step, str(what, " must be positive, got ", amount), {loop_listing(st, loop)});
  }
  check_loop_unmarked_and_free(step, stages, st, loop, "split",
                               str("one of the new loops (", loop, ".o or ", loop, ".i)"));
}

/// Replaces leaf `loop` by its two halves; returns (outer, inner).
std::pair<std::string, std::string> split_loop(StageSchedule& st, const std::string& loop,
                                               int64_t amount, bool by_nparts) {
  LoopRelation r;
  r.kind = LoopRelation::Kind::Split;
  r.parent = loop;
  r.outer = loop + ".o";
  r.inner = loop + ".i";
  r.factor = amount;
  r.by_nparts = by_nparts;
  // A leaf is split at most once, so its halves' names are always new.
  internal_assert(!st.loop_axis_kind.count(r.outer) && !st.loop_axis_kind.count(r.inner))
      << "loop " << loop << " split twice";
  AxisKind kind = st.loop_axis_kind.at(loop);
  st.loop_axis_kind[r.outer] = kind;
  st.loop_axis_kind[r.inner] = kind;
  auto it = std::find(st.leaf_loops.begin(), st.leaf_loops.end(), loop);
  *it = r.inner;
  st.leaf_loops.insert(it, r.outer);
  st.relations.push_back(r);
  return {r.outer, r.inner};
}

/// Puts `loops` (distinct leaves of st) into the positions they occupy, in
/// the given order.
void reorder_leaves(StageSchedule& st, const std::vector<std::string>& loops) {
  std::vector<size_t> positions;
  for (const std::string& loop : loops) {
    positions.push_back(std::find(st.leaf_loops.begin(), st.leaf_loops.end(), loop) -
                        st.leaf_loops.begin());
  }
  std::sort(positions.begin(), positions.end());
  for (size_t i = 0; i < loops.size(); ++i) st.leaf_loops[positions[i]] = loops[i];
}

/// Refuses a pair of loops that belong to different stages.
void check_same_stage(const TraceStep& step, const std::vector<StageSchedule>& stages, int a,
                      int b, const std::string& loop_a, const std::string& loop_b,
                      const std::string& verb) {
  if (a == b) return;
  refuse(step, str("'", loop_a, "' and '", loop_b, "' belong to different stages (",
                   stages[a].name, " and ", stages[b].name, "); ", verb, " loops of one stage"),
         {loop_listing(stages[a], loop_a), loop_listing(stages[b], loop_b)});
}

size_t leaf_position(const StageSchedule& st, const std::string& loop) {
  return std::find(st.leaf_loops.begin(), st.leaf_loops.end(), loop) - st.leaf_loops.begin();
}

/// The constant extent of a loop about to be vectorized or unrolled, or 0
/// when only bounds inference will know it: the loops of a stage computed
/// at a consumer's loop span the region the consumer's tile needs, often a
/// constant (a 6 x 64 tile of C needs a 6 x 64 tile of C_local). Lowering
/// checks those. Refuses when the extent can never be constant.
int64_t require_constant_extent(const TraceStep& step, const StageSchedule& st,
                                const std::string& loop, const std::string& verb) {
  int64_t extent = 0;
  if (constant_loop_extent(st, loop, &extent)) return extent;
  if (st.attach == AttachKind::At) return 0;
  refuse(step, str("'", loop, "' has no constant extent, so it cannot be ", verb,
                   "; split it by a constant factor first and mark the inner loop, or compute ",
                   st.name, " at a loop of a consumer whose tile fixes its extent"),
         {loop_listing(st, loop)});
}

/// Refuses marking a loop with `kind` when it already has another kind.
void check_not_marked_otherwise(const TraceStep& step, const StageSchedule& st,
                                const std::string& loop, ForKind kind) {
  ForKind current = st.kind_of(loop);
  if (current == ForKind::Serial || current == kind) return;
  refuse(step, str("'", loop, "' is already marked ", for_kind_name(current),
                   "; a loop has one kind. Split it and mark each half instead"),
         {loop_listing(st, loop)});
}

/// Refuses running a reduction loop's iterations at once (lanes or threads);
/// `verbing` is what doing so is called ("vectorizing it").
void check_not_reduction(const TraceStep& step, const StageSchedule& st, const std::string& loop,
                         const std::string& verbing, const std::string& alternative) {
  if (st.loop_axis_kind.at(loop) != AxisKind::Reduce) return;
  refuse(step, str("'", loop, "' is a reduction loop of stage '", st.name, "'; ", verbing,
                   " would race on ", st.name, ". Use rfactor(", loop, ") first, or ",
                   alternative, " a spatial loop"),
         {loop_listing(st, loop)});
}

}  // namespace

std::pair<std::string, std::string> Schedule::split(const std::string& loop, int64_t factor) {
  TraceStep step{"split", {loop}, {factor}};
  StageSchedule& st = stages_[require_leaf(step, def_, stages_, loop)];
  check_split(step, stages_, st, loop, factor, "split factor");
  auto halves = split_loop(st, loop, factor, false);
  trace_.steps.push_back(step);
  return halves;
}

std::pair<std::string, std::string> Schedule::split_nparts(const std::string& loop,
                                                           int64_t nparts) {
  TraceStep step{"split_nparts", {loop}, {nparts}};
  StageSchedule& st = stages_[require_leaf(step, def_, stages_, loop)];
  check_split(step, stages_, st, loop, nparts, "nparts");
  auto halves = split_loop(st, loop, nparts, true);
  trace_.steps.push_back(step);
  return halves;
}

std::string Schedule::fuse(const std::string& outer, const std::string& inner) {
  TraceStep step{"fuse", {outer, inner}, {}};
  int so = require_leaf(step, def_, stages_, outer);
  int si = require_leaf(step, def_, stages_, inner);
  check_same_stage(step, stages_, so, si, outer, inner, "fuse");
  StageSchedule& st = stages_[so];
  if (outer == inner) {
    refuse(step, str("fuses '", outer, "' with itself; name two adjacent loops"),
           {loop_listing(st, outer)});
  }
  size_t po = leaf_position(st, outer), pi = leaf_position(st, inner);
  size_t lo = std::min(po, pi), hi = std::max(po, pi);
  if (hi - lo != 1) {
    std::vector<std::string> between(st.leaf_loops.begin() + lo + 1, st.leaf_loops.begin() + hi);
    refuse(step, str("'", outer, "' and '", inner, "' are not adjacent (", join(between),
                     " between them); reorder them next to each other first"),
           {loop_listing(st, outer)});
  }
  if (pi < po) {
    refuse(step, str("'", inner, "' encloses '", outer, "'; name the outer loop first: fuse(",
                     inner, ", ", outer, ")"),
           {loop_listing(st, outer)});
  }
  if (st.loop_axis_kind.at(outer) != st.loop_axis_kind.at(inner)) {
    bool outer_spatial = st.loop_axis_kind.at(outer) == AxisKind::Spatial;
    const std::string& spatial = outer_spatial ? outer : inner;
    const std::string& reduce = outer_spatial ? inner : outer;
    refuse(step, str("'", spatial, "' is a spatial loop and '", reduce,
                     "' a reduction loop; only loops of the same kind can be fused"),
           {loop_listing(st, reduce)});
  }
  std::string fused = outer + "_" + inner.substr(st.name.size() + 1);
  check_loop_unmarked_and_free(step, stages_, st, outer, "fuse", "the fused loop " + fused);
  check_loop_unmarked_and_free(step, stages_, st, inner, "fuse", "the fused loop " + fused);
  if (st.loop_axis_kind.count(fused)) {
    refuse(step, str("the fused loop would be named '", fused, "', which stage '", st.name,
                     "' already has; rename the axis in the definition"),
           {loop_listing(st, outer)});
  }

  LoopRelation r;
  r.kind = LoopRelation::Kind::Fuse;
  r.outer = outer;
  r.inner = inner;
  r.fused = fused;
  st.loop_axis_kind[fused] = st.loop_axis_kind.at(outer);
  st.leaf_loops[po] = fused;
  st.leaf_loops.erase(st.leaf_loops.begin() + pi);
  st.relations.push_back(r);
  trace_.steps.push_back(step);
  return fused;
}

void Schedule::reorder(const std::vector<std::string>& loops) {
  TraceStep step{"reorder", loops, {}};
  if (loops.empty()) refuse(step, "reorder needs at least one loop", {stage_listing(stages_)});
  int first = require_leaf(step, def_, stages_, loops[0]);
  for (size_t i = 1; i < loops.size(); ++i) {
    int other = require_leaf(step, def_, stages_, loops[i]);
    check_same_stage(step, stages_, first, other, loops[0], loops[i], "reorder");
  }
  StageSchedule& st = stages_[first];
  for (size_t i = 0; i < loops.size(); ++i) {
    if (std::find(loops.begin() + i + 1, loops.end(), loops[i]) != loops.end()) {
      refuse(step, str("names '", loops[i], "' twice; name each loop once"),
             {loop_listing(st, loops[i])});
    }
  }
  auto change = [&](StageSchedule& x) { reorder_leaves(x, loops); };
  check_prefetches(step, stages_, st.name, change);
  change(st);
  trace_.steps.push_back(step);
}

std::vector<std::string> Schedule::tile(const std::string& x, const std::string& y, int64_t fx,
                                        int64_t fy) {
  TraceStep step{"tile", {x, y}, {fx, fy}};
  int sx = require_leaf(step, def_, stages_, x);
  int sy = require_leaf(step, def_, stages_, y);
  check_same_stage(step, stages_, sx, sy, x, y, "tile");
  StageSchedule& st = stages_[sx];
  if (x == y) {
    refuse(step, str("tiles '", x, "' with itself; name two different loops"),
           {loop_listing(st, x)});
  }
  check_split(step, stages_, st, x, fx, "tile factor fx");
  check_split(step, stages_, st, y, fy, "tile factor fy");
  auto xs = split_loop(st, x, fx, false);
  auto ys = split_loop(st, y, fy, false);
  std::vector<std::string> order = {xs.first, ys.first, xs.second, ys.second};
  reorder_leaves(st, order);
  trace_.steps.push_back(step);
  return order;
}

void Schedule::vectorize(const std::string& loop) {
  TraceStep step{"vectorize", {loop}, {}};
  StageSchedule& st = stages_[require_leaf(step, def_, stages_, loop)];
  check_not_reduction(step, st, loop, "vectorizing it", "vectorize");
  check_not_marked_otherwise(step, st, loop, ForKind::Vectorized);
  int64_t lanes = require_constant_extent(step, st, loop, "vectorized");
  if (lanes > kMaxVectorLanes) {
    refuse(step, str("'", loop, "' has ", lanes, " iterations, more than the ", kMaxVectorLanes,
                     " lanes a vector may have; split it by a factor of at most ",
                     kMaxVectorLanes, " and vectorize the inner loop"),
           {loop_listing(st, loop)});
  }
  auto change = [&](StageSchedule& x) { x.loop_kinds[loop] = ForKind::Vectorized; };
  check_prefetches(step, stages_, st.name, change);
  change(st);
  trace_.steps.push_back(step);
}

void Schedule::unroll(const std::string& loop) {
  TraceStep step{"unroll", {loop}, {}};
  StageSchedule& st = stages_[require_leaf(step, def_, stages_, loop)];
  check_not_marked_otherwise(step, st, loop, ForKind::Unrolled);
  int64_t extent = require_constant_extent(step, st, loop, "unrolled");
  if (extent > kMaxUnroll) {
    refuse(step, str("'", loop, "' has ", extent, " iterations, more than the ", kMaxUnroll,
                     " a loop may be unrolled to; split it and unroll the inner loop"),
           {loop_listing(st, loop)});
  }
  st.loop_kinds[loop] = ForKind::Unrolled;
  trace_.steps.push_back(step);
}

void Schedule::parallel(const std::string& loop) {
  TraceStep step{"parallel", {loop}, {}};
  StageSchedule& st = stages_[require_leaf(step, def_, stages_, loop)];
  check_not_reduction(step, st, loop, "running its iterations in parallel", "parallelize");
  check_not_marked_otherwise(step, st, loop, ForKind::Parallel);
  st.loop_kinds[loop] = ForKind::Parallel;
  trace_.steps.push_back(step);
}

}  // namespace kiln
