// unroll_loops: Unrolled loops become straight-line copies of their body.
//
// Expects: flattened, vectorized IR (so copies are of vector code).
// Guarantees: no Unrolled loop remains. A loop of constant extent n becomes
// n copies of its body, the loop variable replaced by min, min + 1, ...;
// inner loops are unrolled first, so nested unrolled loops multiply out.
// A loop whose extent is not a constant (the schedule checks the extent
// it knows, but a stage computed at a loop can have a region, and so loop
// extents, that depend on size vars) cannot be copied a known number of
// times and stays a Serial loop: correct, only slower.
#include "dsl/ir_visitor.h"
#include "dsl/substitute.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

class UnrollLoops : public IRMutator {
 protected:
  using IRMutator::visit;

  Stmt visit(const For* op, const Stmt& s) override {
    Stmt body = mutate(op->body);
    if (op->for_kind != ForKind::Unrolled) {
      return body.same_as(op->body) ? s : For::make(op->name, op->min, op->extent, op->for_kind, body);
    }
    int64_t extent;
    if (!as_const_int(op->extent, &extent) || extent < 1) {
      // Extent 0 stays a loop too: an empty Block has no statement form.
      return For::make(op->name, op->min, op->extent, ForKind::Serial, body);
    }
    int64_t min;
    bool const_min = as_const_int(op->min, &min);
    std::vector<Stmt> copies;
    for (int64_t i = 0; i < extent; i++) {
      Expr value = const_min ? make_index(min + i) : (i == 0 ? op->min : Add::make(op->min, make_index(i)));
      copies.push_back(substitute(body, {{op->name, value}}));
    }
    return Block::make(std::move(copies));
  }
};

}  // namespace

Stmt unroll_loops(const Stmt& s) { return UnrollLoops().mutate(s); }

}  // namespace kiln
