// inline_stages: reads of inlined stages become those stages' values.
//
// Expects: the loop nests of build_loop_nests, where a stage marked
// compute_inline has no nest and no storage and its consumers still read it
// (TensorLoad of the inlined stage at absolute coordinates). Guarantees: no
// read of an inlined stage remains; each is the stage's body with its axes
// replaced by the read's indices. Chains of inlined stages vanish in one
// pass (the substituted body is inlined again).
//
// Bounds inference asks the same question of each stage's value before any
// IR exists (what does it read through inlined stages?), through the Expr
// overload, so the regions it computes and the IR agree.
#include <map>

#include "base/error.h"
#include "dsl/ir_visitor.h"
#include "dsl/substitute.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

class InlineStages : public IRMutator {
 public:
  explicit InlineStages(const Schedule& sch) : sch_(sch) {}

 protected:
  using IRMutator::visit;
  Expr visit(const TensorLoad* op, const Expr& e) override {
    Expr read = IRMutator::visit(op, e);
    const TensorLoad* load = read.as<TensorLoad>();
    const StageSchedule* producer = find_stage(sch_, load->op->name);
    if (!producer || producer->attach != AttachKind::Inline) return read;
    const OperationNode& p = *producer->op;
    internal_assert(!p.is_reduction())
        << "reduction stage '" << p.name << "' is inlined; compute_inline must refuse it";
    std::map<std::string, Expr> at;
    for (size_t d = 0; d < p.axis.size(); ++d) at[p.axis[d].name()] = load->indices[d];
    Expr value = substitute(p.body, at);
    // A 16-bit stage rounds its values when it stores them; the inlined
    // value keeps that rounding so results match the stored version.
    if (p.dtype.is_half_storage()) value = Cast::make(p.dtype, Cast::make(f32(), value));
    return mutate(value);
  }

 private:
  const Schedule& sch_;
};

}  // namespace

Expr inline_stages(const Expr& e, const Schedule& sch) {
  if (!e.defined()) return e;
  return InlineStages(sch).mutate(e);
}

Stmt inline_stages(const Stmt& s, const Schedule& sch) { return InlineStages(sch).mutate(s); }

}  // namespace kiln
