// Simplifier rules for comparisons (proved from the ranges of variables),
// logic, select, intrinsic calls, lets and the leaves.
#include "base/error.h"
#include "dsl/ir_equal.h"
#include "dsl/simplify/simplify_internal.h"
#include "dsl/substitute.h"

namespace kiln {
namespace simplify_detail {

namespace {

bool is_true(const Expr& e) { return e.type().is_bool() && is_const(e, 1); }
bool is_false(const Expr& e) { return e.type().is_bool() && is_const(e, 0); }

/// The decision of `a kind b` from the bounds of a - b; -1 when unknown.
int decide(IRKind kind, const ConstBounds& d) {
  bool neg = d.has_hi && d.hi < 0, nonpos = d.has_hi && d.hi <= 0;
  bool pos = d.has_lo && d.lo > 0, nonneg = d.has_lo && d.lo >= 0;
  switch (kind) {
    case IRKind::LT: return neg ? 1 : nonneg ? 0 : -1;
    case IRKind::LE: return nonpos ? 1 : pos ? 0 : -1;
    case IRKind::GT: return pos ? 1 : nonpos ? 0 : -1;
    case IRKind::GE: return nonneg ? 1 : neg ? 0 : -1;
    case IRKind::EQ: return nonpos && nonneg ? 1 : pos || neg ? 0 : -1;
    case IRKind::NE: return nonpos && nonneg ? 0 : pos || neg ? 1 : -1;
    default: return -1;
  }
}

}  // namespace

Expr Simplifier::compare(IRKind kind, const Expr& a, const Expr& b) {
  Type t = a.type();
  if (is_linear_type(t)) {
    int known = decide(kind, difference_bounds(a, b, scope_));
    if (known >= 0) return IntImm::make(boolean(), known);
  } else if (t.is_int_or_uint() || t.is_bool()) {
    // x == x and friends; not for floats, where NaN compares unequal.
    if (equal(a, b)) {
      bool reflexive = kind == IRKind::EQ || kind == IRKind::LE || kind == IRKind::GE;
      return make_const(boolean().with_lanes(t.lanes), int64_t(reflexive));
    }
  }
  return make_binary(kind, a, b);
}

Expr Simplifier::logic(IRKind kind, const Expr& a, const Expr& b) {
  bool is_and = kind == IRKind::And;
  // true && x -> x, false && x -> false; dually for ||.
  if (is_and ? is_true(a) : is_false(a)) return b;
  if (is_and ? is_true(b) : is_false(b)) return a;
  if (is_and ? is_false(a) : is_true(a)) return a;
  if (is_and ? is_false(b) : is_true(b)) return b;
  if (equal(a, b)) return a;
  return make_binary(kind, a, b);
}

Expr Simplifier::logical_not(const Expr& a) {
  int64_t v;
  if (a.as<IntImm>() && as_const_int(a, &v)) return IntImm::make(boolean(), !v);
  if (const Broadcast* b = a.as<Broadcast>()) return Broadcast::make(logical_not(b->value), b->lanes);
  if (const Not* n = a.as<Not>()) return n->a;
  // !(x < y) -> x >= y, except for floats (a NaN makes both false).
  auto flip = [&](auto* op, IRKind inverse) -> Expr {
    if (op->a.type().is_float()) return Not::make(a);
    return make_binary(inverse, op->a, op->b);
  };
  if (const LT* op = a.as<LT>()) return flip(op, IRKind::GE);
  if (const LE* op = a.as<LE>()) return flip(op, IRKind::GT);
  if (const GT* op = a.as<GT>()) return flip(op, IRKind::LE);
  if (const GE* op = a.as<GE>()) return flip(op, IRKind::LT);
  if (const EQ* op = a.as<EQ>()) return flip(op, IRKind::NE);
  if (const NE* op = a.as<NE>()) return flip(op, IRKind::EQ);
  return Not::make(a);
}

Expr Simplifier::visit(const Not* op, const Expr& e) {
  Expr a = mutate(op->a);
  Expr r = logical_not(a);
  if (a.same_as(op->a) && r.as<Not>()) return e;
  return r;
}

Expr Simplifier::visit(const Select* op, const Expr& e) {
  Expr c = mutate(op->condition);
  if (is_true(c)) return mutate(op->true_value);
  if (is_false(c)) return mutate(op->false_value);
  Expr t = mutate(op->true_value), f = mutate(op->false_value);
  if (equal(t, f)) return t;
  if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value)) return e;
  return Select::make(c, t, f);
}

Expr Simplifier::visit(const Call* op, const Expr& e) {
  std::vector<Expr> args;
  bool changed = mutate_exprs(op->args, &args);
  if (op->op == Intrinsic::Likely) {
    // likely(true) is true; the hint matters only on what stays unknown.
    if (is_constant_expr(args[0])) return args[0];
    if (const Call* inner = args[0].as<Call>(); inner && inner->op == Intrinsic::Likely) {
      return args[0];
    }
  }
  Expr folded = fold_call(op->type, op->op, args);
  if (folded.defined()) return folded;
  if (!changed) return e;
  return Call::make(op->type, op->op, std::move(args));
}

Expr Simplifier::visit(const Let* op, const Expr& e) {
  Expr value = mutate(op->value);
  // A constant or a variable costs nothing to repeat: substitute it.
  if (is_constant_expr(value) || value.as<Var>()) {
    return mutate(substitute(op->body, op->name, value));
  }
  Interval known = Interval::point(value);
  bool self = expr_uses_var(value, op->name);
  Expr body = with_range(op->name, self ? nullptr : &known, [&] { return mutate(op->body); });
  if (!expr_uses_var(body, op->name)) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return e;
  return Let::make(op->name, value, body);
}

Expr Simplifier::visit(const Var* op, const Expr& e) {
  auto it = scope_.find(op->name);
  if (it == scope_.end() || !op->type.is_int_or_uint()) return e;
  int64_t lo, hi;
  const Interval& r = it->second;
  if (r.min.defined() && r.max.defined() && const_int(r.min, &lo) && const_int(r.max, &hi) &&
      lo == hi) {
    return IntImm::make(op->type, lo);
  }
  return e;
}

Expr Simplifier::visit(const Ramp* op, const Expr& e) {
  Expr base = mutate(op->base), stride = mutate(op->stride);
  if (is_const(stride, 0)) return Broadcast::make(base, op->lanes);
  if (base.same_as(op->base) && stride.same_as(op->stride)) return e;
  return Ramp::make(base, stride, op->lanes);
}

Expr Simplifier::visit(const Broadcast* op, const Expr& e) {
  Expr v = mutate(op->value);
  if (v.same_as(op->value)) return e;
  return Broadcast::make(v, op->lanes);
}

Expr Simplifier::visit(const Reduce* op, const Expr& e) {
  // The axes are bound inside the reduction: an outer range of the same
  // name does not apply there, their own domain does.
  Scope saved = scope_;
  std::vector<IterVar> axes = op->axes;
  bool changed = false;
  for (IterVar& iv : axes) {
    Expr mn = mutate(iv.dom.min), ext = mutate(iv.dom.extent);
    changed = changed || !mn.same_as(iv.dom.min) || !ext.same_as(iv.dom.extent);
    iv.dom = Range{mn, ext};
  }
  for (const IterVar& iv : axes) {
    scope_[iv.name()] = Interval{iv.dom.min, binary(IRKind::Sub, binary(IRKind::Add, iv.dom.min, iv.dom.extent), make_index(1))};
  }
  Expr src = mutate(op->source), cond = mutate(op->condition);
  scope_ = saved;
  changed = changed || !src.same_as(op->source) || !cond.same_as(op->condition);
  if (!changed) return e;
  return Reduce::make(op->op, src, std::move(axes), cond);
}

}  // namespace simplify_detail
}  // namespace kiln
