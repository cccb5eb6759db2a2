// Simplifier rules for arithmetic: constant folding, canonical linear forms
// of signed integers, division and modulo by constants, min and max, and
// the same operations on Broadcast and Ramp vectors.
#include "base/error.h"
#include "dsl/ir_equal.h"
#include "dsl/simplify/simplify_internal.h"

namespace kiln {
namespace simplify_detail {

namespace {

bool is_comparison(IRKind k) {
  return k == IRKind::EQ || k == IRKind::NE || k == IRKind::LT || k == IRKind::LE ||
         k == IRKind::GT || k == IRKind::GE;
}

}  // namespace

Expr Simplifier::binary(IRKind kind, const Expr& a, const Expr& b) {
  Expr folded = fold_binary(kind, a, b);
  if (folded.defined()) return folded;
  Expr v = vector_binary(kind, a, b);
  if (v.defined()) return v;
  switch (kind) {
    case IRKind::Add:
    case IRKind::Sub:
    case IRKind::Mul: return arith(kind, a, b);
    case IRKind::Div:
    case IRKind::Mod: return div_mod(kind, a, b);
    case IRKind::Min:
    case IRKind::Max: return min_max(kind, a, b);
    case IRKind::And:
    case IRKind::Or: return logic(kind, a, b);
    default: break;
  }
  internal_assert(is_comparison(kind)) << "binary of " << ir_kind_name(kind);
  return compare(kind, a, b);
}

Expr Simplifier::visit_binary(IRKind kind, const Expr& a, const Expr& b, const Expr& e) {
  Expr sa = mutate(a), sb = mutate(b);
  Expr r = binary(kind, sa, sb);
  // Keep the original node when the rules rebuilt it as it was.
  if (r->kind == kind && sa.same_as(a) && sb.same_as(b) && !r.same_as(e) &&
      ir_compare(r, e) == 0) {
    return e;
  }
  return r;
}

#define KILN_SIMPLIFY_VISIT(N) \
  Expr Simplifier::visit(const N* op, const Expr& e) { return visit_binary(IRKind::N, op->a, op->b, e); }
KILN_SIMPLIFY_VISIT(Add)
KILN_SIMPLIFY_VISIT(Sub)
KILN_SIMPLIFY_VISIT(Mul)
KILN_SIMPLIFY_VISIT(Div)
KILN_SIMPLIFY_VISIT(Mod)
KILN_SIMPLIFY_VISIT(Min)
KILN_SIMPLIFY_VISIT(Max)
KILN_SIMPLIFY_VISIT(EQ)
KILN_SIMPLIFY_VISIT(NE)
KILN_SIMPLIFY_VISIT(LT)
KILN_SIMPLIFY_VISIT(LE)
KILN_SIMPLIFY_VISIT(GT)
KILN_SIMPLIFY_VISIT(GE)
KILN_SIMPLIFY_VISIT(And)
KILN_SIMPLIFY_VISIT(Or)
#undef KILN_SIMPLIFY_VISIT

Expr Simplifier::arith(IRKind kind, const Expr& a, const Expr& b) {
  Type t = a.type();
  if (is_linear_type(t)) {
    LinearForm fa = lf_parse(a), fb = lf_parse(b);
    LinearForm f = kind == IRKind::Add   ? lf_add(fa, fb)
                   : kind == IRKind::Sub ? lf_sub(fa, fb)
                                         : lf_mul(fa, fb);
    return lf_to_expr(f);
  }
  // Other types: identities that hold exactly (x + 0.0 does not: -0.0).
  bool is_float = t.is_float();
  if (kind == IRKind::Add && !is_float) {
    if (is_const(a, 0)) return b;
    if (is_const(b, 0)) return a;
  }
  if (kind == IRKind::Sub && is_const(b, 0)) return a;
  if (kind == IRKind::Mul) {
    if (is_const(b, 1)) return a;
    if (is_const(a, 1)) return b;
    if (!is_float && (is_const(a, 0) || is_const(b, 0))) return make_zero(t);
  }
  return make_binary(kind, a, b);
}

Expr Simplifier::div_mod(IRKind kind, const Expr& a, const Expr& b) {
  Type t = a.type();
  bool div = kind == IRKind::Div;
  if (div && is_const(b, 1)) return a;
  if (!div && is_const(b, 1) && !t.is_float()) return make_zero(t);
  int64_t c;
  if (!is_linear_type(t) || !const_int(b, &c) || c <= 0) return make_binary(kind, a, b);

  // a = q*c + r, where q gathers the terms whose coefficients c divides and
  // the multiples of c in the constant. Floor division and modulo then give
  // a / c = q + r / c and a mod c = r mod c, exactly, when a does not wrap.
  LinearForm f = lf_parse(a);
  LinearForm q = lf_constant(t, floor_div(f.constant, c));
  LinearForm r = lf_constant(t, floor_mod(f.constant, c));
  for (const auto& [term, k] : f.terms) {
    if (k % c == 0) {
      q = lf_add(q, lf_term(term, k / c));
    } else {
      r = lf_add(r, lf_term(term, k));
    }
  }
  if (!q.is_constant() || q.constant != 0) {
    if (!sum_fits(a, scope_)) return make_binary(kind, a, b);
  } else {
    r = f;  // nothing to pull out; keep the dividend as written
  }
  Expr rest = lf_to_expr(r);
  // r / c is constant when r stays within one multiple of c.
  ConstBounds rb = value_bounds(rest, scope_);
  bool one_bucket = rb.has_lo && rb.has_hi && floor_div(rb.lo, c) == floor_div(rb.hi, c);
  if (!div) {
    if (r.is_constant()) return IntImm::make(t, floor_mod(r.constant, c));
    if (one_bucket && rb.lo >= 0 && rb.hi < c) return rest;  // already in [0, c)
    if (const Mod* inner = rest.as<Mod>()) {
      int64_t d;
      // (x mod d) mod c == x mod c when c divides d.
      if (const_int(inner->b, &d) && d > 0 && d % c == 0) return Mod::make(inner->a, b);
    }
    return Mod::make(rest, b);
  }
  Expr quotient;
  if (one_bucket) {
    q = lf_add(q, lf_constant(t, floor_div(rb.lo, c)));
  } else {
    quotient = Div::make(rest, b);
    if (const Div* inner = rest.as<Div>()) {
      int64_t d, cd;
      // (x / d) / c == x / (d*c) for positive d and c.
      if (const_int(inner->b, &d) && d > 0 && !__builtin_mul_overflow(d, c, &cd) &&
          wrap_to(t, cd) == cd) {
        quotient = Div::make(inner->a, IntImm::make(t, cd));
      }
    }
    q = lf_add(q, lf_term(quotient));
  }
  return lf_to_expr(q);
}

Expr Simplifier::min_max(IRKind kind, const Expr& a, const Expr& b) {
  bool is_min = kind == IRKind::Min;
  if (equal(a, b)) return a;
  Type t = a.type();
  if (!is_linear_type(t)) return make_binary(kind, a, b);
  ConstBounds d = difference_bounds(a, b, scope_);
  if (d.has_hi && d.hi <= 0) return is_min ? a : b;  // a <= b
  if (d.has_lo && d.lo >= 0) return is_min ? b : a;  // a >= b
  // Constants last, and nested constants merged: min(min(x, 4), 2) -> min(x, 2).
  if (is_constant_expr(a) && !is_constant_expr(b)) return min_max(kind, b, a);
  int64_t c1, c2;
  if (const_int(b, &c2)) {
    const Expr* inner_a = nullptr;
    const Expr* inner_b = nullptr;
    if (const Min* m = a.as<Min>(); m && is_min) inner_a = &m->a, inner_b = &m->b;
    if (const Max* m = a.as<Max>(); m && !is_min) inner_a = &m->a, inner_b = &m->b;
    if (inner_b && const_int(*inner_b, &c1)) {
      int64_t c = is_min ? std::min(c1, c2) : std::max(c1, c2);
      return make_binary(kind, *inner_a, IntImm::make(t, c));
    }
  }
  return make_binary(kind, a, b);
}

Expr Simplifier::vector_binary(IRKind kind, const Expr& a, const Expr& b) {
  if (a.type().is_scalar()) return Expr();
  const Broadcast* ba = a.as<Broadcast>();
  const Broadcast* bb = b.as<Broadcast>();
  if (ba && bb) return Broadcast::make(binary(kind, ba->value, bb->value), ba->lanes);
  // Ramps: only for integers, where reassociating is exact.
  if (!a.type().is_int_or_uint()) return Expr();
  const Ramp* ra = a.as<Ramp>();
  const Ramp* rb = b.as<Ramp>();
  switch (kind) {
    case IRKind::Add:
    case IRKind::Sub:
      if (ra && rb) {
        return Ramp::make(binary(kind, ra->base, rb->base), binary(kind, ra->stride, rb->stride),
                          ra->lanes);
      }
      if (ra && bb) return Ramp::make(binary(kind, ra->base, bb->value), ra->stride, ra->lanes);
      if (ba && rb) {
        Expr stride = kind == IRKind::Add ? rb->stride
                                          : binary(IRKind::Sub, make_zero(rb->stride.type()),
                                                   rb->stride);
        return Ramp::make(binary(kind, ba->value, rb->base), stride, rb->lanes);
      }
      return Expr();
    case IRKind::Mul: {
      const Ramp* r = ra ? ra : rb;
      const Broadcast* k = ra ? bb : ba;
      if (!r || !k) return Expr();
      return Ramp::make(binary(IRKind::Mul, r->base, k->value),
                        binary(IRKind::Mul, r->stride, k->value), r->lanes);
    }
    case IRKind::Div:
    case IRKind::Mod: {
      // A ramp whose lanes all fall in one multiple of the divisor (as a
      // vector over one block of a blocked layout does): its quotient is
      // the same in every lane, and its remainder a ramp with the same
      // stride. Decided by the scalar rules on the first and last lane.
      int64_t c, stride;
      if (!ra || !bb || !const_int(bb->value, &c) || c <= 0 || !const_int(ra->stride, &stride) ||
          stride < 0) {
        return Expr();
      }
      Expr last = binary(IRKind::Add, ra->base,
                         IntImm::make(ra->base.type(), stride * (ra->lanes - 1)));
      Expr q_first = binary(IRKind::Div, ra->base, bb->value);
      Expr q_last = binary(IRKind::Div, last, bb->value);
      if (ir_compare(q_first, q_last) != 0) return Expr();
      if (kind == IRKind::Div) return Broadcast::make(q_first, ra->lanes);
      return Ramp::make(binary(IRKind::Mod, ra->base, bb->value), ra->stride, ra->lanes);
    }
    default: return Expr();
  }
}

Expr Simplifier::cast(Type t, const Expr& v) {
  if (v.type() == t) return v;
  Expr folded = fold_cast(t, v);
  if (folded.defined()) return folded;
  if (const Broadcast* b = v.as<Broadcast>()) {
    return Broadcast::make(cast(t.element_of(), b->value), b->lanes);
  }
  return Cast::make(t, v);
}

Expr Simplifier::visit(const Cast* op, const Expr& e) {
  Expr v = mutate(op->value);
  Expr r = cast(op->type, v);
  if (v.same_as(op->value) && r.as<Cast>()) return e;
  return r;
}

}  // namespace simplify_detail
}  // namespace kiln
