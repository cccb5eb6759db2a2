// build_loop_nests: the first IR of lowering, from the stage plans of
// infer_bounds.
//
// Expects: a Schedule the primitives validated and its plans. Produces: For loops named
// after the leaf loops ("C.i.o"), running from 0; TensorStore at absolute
// coordinates; Realize around each intermediate stage's storage; split tails
// and out-of-domain points of attached stages guarded by
// `if (likely(cond))` at the innermost loop the condition depends on.
//
// Where each stage goes:
// - root stages follow each other in producer order; an intermediate one
//   is wrapped in a Realize that also encloses everything after it;
// - a stage computed at loop L of T opens L's body, in a Realize that also
//   encloses the rest of that body (several: in producer order);
// - inlined stages have no nest: their consumers still read them, and
//   inline_stages, the next pass, substitutes those reads.
//
// A prefetch opens the body of its `at` loop, before the stages attached
// there: one prefetch per cache line of the region it fetches, guarded by
// the existence of the iteration it fetches for.
//
// A reduction stores `S[idx] = combine(S[idx], source)`; its init
// `S[idx] = identity` runs right before the outermost reduction loop, over
// the spatial loops nested inside that point, so every point a reduction
// loop will update is initialized in the same iteration of the loops around.
#include <algorithm>

#include "base/error.h"
#include "dsl/ir_operators.h"
#include "dsl/simplify.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

class LoopNestBuilder {
 public:
  LoopNestBuilder(const Schedule& sch, const StagePlans& plans, bool with_prefetches)
      : sch_(sch), plans_(plans), with_prefetches_(with_prefetches) {
    for (const Tensor& t : sch.def().outputs()) outputs_.push_back(t.name());
    for (const StageSchedule& st : sch.stages()) {
      if (st.attach == AttachKind::At) attached_[{st.attach_stage, st.attach_loop}].push_back(&st);
    }
  }

  /// The root stages in producer order, each intermediate one realized
  /// around itself and everything that follows.
  Stmt build() const {
    Stmt rest;
    const std::vector<StageSchedule>& stages = sch_.stages();
    for (auto st = stages.rbegin(); st != stages.rend(); ++st) {
      if (st->attach != AttachKind::Root) continue;
      rest = realize(plan(st->name), Block::make({nest(plan(st->name)), rest}));
    }
    internal_assert(rest.defined()) << "schedule of '" << sch_.def().name() << "' has no root stage";
    return rest;
  }

 private:
  const StageLoops& plan(const std::string& stage) const {
    auto it = plans_.find(stage);
    internal_assert(it != plans_.end()) << "stage '" << stage << "' has no loop nest";
    return it->second;
  }

  /// Storage for an intermediate stage around `body`; outputs are buffers.
  Stmt realize(const StageLoops& s, Stmt body) const {
    if (std::count(outputs_.begin(), outputs_.end(), s.stage->name)) return body;
    return Realize::make(s.stage->op, s.region, s.stage->scope, std::move(body));
  }

  /// The whole nest of one stage.
  Stmt nest(const StageLoops& s) const { return update_loops(s, 0); }

  /// The statement `depth` leaf loops deep in the main nest: at that depth
  /// the guards placed there, then the stages attached to the loop that
  /// just opened, then the next loop (or the store). At the outermost
  /// reduction loop, the reduction init comes first.
  Stmt update_loops(const StageLoops& s, int depth) const {
    const std::vector<std::string>& leaves = s.stage->leaf_loops;
    Stmt body = depth == static_cast<int>(leaves.size()) ? update(s) : loop(s, depth, update_loops(s, depth + 1));
    if (depth == s.reduction_depth && s.stage->op->is_reduction())
      body = Block::make({init_loops(s, depth), body});
    body = attach_stages(s, depth, body);
    body = prefetches(s, depth, body);
    return guard(s, depth, /*spatial_only=*/false, body);
  }

  /// The prefetches placed `depth` loops deep, before body.
  Stmt prefetches(const StageLoops& s, int depth, Stmt body) const {
    if (!with_prefetches_) return body;
    std::vector<Stmt> stmts;
    for (const PrefetchPlan& p : s.prefetches) {
      if (p.depth == depth) stmts.push_back(prefetch_lines(p));
    }
    if (stmts.empty()) return body;
    stmts.push_back(std::move(body));
    return Block::make(std::move(stmts));
  }

  /// One prefetch per cache line of p's region: loops over its outer
  /// dimensions, and along the innermost one the first element of every
  /// line's worth of elements. A region that does not start on a line
  /// boundary leaves its last partial line to the next iteration's region,
  /// which starts there (a row fetched piece by piece is fetched whole).
  static Stmt prefetch_lines(const PrefetchPlan& p) {
    constexpr int64_t kCacheLineBytes = 64;
    const size_t dims = p.region.size();
    const std::string base = "prefetch." + p.tensor->name;
    const int64_t per_line = std::max<int64_t>(1, kCacheLineBytes / p.tensor->dtype.bytes());
    std::vector<Expr> index;
    for (size_t d = 0; d + 1 < dims; ++d)
      index.push_back(p.region[d].min + make_var(base + ".d" + std::to_string(d)));
    const std::string line = base + ".line";
    if (dims > 0) index.push_back(p.region[dims - 1].min + make_var(line) * make_index(per_line));
    Stmt s = Evaluate::make(
        Call::make(i32(), Intrinsic::Prefetch, {TensorLoad::make(p.tensor, std::move(index))}));
    if (dims > 0) {
      const Expr lines = simplify((p.region[dims - 1].extent + make_index(per_line - 1)) /
                                  make_index(per_line));
      int64_t n = 0;
      // A few lines: straight-line prefetches, no loop overhead.
      const ForKind kind = as_const_int(lines, &n) && n <= 16 ? ForKind::Unrolled : ForKind::Serial;
      s = For::make(line, make_index(0), lines, kind, s);
    }
    for (size_t d = dims > 0 ? dims - 1 : 0; d-- > 0;)
      s = For::make(base + ".d" + std::to_string(d), make_index(0), p.region[d].extent,
                    ForKind::Serial, s);
    return IfThenElse::make(p.condition, s);
  }

  /// The reduction init from `depth` inward: the spatial loops only, each
  /// with its spatial guards (those at the outermost reduction loop's depth
  /// already wrap the init in the main nest).
  Stmt init_loops(const StageLoops& s, int depth) const {
    const std::vector<std::string>& leaves = s.stage->leaf_loops;
    Stmt body;
    if (depth == static_cast<int>(leaves.size())) {
      body = init(s);
    } else if (s.stage->loop_axis_kind.at(leaves[depth]) == AxisKind::Spatial) {
      body = loop(s, depth, init_loops(s, depth + 1));
    } else {
      body = init_loops(s, depth + 1);
    }
    if (depth == s.reduction_depth) return body;
    return guard(s, depth, /*spatial_only=*/true, body);
  }

  Stmt loop(const StageLoops& s, int index, Stmt body) const {
    const std::string& name = s.stage->leaf_loops[index];
    return For::make(name, make_index(0), s.leaf_extents[index], s.stage->kind_of(name),
                     std::move(body));
  }

  /// The guards tested `depth` loops deep, around body.
  Stmt guard(const StageLoops& s, int depth, bool spatial_only, Stmt body) const {
    for (auto g = s.guards.rbegin(); g != s.guards.rend(); ++g) {
      if (g->depth != depth || (spatial_only && !g->spatial)) continue;
      body = IfThenElse::make(likely(g->condition), body);
    }
    return body;
  }

  /// The stages computed at the loop that opens at this depth, first to
  /// last in producer order, each realized around the rest of the body.
  Stmt attach_stages(const StageLoops& s, int depth, Stmt body) const {
    if (depth == 0) return body;
    auto it = attached_.find({s.stage->name, s.stage->leaf_loops[depth - 1]});
    if (it == attached_.end()) return body;
    for (auto p = it->second.rbegin(); p != it->second.rend(); ++p) {
      const StageLoops& producer = plan((*p)->name);
      body = realize(producer, Block::make({nest(producer), body}));
    }
    return body;
  }

  Stmt update(const StageLoops& s) const {
    const OpRef& op = s.stage->op;
    const Reduce* reduce = op->body.as<Reduce>();
    if (!reduce) return TensorStore::make(op, s.store_indices, s.value);
    Expr acc = TensorLoad::make(op, s.store_indices);
    Stmt store = TensorStore::make(op, s.store_indices, reduce_combine(reduce->op, acc, s.value));
    if (s.reduce_condition.defined()) store = IfThenElse::make(s.reduce_condition, store);
    return store;
  }

  Stmt init(const StageLoops& s) const {
    const OpRef& op = s.stage->op;
    Expr identity = reduce_identity(op->body.as<Reduce>()->op, op->dtype);
    return TensorStore::make(op, s.store_indices, identity);
  }

  const Schedule& sch_;
  const StagePlans& plans_;
  std::vector<std::string> outputs_;
  /// (consumer stage, loop) -> the stages computed there, in producer order.
  std::map<std::pair<std::string, std::string>, std::vector<const StageSchedule*>> attached_;
  bool with_prefetches_ = true;
};

}  // namespace

Stmt build_loop_nests(const Schedule& sch, const StagePlans& plans, bool with_prefetches) {
  return LoopNestBuilder(sch, plans, with_prefetches).build();
}

}  // namespace kiln
