// infer_bounds: from each stage's schedule data (relations, leaf order,
// attachment) to the loops that compute it and the region they cover.
//
// Expects: a Schedule the primitives validated. Produces: a StageLoops per
// stage that is not inlined (region, leaf extents, store indices, value,
// guards, prefetches), in absolute coordinates; no IR.
//
// Stages are planned consumers first. A stage computed at loop L of a
// consumer T covers what is read of it during one iteration of L: the loops
// of T at and outside L are fixed then (they stay symbols), the loops inside
// L run over their whole extent, and so do the loops of every stage computed
// inside L. That makes regions symbolic in the enclosing loop variables,
// exactly as Halide's and TVM's bounds inference do.
#include "schedule/passes/infer_bounds.h"

#include <algorithm>

#include "base/error.h"
#include "dsl/interval.h"
#include "dsl/ir_operators.h"
#include "dsl/ir_printer.h"
#include "dsl/ir_visitor.h"
#include "dsl/simplify.h"
#include "dsl/substitute.h"
#include "schedule/passes/passes.h"
#include "schedule/schedule_internal.h"

namespace kiln {

const StageSchedule* find_stage(const Schedule& sch, const std::string& name) {
  for (const StageSchedule& st : sch.stages()) {
    if (st.name == name) return &st;
  }
  return nullptr;
}

namespace {

/// Every read of one tensor: the index lists of its TensorLoads.
class CollectReads : public IRVisitor {
 public:
  explicit CollectReads(std::string tensor) : tensor_(std::move(tensor)) {}
  std::vector<std::vector<Expr>> reads;
  OpRef op;  ///< the tensor read, once a read is found

 protected:
  using IRVisitor::visit;
  void visit(const TensorLoad* op) override {
    if (op->op->name == tensor_) {
      reads.push_back(op->indices);
      this->op = op->op;
    }
    IRVisitor::visit(op);
  }

 private:
  std::string tensor_;
};

/// What `reader` reads of `tensor`, through inlined stages.
std::vector<std::vector<Expr>> reads_of(const std::string& tensor, const StageLoops& reader) {
  CollectReads c(tensor);
  c.visit_expr(reader.inlined_value);
  c.visit_expr(reader.inlined_reduce_condition);
  return c.reads;
}

Expr ceil_div(const Expr& a, int64_t b) { return simplify((a + make_index(b - 1)) / make_index(b)); }

/// Extents of every loop of a stage, from the root extents forward through
/// its splits and fuses.
std::map<std::string, Expr> loop_extents(const StageSchedule& st,
                                         std::map<std::string, Expr> extent) {
  for (const LoopRelation& r : st.relations) {
    switch (r.kind) {
      case LoopRelation::Kind::Split: {
        const Expr& parent = extent.at(r.parent);
        if (r.by_nparts) {
          extent[r.outer] = make_index(r.factor);
          extent[r.inner] = ceil_div(parent, r.factor);
        } else {
          extent[r.outer] = ceil_div(parent, r.factor);
          extent[r.inner] = make_index(r.factor);
        }
        break;
      }
      case LoopRelation::Kind::Fuse:
        extent[r.fused] = simplify(extent.at(r.outer) * extent.at(r.inner));
        break;
    }
  }
  return extent;
}

/// The value of every loop (from 0) in terms of the leaf loop variables,
/// walking the relations backward: each relation defines the loops it
/// consumed from the loops it made, which are leaves or were defined by a
/// later relation.
std::map<std::string, Expr> loop_values(const StageSchedule& st,
                                        const std::map<std::string, Expr>& extent) {
  std::map<std::string, Expr> value;
  for (const std::string& leaf : st.leaf_loops) value[leaf] = make_var(leaf);
  for (auto r = st.relations.rbegin(); r != st.relations.rend(); ++r) {
    switch (r->kind) {
      case LoopRelation::Kind::Split: {
        Expr factor = r->by_nparts ? extent.at(r->inner) : make_index(r->factor);
        value[r->parent] = value.at(r->outer) * factor + value.at(r->inner);
        break;
      }
      case LoopRelation::Kind::Fuse: {
        const Expr& fused = value.at(r->fused);
        value[r->outer] = fused / extent.at(r->inner);
        value[r->inner] = fused % extent.at(r->inner);
        break;
      }
    }
  }
  return value;
}

/// The number of leaf loops that must be open before cond can be tested:
/// one past the innermost leaf it uses.
int guard_depth(const Expr& cond, const std::vector<std::string>& leaves) {
  for (size_t d = leaves.size(); d > 0; --d) {
    if (expr_uses_var(cond, leaves[d - 1])) return static_cast<int>(d);
  }
  return 0;
}

bool provable(const Expr& cond, const Scope& scope) {
  Expr c = simplify(cond, scope);
  if (is_const(c, 1)) return true;
  return can_prove(c, scope);
}

Expr offset(const Expr& min, const Expr& rel) { return is_const(min, 0) ? rel : min + rel; }

/// Guards for the splits whose parts may cover more than their parent: a
/// factor that does not divide the extent leaves a partial last iteration.
std::vector<LoopGuard> split_tail_guards(const StageSchedule& st,
                                         const std::map<std::string, Expr>& extent,
                                         const std::map<std::string, Expr>& value,
                                         const Scope& scope) {
  std::vector<LoopGuard> guards;
  for (const LoopRelation& r : st.relations) {
    if (r.kind != LoopRelation::Kind::Split) continue;
    const Expr& parent_extent = extent.at(r.parent);
    Expr covered = extent.at(r.outer) * extent.at(r.inner);
    if (provable(covered <= parent_extent, scope)) continue;
    LoopGuard g;
    g.condition = value.at(r.parent) < parent_extent;
    g.depth = guard_depth(g.condition, st.leaf_loops);
    g.spatial = st.loop_axis_kind.at(r.parent) == AxisKind::Spatial;
    guards.push_back(g);
  }
  return guards;
}

/// A vectorized or unrolled loop of an attached stage may be marked before
/// its extent is known (schedule time); here, after bounds inference, it
/// must be a constant within the limits.
void check_marked_extent(const StageSchedule& st, const std::string& loop, const Expr& extent) {
  const ForKind kind = st.kind_of(loop);
  if (kind != ForKind::Vectorized && kind != ForKind::Unrolled) return;
  const bool vector = kind == ForKind::Vectorized;
  const char* verb = vector ? "vectorize" : "unroll";
  const int64_t limit = vector ? kMaxVectorLanes : kMaxUnroll;
  int64_t n = 0;
  if (!as_const_int(simplify(extent), &n)) {
    user_error << verb << "(" << loop << "): after bounds inference the loop runs "
               << to_string(simplify(extent)) << " iterations, not a constant number, because "
               << st.name << " is computed over a region that varies; split " << loop
               << " by a constant factor and " << verb << " the inner loop";
  }
  if (n > limit) {
    user_error << verb << "(" << loop << "): after bounds inference the loop runs " << n
               << " iterations, more than the " << limit << " allowed; split it by a smaller "
               << "factor and " << verb << " the inner loop";
  }
}

/// Whether stage x is computed inside loop number `loop` of stage t (in
/// leaf order), following x's chain of compute_at attachments.
bool computed_inside(const StageSchedule* x, const StageSchedule& t, size_t loop,
                     const Schedule& sch) {
  while (x && x->attach == AttachKind::At) {
    if (x->attach_stage == t.name) {
      const auto& leaves = t.leaf_loops;
      auto at = std::find(leaves.begin(), leaves.end(), x->attach_loop);
      return at != leaves.end() && static_cast<size_t>(at - leaves.begin()) >= loop;
    }
    x = find_stage(sch, x->attach_stage);
  }
  return false;
}

/// The region of stage s, computed at loop s.attach_loop of s.attach_stage:
/// the box of everything read of s during one iteration of that loop.
/// `loops` holds the range of every leaf loop of the stages planned so far.
std::vector<Range> required_region(const StageSchedule& s, const Schedule& sch,
                                   const std::map<std::string, StageLoops>& planned,
                                   const Scope& loops) {
  auto target = planned.find(s.attach_stage);
  internal_assert(target != planned.end())
      << "stage '" << s.name << "' is computed at " << s.attach_loop << " of '" << s.attach_stage
      << "', which is inlined or not a stage";
  const StageSchedule& t = *target->second.stage;
  auto at = std::find(t.leaf_loops.begin(), t.leaf_loops.end(), s.attach_loop);
  internal_assert(at != t.leaf_loops.end())
      << "stage '" << s.name << "' is computed at " << s.attach_loop << ", not a loop of '"
      << t.name << "'";
  size_t attach = static_cast<size_t>(at - t.leaf_loops.begin());

  // The loops that run during one iteration of the attach loop range over
  // their extent; the attach loop and those around it are symbols.
  Scope inside;
  for (size_t l = attach + 1; l < t.leaf_loops.size(); ++l)
    inside[t.leaf_loops[l]] = loops.at(t.leaf_loops[l]);
  std::vector<const StageLoops*> readers = {&target->second};
  for (const auto& [name, x] : planned) {
    if (name == t.name || !computed_inside(x.stage, t, attach, sch)) continue;
    readers.push_back(&x);
    for (const std::string& leaf : x.stage->leaf_loops) inside[leaf] = loops.at(leaf);
  }
  // A stage whose storage is shared by a GPU block covers what every
  // thread of the block reads: the thread-bound loops around the attach
  // point range over their extent too (as in TVM). A shared stage with
  // thread-bound loops of its own (a cooperative load) is one, even when
  // its scope is left to lowering. On a CPU those loops run serially and
  // the larger region stays correct.
  bool own_threads = false;
  for (const auto& [loop, kind] : s.loop_kinds) own_threads |= is_gpu_thread(kind);
  if (s.scope == MemoryScope::Shared || (s.scope == MemoryScope::Auto && own_threads)) {
    for (const auto& [name, x] : planned) {
      for (const std::string& leaf : x.stage->leaf_loops) {
        if (is_gpu_thread(x.stage->kind_of(leaf))) inside[leaf] = loops.at(leaf);
      }
    }
  }
  for (const auto& [name, x] : planned) {
    bool is_reader = std::find(readers.begin(), readers.end(), &x) != readers.end();
    internal_assert(is_reader || reads_of(s.name, x).empty())
        << "stage '" << s.name << "' is computed at " << s.attach_loop << " but '" << name
        << "', which reads it, is computed outside that loop; compute_at must refuse this";
  }

  const std::vector<Expr>& shape = s.op->shape;
  std::vector<Interval> box(shape.size());
  bool any = false;
  for (const StageLoops* r : readers) {
    for (const std::vector<Expr>& index : reads_of(s.name, *r)) {
      for (size_t d = 0; d < shape.size(); ++d) {
        // An index that uses none of the loops running inside is one point;
        // interval arithmetic would widen its floor divisions and modulos
        // (a fused loop's coordinates) to their whole range.
        bool varies = false;
        for (const auto& [var, range] : inside) varies = varies || expr_uses_var(index[d], var);
        Interval b = varies ? bounds_of(index[d], inside) : Interval::point(index[d]);
        box[d] = any ? interval_union(box[d], b) : b;
      }
      any = true;
    }
  }
  internal_assert(any) << "stage '" << s.name << "' is computed at " << s.attach_loop
                       << " but nothing inside that loop reads it";

  std::vector<Range> region;
  for (size_t d = 0; d < shape.size(); ++d) {
    // An unbounded side (a data-dependent index) falls back to the domain.
    Expr lo = box[d].min.defined() ? box[d].min : make_index(0);
    Expr hi = box[d].max.defined() ? box[d].max : shape[d] - 1;
    Range r{simplify(lo), simplify(hi - lo + 1)};
    // A region clipped at the domain's edges (clamped padding reads) has an
    // extent that varies with the enclosing loops; its largest value keeps
    // the allocation constant. The larger region stays correct: the stage
    // guards its own domain.
    int64_t c;
    if (!as_const_int(r.extent, &c)) {
      Interval e = bounds_of(r.extent, loops);
      if (e.max.defined() && as_const_int(simplify(e.max), &c)) r.extent = make_index(c);
    }
    region.push_back(r);
  }
  return region;
}

/// For a stage computed at a loop: keeps every stored point inside the
/// stage's own domain, where the region may reach beyond it.
std::vector<LoopGuard> domain_guards(const StageLoops& st, const Scope& loops) {
  std::vector<LoopGuard> guards;
  const std::vector<Expr>& shape = st.stage->op->shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    const Expr& v = st.store_indices[d];
    Expr cond;
    for (Expr part : {v >= make_index(0), v < shape[d]}) {
      if (provable(part, loops)) continue;
      cond = cond.defined() ? (cond && part) : part;
    }
    if (!cond.defined()) continue;
    guards.push_back(LoopGuard{cond, guard_depth(cond, st.stage->leaf_loops), true});
  }
  return guards;
}

/// Places each prefetch of a planned stage: the box of the tensor that one
/// iteration of the `at` loop reads, with the `from` loop advanced by the
/// offset (the loops inside `at` range over their extent; `at` and the
/// loops around it stay symbols), as required_region computes a producer's
/// region.
std::vector<PrefetchPlan> plan_prefetches(const Schedule& sch, const StageLoops& plan,
                                          const Scope& loops) {
  const StageSchedule& st = *plan.stage;
  const std::vector<std::string>& leaves = st.leaf_loops;
  std::vector<PrefetchPlan> out;
  for (const PrefetchSpec& p : st.prefetches) {
    // The primitives keep prefetches valid; this catches a path they miss.
    const std::string problem = schedule_detail::prefetch_problem(sch.stages(), st, p);
    if (!problem.empty()) {
      user_error << "prefetch(" << p.tensor << ", " << p.at << ", " << p.from << ", " << p.offset
                 << ") of stage '" << st.name << "' cannot be placed: " << problem;
    }
    CollectReads reads(p.tensor);
    reads.visit_expr(plan.inlined_value);
    reads.visit_expr(plan.inlined_reduce_condition);
    if (reads.reads.empty()) {
      user_error << "prefetch(" << p.tensor << ", " << p.at << ", " << p.from << ", " << p.offset
                 << "): stage '" << st.name << "' no longer reads " << p.tensor
                 << " (a cache_read gave it a copy); prefetch the tensor the stage reads";
    }
    const size_t at = std::find(leaves.begin(), leaves.end(), p.at) - leaves.begin();
    Scope inside;
    for (size_t l = at + 1; l < leaves.size(); ++l) inside[leaves[l]] = loops.at(leaves[l]);
    const Expr later = make_var(p.from) + make_index(p.offset);
    const std::vector<Expr>& shape = reads.op->shape;
    std::vector<Interval> box(shape.size());
    for (size_t r = 0; r < reads.reads.size(); ++r) {
      for (size_t d = 0; d < shape.size(); ++d) {
        const Expr index = substitute(reads.reads[r][d], p.from, later);
        bool varies = false;
        for (const auto& [var, range] : inside) varies = varies || expr_uses_var(index, var);
        const Interval b = varies ? bounds_of(index, inside) : Interval::point(simplify(index));
        box[d] = r == 0 ? b : interval_union(box[d], b);
      }
    }
    PrefetchPlan placed;
    placed.depth = static_cast<int>(at) + 1;
    placed.tensor = reads.op;
    for (size_t d = 0; d < shape.size(); ++d) {
      // An unbounded side (a data-dependent index) falls back to the domain.
      const Expr lo = box[d].min.defined() ? box[d].min : make_index(0);
      const Expr hi = box[d].max.defined() ? box[d].max : shape[d] - 1;
      placed.region.push_back({simplify(lo), simplify(hi - lo + 1)});
    }
    // `from` is a loop of this stage or of a consumer it is computed inside
    // (planned before it): either way its range is in `loops`.
    placed.condition = simplify(later < loops.at(p.from).max + make_index(1));
    out.push_back(std::move(placed));
  }
  return out;
}

/// The loops of stage st computing `region`. Adds its leaf loops to `loops`.
StageLoops plan_stage(const Schedule& sch, const StageSchedule& st, std::vector<Range> region,
                      Scope& loops) {
  const OperationNode& op = *st.op;
  const Reduce* reduce = op.body.as<Reduce>();

  // Root extents and minimums, by root loop name and by axis variable.
  std::map<std::string, Expr> root_extent;
  std::vector<std::pair<std::string, Expr>> axis_min;  // axis var, min
  for (size_t d = 0; d < op.axis.size(); ++d) {
    root_extent[st.root_loop(op.axis[d].name())] = region[d].extent;
    axis_min.emplace_back(op.axis[d].name(), region[d].min);
  }
  if (reduce) {
    for (const IterVar& iv : reduce->axes) {
      root_extent[st.root_loop(iv.name())] = iv.dom.extent;
      axis_min.emplace_back(iv.name(), iv.dom.min);
    }
  }
  for (const auto& [root, ext] : root_extent) {
    internal_assert(std::count(st.root_loops.begin(), st.root_loops.end(), root))
        << "stage '" << st.name << "' has no root loop " << root;
  }
  std::map<std::string, Expr> extent = loop_extents(st, root_extent);
  std::map<std::string, Expr> value = loop_values(st, extent);

  StageLoops out;
  out.stage = &st;
  out.region = std::move(region);
  out.reduction_depth = static_cast<int>(st.leaf_loops.size());
  for (size_t l = 0; l < st.leaf_loops.size(); ++l) {
    const std::string& leaf = st.leaf_loops[l];
    check_marked_extent(st, leaf, extent.at(leaf));
    out.leaf_extents.push_back(extent.at(leaf));
    loops[leaf] = Interval{make_index(0), simplify(extent.at(leaf) - 1)};
    if (st.loop_axis_kind.at(leaf) == AxisKind::Reduce)
      out.reduction_depth = std::min(out.reduction_depth, static_cast<int>(l));
  }

  // Absolute axis values replace the axis variables of the body.
  std::map<std::string, Expr> axis_value;
  for (const auto& [axis, min] : axis_min)
    axis_value[axis] = offset(min, value.at(st.root_loop(axis)));
  for (const IterVar& iv : op.axis) {
    Expr v = axis_value.at(iv.name());
    // The reduction init covers the spatial loops inside the outermost
    // reduction loop; a spatial axis driven by a reduction loop (a fuse of
    // both kinds) would escape it.
    for (size_t l = 0; l < st.leaf_loops.size(); ++l) {
      internal_assert(!expr_uses_var(v, st.leaf_loops[l]) ||
                      st.loop_axis_kind.at(st.leaf_loops[l]) == AxisKind::Spatial)
          << "spatial axis " << st.root_loop(iv.name()) << " depends on reduction loop "
          << st.leaf_loops[l] << "; fuse must not mix spatial and reduction loops";
    }
    out.store_indices.push_back(v);
  }
  Expr body = reduce ? reduce->source : op.body;
  out.value = substitute(body, axis_value);
  if (reduce && reduce->condition.defined())
    out.reduce_condition = substitute(reduce->condition, axis_value);
  // Regions follow what is really read: through the inlined stages, which
  // inline_stages substitutes in the IR the same way.
  out.inlined_value = inline_stages(out.value, sch);
  out.inlined_reduce_condition = inline_stages(out.reduce_condition, sch);

  out.guards = split_tail_guards(st, extent, value, loops);
  return out;
}

std::vector<Range> whole_domain(const OperationNode& op) {
  std::vector<Range> region;
  for (const Expr& e : op.shape) region.push_back(Range{make_index(0), e});
  return region;
}

bool is_output(const Schedule& sch, const std::string& name) {
  for (const Tensor& t : sch.def().outputs()) {
    if (t.name() == name) return true;
  }
  return false;
}

}  // namespace

StagePlans infer_bounds(const Schedule& sch) {
  StagePlans planned;
  Scope loops;  // the range of every leaf loop planned so far
  const std::vector<StageSchedule>& stages = sch.stages();
  // Consumers first: a stage's region depends on its readers' loops.
  for (auto st = stages.rbegin(); st != stages.rend(); ++st) {
    switch (st->attach) {
      case AttachKind::Inline:
        internal_assert(!is_output(sch, st->name))
            << "output '" << st->name << "' is inlined; compute_inline must refuse it";
        break;
      case AttachKind::Root:
        planned[st->name] = plan_stage(sch, *st, whole_domain(*st->op), loops);
        planned[st->name].prefetches = plan_prefetches(sch, planned[st->name], loops);
        break;
      case AttachKind::At: {
        internal_assert(!is_output(sch, st->name))
            << "output '" << st->name << "' is computed at " << st->attach_loop
            << "; an output covers its whole domain, compute_at must refuse it";
        std::vector<Range> region = required_region(*st, sch, planned, loops);
        StageLoops plan = plan_stage(sch, *st, std::move(region), loops);
        std::vector<LoopGuard> domain = domain_guards(plan, loops);
        plan.guards.insert(plan.guards.end(), domain.begin(), domain.end());
        plan.prefetches = plan_prefetches(sch, plan, loops);
        planned[st->name] = std::move(plan);
        break;
      }
    }
  }
  return planned;
}

}  // namespace kiln
