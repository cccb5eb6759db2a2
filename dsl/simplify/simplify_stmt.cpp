// Statement simplification and the public entry points. Descending into a
// loop adds the loop variable's range to the scope, so conditions inside
// are proved against it; ifs whose condition is decided disappear, and so
// do loops that run zero times.
#include "base/error.h"
#include "dsl/simplify.h"
#include "dsl/simplify/simplify_internal.h"
#include "dsl/substitute.h"

namespace kiln {
namespace simplify_detail {

bool is_no_op(const Stmt& s) {
  const Evaluate* ev = s.as<Evaluate>();
  return ev && is_constant_expr(ev->value);
}

Stmt no_op() { return Evaluate::make(make_zero(i32())); }

namespace {
/// The condition without its likely() hint.
const Expr& strip_likely(const Expr& c) {
  const Call* call = c.as<Call>();
  return call && call->op == Intrinsic::Likely ? call->args[0] : c;
}
}  // namespace

Stmt Simplifier::visit(const LetStmt* op, const Stmt& s) {
  Expr value = mutate(op->value);
  if (is_constant_expr(value) || value.as<Var>()) {
    return mutate(substitute(op->body, {{op->name, value}}));
  }
  Interval known = Interval::point(value);
  bool self = expr_uses_var(value, op->name);
  Stmt body = with_range(op->name, self ? nullptr : &known, [&] { return mutate(op->body); });
  if (!stmt_uses_var(body, op->name)) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return s;
  return LetStmt::make(op->name, value, body);
}

Stmt Simplifier::visit(const For* op, const Stmt& s) {
  Expr min = mutate(op->min), extent = mutate(op->extent);
  int64_t n = 0;
  bool constant_extent = const_int(extent, &n);
  if (constant_extent && n <= 0) return no_op();
  if (constant_extent && n == 1) {
    // One iteration: the body with the variable bound to min.
    if (is_constant_expr(min) || min.as<Var>()) {
      return mutate(substitute(op->body, {{op->name, min}}));
    }
    return mutate(LetStmt::make(op->name, min, op->body));
  }
  Interval range{min, binary(IRKind::Add, min, binary(IRKind::Sub, extent, make_index(1)))};
  bool self = expr_uses_var(min, op->name) || expr_uses_var(extent, op->name);
  Stmt body = with_range(op->name, self ? nullptr : &range, [&] { return mutate(op->body); });
  if (is_no_op(body)) return no_op();
  if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return s;
  return For::make(op->name, min, extent, op->for_kind, body);
}

Stmt Simplifier::visit(const IfThenElse* op, const Stmt& s) {
  Expr cond = mutate(op->condition);
  const Expr& test = strip_likely(cond);
  if (is_const(test, 1)) return mutate(op->then_case);
  if (is_const(test, 0)) return op->else_case.defined() ? mutate(op->else_case) : no_op();
  Stmt then_case = mutate(op->then_case);
  Stmt else_case = mutate(op->else_case);
  if (else_case.defined() && is_no_op(else_case)) else_case = Stmt();
  if (is_no_op(then_case) && !else_case.defined()) return no_op();
  if (cond.same_as(op->condition) && then_case.same_as(op->then_case) &&
      else_case.same_as(op->else_case)) {
    return s;
  }
  return IfThenElse::make(cond, then_case, else_case);
}

Stmt Simplifier::visit(const Block* op, const Stmt& s) {
  std::vector<Stmt> stmts;
  bool changed = false;
  for (const Stmt& st : op->stmts) {
    Stmt r = mutate(st);
    changed = changed || !r.same_as(st);
    if (is_no_op(r)) {
      changed = true;
      continue;
    }
    stmts.push_back(r);
  }
  if (!changed) return s;
  return Block::make(std::move(stmts));
}

Stmt Simplifier::visit(const Evaluate* op, const Stmt& s) {
  Expr v = mutate(op->value);
  if (is_constant_expr(v) && !is_no_op(s)) return no_op();
  if (v.same_as(op->value)) return s;
  return Evaluate::make(v);
}

}  // namespace simplify_detail

Expr simplify(const Expr& e, const Scope& scope) {
  if (!e.defined()) return e;
  simplify_detail::Simplifier s(scope);
  return s.mutate(e);
}

Stmt simplify(const Stmt& s, const Scope& scope) {
  if (!s.defined()) return s;
  simplify_detail::Simplifier simp(scope);
  return simp.mutate(s);
}

bool can_prove(const Expr& cond, const Scope& scope) {
  Expr c = simplify(cond, scope);
  return c.type().is_bool() && is_const(c, 1);
}

}  // namespace kiln
