#pragma once
/// \file
/// Bounds inference and the loop structure of every stage: the first step
/// of lowering, on the schedule's data (no IR exists yet). Its result is
/// what build_loop_nests turns into loops.
///
/// For each stage that is not inlined, from its StageSchedule:
/// - the region it is computed over: the whole domain for a root stage; for
///   a stage computed at loop L of a consumer T, the union of what T (and
///   every stage computed inside L) reads of it during one iteration of L;
/// - the extent of every loop, walking splits and fuses forward from the
///   root extents (region extents, reduction domains);
/// - the value of every root axis in terms of the leaf loop variables,
///   walking the relations backward (split: outer * factor + inner; fuse:
///   fused / extent(inner) and fused mod extent(inner));
/// - the guards: a split whose factor may not divide its parent's extent
///   runs past it and needs `value < extent`; a stage computed at a loop may
///   be asked for points outside its own domain (a consumer's split tail,
///   a clamped padding read) and must not read its inputs there.
///
/// Leaf loops are named as in the schedule ("C.i.o") and run from 0 to
/// their extent. Axis values are absolute coordinates: region min plus the
/// leaf composition, so stores and loads index tensors directly.

#include <map>
#include <string>
#include <vector>

#include "dsl/ir.h"
#include "schedule/schedule.h"

namespace kiln {

/// A condition the innermost statement of a stage needs, and where it goes.
struct LoopGuard {
  /// The condition itself; build_loop_nests wraps it in likely().
  Expr condition;
  /// How many of the stage's leaf loops enclose the test: right after the
  /// innermost loop the condition depends on opens (0: outside them all).
  int depth = 0;
  /// A spatial guard wraps a reduction's init and update; a guard on a
  /// reduction axis wraps only the update.
  bool spatial = true;
};

/// A software prefetch (Schedule::prefetch), placed in a stage's nest.
struct PrefetchPlan {
  /// How many of the stage's leaf loops enclose it: it opens the body of
  /// leaf loop depth - 1 (the prefetch's `at` loop).
  int depth = 0;
  OpRef tensor;
  /// The box of `tensor` read by one iteration of `at` with `from`
  /// advanced by the offset, in absolute coordinates, in the loop
  /// variables of `at` and the loops around it.
  std::vector<Range> region;
  /// from + offset < extent(from): that iteration exists.
  Expr condition;
};

/// The loop nest of one stage, ready to be emitted.
struct StageLoops {
  const StageSchedule* stage = nullptr;
  /// Per spatial axis, in absolute coordinates. Extents are constant when
  /// the access pattern allows; otherwise symbolic (heap allocated).
  std::vector<Range> region;
  /// Parallel to stage->leaf_loops; every leaf loop runs over [0, extent).
  std::vector<Expr> leaf_extents;
  /// Index in leaf_loops of the outermost reduction loop (leaf_loops.size()
  /// for a stage without reduction): where the reduction init goes.
  int reduction_depth = 0;
  /// The absolute coordinate of each spatial axis, in leaf loop variables.
  std::vector<Expr> store_indices;
  /// What the innermost statement computes, in leaf loop variables: the
  /// stored value, or a reduction's source. Reads of inlined stages are
  /// still reads here; the inline_stages pass substitutes them in the IR.
  Expr value;
  /// A reduction's condition (undefined: unconditional).
  Expr reduce_condition;
  /// value and reduce_condition with inlined stages substituted: what the
  /// stage really reads, which regions and prefetches are inferred from.
  Expr inlined_value, inlined_reduce_condition;
  /// Split tails and, for attached stages, the stage's own domain.
  std::vector<LoopGuard> guards;
  /// The stage's software prefetches, in the order applied.
  std::vector<PrefetchPlan> prefetches;
};

/// The loop structure of every stage that is not inlined, by stage name.
using StagePlans = std::map<std::string, StageLoops>;

/// Plans every stage that is not inlined. Stages are processed consumers
/// first, since a stage's region depends on how its consumers' loops read
/// it. Refuses (UserError) a vectorized or unrolled loop whose extent turns
/// out not constant or too large, and a prefetch that cannot be placed.
StagePlans infer_bounds(const Schedule& sch);

/// The stage of that name, or nullptr (placeholders have no stage).
const StageSchedule* find_stage(const Schedule& sch, const std::string& name);

}  // namespace kiln
