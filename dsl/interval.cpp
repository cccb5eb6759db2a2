// Interval arithmetic over expressions. Endpoints are expressions, so
// bounds stay symbolic in sizes and in the loops outside the ones that
// range: with i_o in [0, 3] and i_i in [0, 7], i_o*8 + i_i is in [0, 31];
// with i in [0, N - 1], N - i is in [1, N].
//
// Sums of i64 are read as linear forms first, so a term that appears twice
// is bounded once (x - x is 0, not [lo - hi, hi - lo]). Narrower signed
// integers wrap; their bounds come from the prover, which accounts for that.
#include "dsl/interval.h"

#include "base/error.h"
#include "dsl/ir_equal.h"
#include "dsl/ir_operators.h"
#include "dsl/simplify.h"
#include "dsl/simplify/simplify_internal.h"
#include "dsl/substitute.h"

namespace kiln {

bool Interval::is_point() const {
  return min.defined() && max.defined() && (min.same_as(max) || equal(min, max));
}

namespace {

using simplify_detail::ConstBounds;
using simplify_detail::const_int;
using simplify_detail::is_linear_type;
using simplify_detail::LinearForm;

/// How many times a range may be read through another range (an inner
/// loop's bound in terms of an outer loop).
constexpr int kMaxDepth = 8;

Expr tidy(const Expr& e) { return e.defined() ? simplify(e) : e; }

bool is_nonneg_const(const Expr& e) {
  int64_t v;
  return e.defined() && as_const_int(e, &v) && v >= 0;
}

Expr emin(const Expr& a, const Expr& b) { return a.defined() && b.defined() ? tidy(Min::make(a, b)) : Expr(); }
Expr emax(const Expr& a, const Expr& b) { return a.defined() && b.defined() ? tidy(Max::make(a, b)) : Expr(); }
Expr eadd(const Expr& a, const Expr& b) { return a.defined() && b.defined() ? Add::make(a, b) : Expr(); }

/// c * [lo, hi] for a constant c.
Interval scale(const Interval& x, const Expr& c) {
  int64_t v;
  double f;
  bool neg = (as_const_int(c, &v) && v < 0) || (simplify_detail::const_float(c, &f) && f < 0);
  auto mul = [&](const Expr& e) { return e.defined() ? Mul::make(e, c) : Expr(); };
  return neg ? Interval{mul(x.max), mul(x.min)} : Interval{mul(x.min), mul(x.max)};
}

class Bounds {
 public:
  explicit Bounds(const Scope& scope) : scope_(scope) {}

  /// The interval of e with simplified endpoints (scalar, for vectors: over
  /// every lane).
  Interval of(const Expr& e) {
    Interval r = raw(e);
    return Interval{tidy(r.min), tidy(r.max)};
  }

 private:
  Interval raw(const Expr& e) {
    Type t = e.type();
    if (e.as<IntImm>() || e.as<FloatImm>()) return Interval::point(e);
    if (t.is_bool()) return boolean_bounds(e);
    if (t.is_int() && t.bits < 64) return narrow_bounds(e);
    if (t.is_uint()) return unsigned_bounds(e);
    if (is_linear_type(t) && (e.as<Add>() || e.as<Sub>() || e.as<Mul>())) return linear(e);
    switch (e->kind) {
      case IRKind::Var: return var(e);
      case IRKind::Add: {
        const Add* op = e.as<Add>();
        Interval a = of(op->a), b = of(op->b);
        return Interval{eadd(a.min, b.min), eadd(a.max, b.max)};
      }
      case IRKind::Sub: {
        const Sub* op = e.as<Sub>();
        Interval a = of(op->a), b = of(op->b);
        auto sub = [](const Expr& x, const Expr& y) {
          return x.defined() && y.defined() ? Sub::make(x, y) : Expr();
        };
        return Interval{sub(a.min, b.max), sub(a.max, b.min)};
      }
      case IRKind::Mul: {
        const Mul* op = e.as<Mul>();
        return mul(of(op->a), of(op->b));
      }
      case IRKind::Div: return div(e.as<Div>());
      case IRKind::Mod: return mod(e.as<Mod>());
      case IRKind::Min: {
        const Min* op = e.as<Min>();
        Interval a = of(op->a), b = of(op->b);
        Expr hi = !a.max.defined() ? b.max : !b.max.defined() ? a.max : emin(a.max, b.max);
        return Interval{emin(a.min, b.min), hi};
      }
      case IRKind::Max: {
        const Max* op = e.as<Max>();
        Interval a = of(op->a), b = of(op->b);
        Expr lo = !a.min.defined() ? b.min : !b.min.defined() ? a.min : emax(a.min, b.min);
        return Interval{lo, emax(a.max, b.max)};
      }
      case IRKind::Select: {
        const Select* op = e.as<Select>();
        return interval_union(of(op->true_value), of(op->false_value));
      }
      case IRKind::Cast: return cast(e.as<Cast>());
      case IRKind::Call: return call(e.as<Call>());
      case IRKind::Let: {
        const Let* op = e.as<Let>();
        Interval v = of(op->value);
        Scope inner = scope_;
        inner[op->name] = v;
        return Bounds(inner).of(op->body);
      }
      case IRKind::Ramp: {
        const Ramp* op = e.as<Ramp>();
        Interval base = of(op->base);
        Interval last = scale(of(op->stride), make_const(op->stride.type(), int64_t(op->lanes - 1)));
        Interval end{eadd(base.min, last.min), eadd(base.max, last.max)};
        return interval_union(base, Interval{tidy(end.min), tidy(end.max)});
      }
      case IRKind::Broadcast: return of(e.as<Broadcast>()->value);
      default: return Interval::everything();  // loads, reductions: data dependent
    }
  }

  Interval var(const Expr& e) {
    const Var* v = e.as<Var>();
    auto it = scope_.find(v->name);
    if (it == scope_.end()) return Interval::point(e);
    Interval r = it->second;
    // A range written in terms of other ranged vars is bounded through them.
    if (depth_ >= kMaxDepth) return r;
    auto through = [&](const Expr& end, bool upper) {
      if (!end.defined() || end.as<IntImm>()) return end;
      bool dependent = false;
      for (const auto& [name, range] : scope_) {
        if (name != v->name && expr_uses_var(end, name)) dependent = true;
      }
      if (!dependent) return end;
      ++depth_;
      Interval b = of(end);
      --depth_;
      return upper ? b.max : b.min;
    };
    return Interval{through(r.min, false), through(r.max, true)};
  }

  Interval linear(const Expr& e) {
    LinearForm f = simplify_detail::lf_parse(e);
    Expr spread = spread_min_max(f);
    if (spread.defined()) return raw(spread);
    Interval sum = Interval::point(make_const(e.type(), f.constant));
    for (const auto& [term, c] : f.terms) {
      // A product term (x*y) is bounded as a product, not parsed again.
      const Mul* product = term.as<Mul>();
      Interval t = product ? mul(of(product->a), of(product->b)) : of(term);
      Interval x = scale(t, make_const(e.type(), c));
      sum = Interval{eadd(sum.min, x.min), eadd(sum.max, x.max)};
    }
    return sum;
  }

  /// min(a, b) + rest as min(a + rest, b + rest) (likewise max, and a
  /// negative coefficient swaps them): the rest then cancels with the arms,
  /// so min(i*8 + 8, N) - i*8 is bounded as min(8, N - i*8), by 8 rather
  /// than by 8 plus the range of i*8. Done when the sum has one min/max
  /// term, so the work stays linear.
  Expr spread_min_max(const LinearForm& f) {
    int at = -1;
    for (size_t k = 0; k < f.terms.size(); ++k) {
      const Expr& t = f.terms[k].first;
      if (!t.as<Min>() && !t.as<Max>()) continue;
      if (at >= 0) return Expr();
      at = static_cast<int>(k);
    }
    if (at < 0 || (f.terms.size() == 1 && f.constant == 0)) return Expr();
    const Expr& t = f.terms[at].first;
    int64_t c = f.terms[at].second;
    LinearForm rest = f;
    rest.terms.erase(rest.terms.begin() + at);
    const Min* mn = t.as<Min>();
    const Max* mx = t.as<Max>();
    auto arm = [&](const Expr& x) {
      return simplify_detail::lf_to_expr(
          simplify_detail::lf_add(rest, simplify_detail::lf_scale(simplify_detail::lf_parse(x), c)));
    };
    Expr a = arm(mn ? mn->a : mx->a), b = arm(mn ? mn->b : mx->b);
    bool is_min = (mn != nullptr) == (c > 0);
    return is_min ? Min::make(a, b) : Max::make(a, b);
  }

  Interval mul(const Interval& a, const Interval& b) {
    if (a.is_point() && (a.min.as<IntImm>() || a.min.as<FloatImm>())) return scale(b, a.min);
    if (b.is_point() && (b.min.as<IntImm>() || b.min.as<FloatImm>())) return scale(a, b.min);
    if (!a.is_bounded() || !b.is_bounded()) return Interval::everything();
    if (is_nonneg_const(a.min) && is_nonneg_const(b.min)) {
      return Interval{Mul::make(a.min, b.min), Mul::make(a.max, b.max)};
    }
    Expr c[4] = {tidy(Mul::make(a.min, b.min)), tidy(Mul::make(a.min, b.max)),
                 tidy(Mul::make(a.max, b.min)), tidy(Mul::make(a.max, b.max))};
    return Interval{emin(emin(c[0], c[1]), emin(c[2], c[3])),
                    emax(emax(c[0], c[1]), emax(c[2], c[3]))};
  }

  Interval div(const Div* op) {
    Interval a = of(op->a), b = of(op->b);
    auto d = [&](const Expr& x, const Expr& y) {
      return x.defined() && y.defined() ? Div::make(x, y) : Expr();
    };
    int64_t c;
    double f;
    if (b.is_point() && ((as_const_int(b.min, &c) && c != 0) ||
                         (simplify_detail::const_float(b.min, &f) && f != 0))) {
      bool neg = b.min.type().is_float() ? f < 0 : c < 0;
      // Floor division by a constant is monotone in the dividend.
      return neg ? Interval{d(a.max, b.min), d(a.min, b.min)}
                 : Interval{d(a.min, b.min), d(a.max, b.min)};
    }
    int64_t lo;
    if (op->type.is_int() && b.is_bounded() && as_const_int(b.min, &lo) && lo > 0 &&
        a.is_bounded()) {
      // A positive divisor: a / b is monotone in b for fixed a, so the
      // extremes are at the corners.
      Expr c4[4] = {tidy(d(a.min, b.min)), tidy(d(a.min, b.max)), tidy(d(a.max, b.min)),
                    tidy(d(a.max, b.max))};
      return Interval{emin(emin(c4[0], c4[1]), emin(c4[2], c4[3])),
                      emax(emax(c4[0], c4[1]), emax(c4[2], c4[3]))};
    }
    return Interval::everything();
  }

  Interval mod(const Mod* op) {
    if (!op->type.is_int()) return Interval::everything();
    Interval a = of(op->a), b = of(op->b);
    int64_t c, lo, hi;
    if (b.is_point() && as_const_int(b.min, &c) && c > 0) {
      // x mod c is x itself when x is already in [0, c).
      if (as_const_int(a.min, &lo) && as_const_int(a.max, &hi) && lo >= 0 && hi < c) return a;
      return Interval{make_zero(op->type), make_const(op->type, c - 1)};
    }
    if (b.is_bounded() && as_const_int(b.min, &lo) && lo > 0) {
      return Interval{make_zero(op->type), Sub::make(b.max, make_one(op->type))};
    }
    return Interval::everything();
  }

  Interval cast(const Cast* op) {
    Type to = op->type.element_of(), from = op->value.type().element_of();
    if (from.is_bool()) return Interval{make_zero(to), make_one(to)};
    Interval v = of(op->value);
    auto c = [&](const Expr& x) { return x.defined() ? Cast::make(to, x) : Expr(); };
    bool widening_int = from.is_int() && to.is_int() && to.bits >= from.bits;
    bool to_float = to.is_float() && (from.is_int_or_uint() || to.bits >= from.bits);
    bool float_to_int = from.is_float() && to.is_int() && to.bits >= 64;
    if (widening_int || to_float || float_to_int) return Interval{c(v.min), c(v.max)};
    return Interval::everything();  // narrowing: may wrap
  }

  Interval call(const Call* op) {
    switch (op->op) {
      case Intrinsic::Likely: return of(op->args[0]);
      case Intrinsic::Abs: {
        Interval x = of(op->args[0]);
        if (!x.is_bounded() || !op->type.is_int()) return Interval::everything();
        Expr zero = make_zero(op->type);
        Expr neg_lo = tidy(Sub::make(zero, x.min)), neg_hi = tidy(Sub::make(zero, x.max));
        return Interval{emax(emax(x.min, neg_hi), zero), emax(neg_lo, x.max)};
      }
      case Intrinsic::Floor:
      case Intrinsic::Ceil:
      case Intrinsic::Exp:
      case Intrinsic::Tanh:
      case Intrinsic::Erf: {
        // Monotone increasing everywhere.
        Interval x = of(op->args[0]);
        auto f = [&](const Expr& v) {
          return v.defined() ? Call::make(op->type, op->op, {v}) : Expr();
        };
        return Interval{f(x.min), f(x.max)};
      }
      default: return Interval::everything();
    }
  }

  Interval boolean_bounds(const Expr& e) {
    Expr s = simplify(e, scope_);
    if (s.as<IntImm>()) return Interval::point(s);
    return Interval{const_false(), const_true()};
  }

  Interval narrow_bounds(const Expr& e) {
    Type t = e.type().element_of();
    if (e.type().is_scalar()) {
      ConstBounds b = simplify_detail::value_bounds(e, scope_);
      if (b.has_lo && b.has_hi) return Interval{make_const(t, b.lo), make_const(t, b.hi)};
    }
    int64_t hi = (int64_t(1) << (t.bits - 1)) - 1;
    return Interval{make_const(t, -hi - 1), make_const(t, hi)};
  }

  Interval unsigned_bounds(const Expr& e) {
    Type t = e.type().element_of();
    if (const Broadcast* b = e.as<Broadcast>()) return of(b->value);
    if (const Cast* c = e.as<Cast>()) {
      Type from = c->value.type();
      if (from.is_bool()) return Interval{make_zero(t), make_one(t)};
    }
    if (t.bits >= 64) return Interval{make_zero(t), Expr()};
    return Interval{make_zero(t), make_const(t, int64_t((uint64_t(1) << t.bits) - 1))};
  }

  const Scope& scope_;
  int depth_ = 0;
};

}  // namespace

Interval bounds_of(const Expr& e, const Scope& scope) {
  internal_assert(e.defined()) << "bounds_of an undefined expression";
  return Bounds(scope).of(e);
}

Interval interval_union(const Interval& a, const Interval& b) {
  return Interval{emin(a.min, b.min), emax(a.max, b.max)};
}

}  // namespace kiln
