#include "dsl/ir_visitor.h"

#include "base/error.h"

namespace kiln {

void IRVisitor::visit_expr(const Expr& e) {
  if (!e.defined()) return;
  switch (e->kind) {
#define KILN_CASE(N)                                  \
  case IRKind::N:                                     \
    visit(static_cast<const N*>(e.get()));            \
    return;
    KILN_FOR_EACH_EXPR_NODE(KILN_CASE)
#undef KILN_CASE
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_STMT_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "statement kind in an Expr handle";
  }
}

void IRVisitor::visit_stmt(const Stmt& s) {
  if (!s.defined()) return;
  switch (s->kind) {
#define KILN_CASE(N)                                  \
  case IRKind::N:                                     \
    visit(static_cast<const N*>(s.get()));            \
    return;
    KILN_FOR_EACH_STMT_NODE(KILN_CASE)
#undef KILN_CASE
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_EXPR_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "expression kind in a Stmt handle";
  }
}

void IRVisitor::visit(const IntImm*) {}
void IRVisitor::visit(const FloatImm*) {}
void IRVisitor::visit(const Var*) {}
void IRVisitor::visit(const Cast* op) { visit_expr(op->value); }
#define KILN_VISIT_BINARY(N)              \
  void IRVisitor::visit(const N* op) {    \
    visit_expr(op->a);                    \
    visit_expr(op->b);                    \
  }
KILN_VISIT_BINARY(Add)
KILN_VISIT_BINARY(Sub)
KILN_VISIT_BINARY(Mul)
KILN_VISIT_BINARY(Div)
KILN_VISIT_BINARY(Mod)
KILN_VISIT_BINARY(Min)
KILN_VISIT_BINARY(Max)
KILN_VISIT_BINARY(EQ)
KILN_VISIT_BINARY(NE)
KILN_VISIT_BINARY(LT)
KILN_VISIT_BINARY(LE)
KILN_VISIT_BINARY(GT)
KILN_VISIT_BINARY(GE)
KILN_VISIT_BINARY(And)
KILN_VISIT_BINARY(Or)
#undef KILN_VISIT_BINARY
void IRVisitor::visit(const Not* op) { visit_expr(op->a); }
void IRVisitor::visit(const Select* op) {
  visit_expr(op->condition);
  visit_expr(op->true_value);
  visit_expr(op->false_value);
}
void IRVisitor::visit(const Call* op) {
  for (const Expr& a : op->args) visit_expr(a);
}
void IRVisitor::visit(const Let* op) {
  visit_expr(op->value);
  visit_expr(op->body);
}
void IRVisitor::visit(const Ramp* op) {
  visit_expr(op->base);
  visit_expr(op->stride);
}
void IRVisitor::visit(const Broadcast* op) { visit_expr(op->value); }
void IRVisitor::visit(const Load* op) { visit_expr(op->index); }
void IRVisitor::visit(const TensorLoad* op) {
  for (const Expr& i : op->indices) visit_expr(i);
}
void IRVisitor::visit(const Reduce* op) {
  visit_expr(op->source);
  for (const IterVar& iv : op->axes) {
    visit_expr(iv.dom.min);
    visit_expr(iv.dom.extent);
  }
  visit_expr(op->condition);
}
void IRVisitor::visit(const LetStmt* op) {
  visit_expr(op->value);
  visit_stmt(op->body);
}
void IRVisitor::visit(const For* op) {
  visit_expr(op->min);
  visit_expr(op->extent);
  visit_stmt(op->body);
}
void IRVisitor::visit(const IfThenElse* op) {
  visit_expr(op->condition);
  visit_stmt(op->then_case);
  visit_stmt(op->else_case);
}
void IRVisitor::visit(const Block* op) {
  for (const Stmt& s : op->stmts) visit_stmt(s);
}
void IRVisitor::visit(const Store* op) {
  visit_expr(op->value);
  visit_expr(op->index);
}
void IRVisitor::visit(const TensorStore* op) {
  for (const Expr& i : op->indices) visit_expr(i);
  visit_expr(op->value);
}
void IRVisitor::visit(const Realize* op) {
  for (const Range& r : op->bounds) {
    visit_expr(r.min);
    visit_expr(r.extent);
  }
  visit_stmt(op->body);
}
void IRVisitor::visit(const Allocate* op) {
  for (const Expr& e : op->extents) visit_expr(e);
  visit_stmt(op->body);
}
void IRVisitor::visit(const Evaluate* op) { visit_expr(op->value); }

// ------------------------------------------------------------------ mutator

Expr IRMutator::mutate(const Expr& e) {
  if (!e.defined()) return e;
  switch (e->kind) {
#define KILN_CASE(N) \
  case IRKind::N:    \
    return visit(static_cast<const N*>(e.get()), e);
    KILN_FOR_EACH_EXPR_NODE(KILN_CASE)
#undef KILN_CASE
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_STMT_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "statement kind in an Expr handle";
  }
  return e;
}

Stmt IRMutator::mutate(const Stmt& s) {
  if (!s.defined()) return s;
  switch (s->kind) {
#define KILN_CASE(N) \
  case IRKind::N:    \
    return visit(static_cast<const N*>(s.get()), s);
    KILN_FOR_EACH_STMT_NODE(KILN_CASE)
#undef KILN_CASE
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_EXPR_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "expression kind in a Stmt handle";
  }
  return s;
}

bool IRMutator::mutate_exprs(const std::vector<Expr>& in, std::vector<Expr>* out) {
  bool changed = false;
  out->clear();
  out->reserve(in.size());
  for (const Expr& e : in) {
    out->push_back(mutate(e));
    changed = changed || !out->back().same_as(e);
  }
  return changed;
}

Expr IRMutator::visit(const IntImm*, const Expr& e) { return e; }
Expr IRMutator::visit(const FloatImm*, const Expr& e) { return e; }
Expr IRMutator::visit(const Var*, const Expr& e) { return e; }
Expr IRMutator::visit(const Cast* op, const Expr& e) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? e : Cast::make(op->type, v);
}
#define KILN_MUTATE_BINARY(N)                                   \
  Expr IRMutator::visit(const N* op, const Expr& e) {           \
    Expr a = mutate(op->a), b = mutate(op->b);                  \
    if (a.same_as(op->a) && b.same_as(op->b)) return e;         \
    return N::make(a, b);                                       \
  }
KILN_MUTATE_BINARY(Add)
KILN_MUTATE_BINARY(Sub)
KILN_MUTATE_BINARY(Mul)
KILN_MUTATE_BINARY(Div)
KILN_MUTATE_BINARY(Mod)
KILN_MUTATE_BINARY(Min)
KILN_MUTATE_BINARY(Max)
KILN_MUTATE_BINARY(EQ)
KILN_MUTATE_BINARY(NE)
KILN_MUTATE_BINARY(LT)
KILN_MUTATE_BINARY(LE)
KILN_MUTATE_BINARY(GT)
KILN_MUTATE_BINARY(GE)
KILN_MUTATE_BINARY(And)
KILN_MUTATE_BINARY(Or)
#undef KILN_MUTATE_BINARY
Expr IRMutator::visit(const Not* op, const Expr& e) {
  Expr a = mutate(op->a);
  return a.same_as(op->a) ? e : Not::make(a);
}
Expr IRMutator::visit(const Select* op, const Expr& e) {
  Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
  if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value))
    return e;
  return Select::make(c, t, f);
}
Expr IRMutator::visit(const Call* op, const Expr& e) {
  std::vector<Expr> args;
  if (!mutate_exprs(op->args, &args)) return e;
  return Call::make(op->type.with_lanes(args.empty() ? op->type.lanes : args[0].type().lanes),
                    op->op, std::move(args));
}
Expr IRMutator::visit(const Let* op, const Expr& e) {
  Expr v = mutate(op->value), b = mutate(op->body);
  if (v.same_as(op->value) && b.same_as(op->body)) return e;
  return Let::make(op->name, v, b);
}
Expr IRMutator::visit(const Ramp* op, const Expr& e) {
  Expr base = mutate(op->base), stride = mutate(op->stride);
  if (base.same_as(op->base) && stride.same_as(op->stride)) return e;
  return Ramp::make(base, stride, op->lanes);
}
Expr IRMutator::visit(const Broadcast* op, const Expr& e) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? e : Broadcast::make(v, op->lanes);
}
Expr IRMutator::visit(const Load* op, const Expr& e) {
  Expr i = mutate(op->index);
  if (i.same_as(op->index)) return e;
  return Load::make(op->type.with_lanes(i.type().lanes), op->buffer, i);
}
Expr IRMutator::visit(const TensorLoad* op, const Expr& e) {
  std::vector<Expr> idx;
  if (!mutate_exprs(op->indices, &idx)) return e;
  return TensorLoad::make(op->op, std::move(idx));
}
Expr IRMutator::visit(const Reduce* op, const Expr& e) {
  Expr src = mutate(op->source), cond = mutate(op->condition);
  bool changed = !src.same_as(op->source) || !cond.same_as(op->condition);
  std::vector<IterVar> axes = op->axes;
  for (IterVar& iv : axes) {
    Expr mn = mutate(iv.dom.min), ext = mutate(iv.dom.extent);
    changed = changed || !mn.same_as(iv.dom.min) || !ext.same_as(iv.dom.extent);
    iv.dom = Range{mn, ext};
  }
  if (!changed) return e;
  return Reduce::make(op->op, src, std::move(axes), cond);
}

Stmt IRMutator::visit(const LetStmt* op, const Stmt& s) {
  Expr v = mutate(op->value);
  Stmt b = mutate(op->body);
  if (v.same_as(op->value) && b.same_as(op->body)) return s;
  return LetStmt::make(op->name, v, b);
}
Stmt IRMutator::visit(const For* op, const Stmt& s) {
  Expr mn = mutate(op->min), ext = mutate(op->extent);
  Stmt b = mutate(op->body);
  if (mn.same_as(op->min) && ext.same_as(op->extent) && b.same_as(op->body)) return s;
  return For::make(op->name, mn, ext, op->for_kind, b);
}
Stmt IRMutator::visit(const IfThenElse* op, const Stmt& s) {
  Expr c = mutate(op->condition);
  Stmt t = mutate(op->then_case), f = mutate(op->else_case);
  if (c.same_as(op->condition) && t.same_as(op->then_case) && f.same_as(op->else_case))
    return s;
  return IfThenElse::make(c, t, f);
}
Stmt IRMutator::visit(const Block* op, const Stmt& s) {
  std::vector<Stmt> out;
  bool changed = false;
  for (const Stmt& st : op->stmts) {
    out.push_back(mutate(st));
    changed = changed || !out.back().same_as(st);
  }
  return changed ? Block::make(std::move(out)) : s;
}
Stmt IRMutator::visit(const Store* op, const Stmt& s) {
  Expr v = mutate(op->value), i = mutate(op->index);
  if (v.same_as(op->value) && i.same_as(op->index)) return s;
  return Store::make(op->buffer, v, i);
}
Stmt IRMutator::visit(const TensorStore* op, const Stmt& s) {
  std::vector<Expr> idx;
  bool changed = mutate_exprs(op->indices, &idx);
  Expr v = mutate(op->value);
  if (!changed && v.same_as(op->value)) return s;
  return TensorStore::make(op->op, std::move(idx), v);
}
Stmt IRMutator::visit(const Realize* op, const Stmt& s) {
  bool changed = false;
  std::vector<Range> bounds;
  for (const Range& r : op->bounds) {
    Range m{mutate(r.min), mutate(r.extent)};
    changed = changed || !m.min.same_as(r.min) || !m.extent.same_as(r.extent);
    bounds.push_back(m);
  }
  Stmt b = mutate(op->body);
  if (!changed && b.same_as(op->body)) return s;
  return Realize::make(op->op, std::move(bounds), op->scope, b);
}
Stmt IRMutator::visit(const Allocate* op, const Stmt& s) {
  std::vector<Expr> ext;
  bool changed = mutate_exprs(op->extents, &ext);
  Stmt b = mutate(op->body);
  if (!changed && b.same_as(op->body)) return s;
  return Allocate::make(op->buffer, op->type, std::move(ext), op->scope, b);
}
Stmt IRMutator::visit(const Evaluate* op, const Stmt& s) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? s : Evaluate::make(v);
}

}  // namespace kiln
