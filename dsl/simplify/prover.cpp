// The prover: constant bounds of integer expressions given the ranges of
// some variables. It works on linear forms, so terms cancel before they are
// bounded: j - N with j in [0, N - 1] has the constant upper bound -1.
#include <algorithm>
#include <limits>

#include "base/error.h"
#include "dsl/simplify/simplify_internal.h"
#include "dsl/substitute.h"

namespace kiln {
namespace simplify_detail {

namespace {

/// Work allowed per query: splitting min/max terms doubles the work, so a
/// query on a deep nest of them gives up (unproved) instead of blowing up.
constexpr int kBudget = 512;
/// How many times a variable may be replaced by its bound in one chain.
constexpr int kDepth = 12;

// A 128-bit integer, so that sums of i64 bounds can be checked for overflow.
__extension__ using Wide = __int128;

int64_t type_min(Type t) { return t.bits >= 64 ? INT64_MIN : -(int64_t(1) << (t.bits - 1)); }
int64_t type_max(Type t) { return t.bits >= 64 ? INT64_MAX : (int64_t(1) << (t.bits - 1)) - 1; }

bool fits(Wide v, Type t) { return v >= type_min(t) && v <= type_max(t); }

ConstBounds type_range(Type t) {
  ConstBounds r;
  if (!is_linear_type(t) || t.bits >= 64) return r;
  r.has_lo = r.has_hi = true;
  r.lo = type_min(t);
  r.hi = type_max(t);
  return r;
}

/// A form reasoned on as true integers: i64 arithmetic, overflow refused.
LinearForm widen(LinearForm f) {
  f.type = i64();
  return f;
}
LinearForm wide_parse(const Expr& e) { return widen(lf_parse(e)); }

class Prover {
 public:
  explicit Prover(const Scope& scope) : scope_(scope) {}

  /// An upper bound of the true-integer value of a widened form.
  bool upper(const LinearForm& f, int depth, int64_t* out) {
    if (--budget_ < 0 || depth < 0 || f.overflowed) return false;
    if (f.is_constant()) {
      *out = f.constant;
      return true;
    }
    for (size_t k = 0; k < f.terms.size(); ++k) {
      if (split_min_max(f, k, depth, out)) return true;
      if (f.terms[k].first.as<Min>() || f.terms[k].first.as<Max>()) {
        if (f.terms[k].first.type().bits >= 64) return false;  // split failed
      }
    }
    LinearForm substituted;
    if (substitute_vars(f, &substituted)) return upper(substituted, depth - 1, out);
    return bound_terms(f, depth, out);
  }

  bool lower(const LinearForm& f, int depth, int64_t* out) {
    LinearForm n = lf_scale(f, -1);
    int64_t u;
    if (n.overflowed || !upper(n, depth, &u) || u == INT64_MIN) return false;
    *out = -u;
    return true;
  }

  /// Whether f's true-integer range fits t, so the wrapped value is the
  /// true sum.
  bool sum_fits(const LinearForm& f, Type t, int depth) {
    if (t.bits >= 64) return true;  // index arithmetic does not overflow
    int64_t lo, hi;
    return lower(f, depth, &lo) && upper(f, depth, &hi) && fits(lo, t) && fits(hi, t);
  }

  /// Bounds of the (wrapped) value of e.
  ConstBounds value(const Expr& e, int depth) {
    ConstBounds r;
    Type t = e.type();
    if (t.is_bool() && t.is_scalar()) return ConstBounds{true, true, 0, 1};
    if (!is_linear_type(t)) return r;
    LinearForm f = wide_parse(e);
    r.has_lo = lower(f, depth, &r.lo);
    r.has_hi = upper(f, depth, &r.hi);
    if (t.bits < 64 && !(r.has_lo && r.has_hi && fits(r.lo, t) && fits(r.hi, t))) {
      return type_range(t);
    }
    return r;
  }

 private:
  /// Replaces min/max term k by its arms, keeping the rest of the form with
  /// each arm so terms correlated with the arms still cancel.
  bool split_min_max(const LinearForm& f, size_t k, int depth, int64_t* out) {
    const Expr& t = f.terms[k].first;
    int64_t c = f.terms[k].second;
    const Min* mn = t.as<Min>();
    const Max* mx = t.as<Max>();
    if ((!mn && !mx) || t.type().bits < 64) return false;  // narrow arms may wrap
    LinearForm rest = f;
    rest.terms.erase(rest.terms.begin() + static_cast<long>(k));
    LinearForm fa = lf_add(rest, lf_scale(wide_parse(mn ? mn->a : mx->a), c));
    LinearForm fb = lf_add(rest, lf_scale(wide_parse(mn ? mn->b : mx->b), c));
    int64_t ua = 0, ub = 0;
    bool either = (mn && c > 0) || (mx && c < 0);  // each arm alone bounds it
    bool oka = upper(fa, depth, &ua);
    if (!either && !oka) return false;
    bool okb = upper(fb, depth, &ub);
    if (either) {
      if (!oka && !okb) return false;
      *out = oka && okb ? std::min(ua, ub) : oka ? ua : ub;
      return true;
    }
    if (!okb) return false;
    *out = std::max(ua, ub);
    return true;
  }

  /// The endpoint of var term (t, c) that bounds c*t from above, when t is
  /// a var with a range.
  const Expr* var_endpoint(const Expr& t, int64_t c) const {
    const Var* v = t.as<Var>();
    if (!v) return nullptr;
    auto it = scope_.find(v->name);
    if (it == scope_.end()) return nullptr;
    const Expr& end = c > 0 ? it->second.max : it->second.min;
    return end.defined() && end.type().is_int() && end.type().is_scalar() ? &end : nullptr;
  }

  bool depends_on_scope(const Expr& e, const std::string& self) const {
    for (const auto& [name, range] : scope_) {
      if (name != self && expr_uses_var(e, name)) return true;
    }
    return false;
  }

  /// Replaces vars by their bounds: one whose bound depends on other
  /// ranged vars first (an inner loop bounded by an outer one), so the
  /// outer var is still there to cancel; else every var at once.
  bool substitute_vars(const LinearForm& f, LinearForm* out) {
    int dependent = -1;
    bool any = false;
    for (size_t k = 0; k < f.terms.size(); ++k) {
      const Expr* end = var_endpoint(f.terms[k].first, f.terms[k].second);
      if (!end) continue;
      any = true;
      if (dependent < 0 && !end->as<IntImm>() &&
          depends_on_scope(*end, f.terms[k].first.as<Var>()->name)) {
        dependent = static_cast<int>(k);
      }
    }
    if (!any) return false;
    LinearForm r = lf_constant(i64(), f.constant);
    r.overflowed = f.overflowed;
    for (size_t k = 0; k < f.terms.size(); ++k) {
      const auto& [t, c] = f.terms[k];
      const Expr* end = var_endpoint(t, c);
      bool replace = end && (dependent < 0 || static_cast<int>(k) == dependent);
      LinearForm part = replace ? wide_parse(*end) : widen(lf_term(t));
      r = lf_add(r, lf_scale(part, c));
    }
    *out = r;
    return true;
  }

  /// Bounds each remaining term on its own.
  bool bound_terms(const LinearForm& f, int depth, int64_t* out) {
    Wide sum = f.constant;
    for (const auto& [t, c] : f.terms) {
      ConstBounds b = term(t, depth - 1);
      bool has = c > 0 ? b.has_hi : b.has_lo;
      if (!has) return false;
      sum += static_cast<Wide>(c) * (c > 0 ? b.hi : b.lo);
      if (!fits(sum, i64())) return false;
    }
    *out = static_cast<int64_t>(sum);
    return true;
  }

  /// Bounds of one term that is not a sum: its own range, without
  /// correlation with other terms.
  ConstBounds term(const Expr& t, int depth) {
    Type type = t.type();
    ConstBounds r = term_unchecked(t, depth);
    if (type.bits < 64 && is_linear_type(type)) {
      bool ok = r.has_lo && r.has_hi && fits(r.lo, type) && fits(r.hi, type);
      if (!ok) return type_range(type);
    }
    return r;
  }

  ConstBounds term_unchecked(const Expr& t, int depth) {
    ConstBounds r;
    if (depth < 0 || budget_ <= 0) return r;
    int64_t c;
    if (const Mod* op = t.as<Mod>()) {
      if (!const_int(op->b, &c) || c == 0) return r;
      ConstBounds x = value(op->a, depth);
      if (c > 0 && x.has_lo && x.has_hi && x.lo >= 0 && x.hi < c) return x;
      r.has_lo = r.has_hi = true;
      r.lo = c > 0 ? 0 : c + 1;
      r.hi = c > 0 ? c - 1 : 0;
      return r;
    }
    if (const Div* op = t.as<Div>()) {
      if (!const_int(op->b, &c) || c == 0) return r;
      ConstBounds x = value(op->a, depth);
      if (c > 0) {
        r.has_lo = x.has_lo, r.lo = x.has_lo ? floor_div(x.lo, c) : 0;
        r.has_hi = x.has_hi, r.hi = x.has_hi ? floor_div(x.hi, c) : 0;
      } else {
        r.has_lo = x.has_hi, r.lo = x.has_hi ? floor_div(x.hi, c) : 0;
        r.has_hi = x.has_lo, r.hi = x.has_lo ? floor_div(x.lo, c) : 0;
      }
      return r;
    }
    if (const Mul* op = t.as<Mul>()) {
      ConstBounds a = value(op->a, depth), b = value(op->b, depth);
      if (!(a.has_lo && a.has_hi && b.has_lo && b.has_hi)) return r;
      Wide corners[4] = {(Wide)a.lo * b.lo, (Wide)a.lo * b.hi, (Wide)a.hi * b.lo,
                             (Wide)a.hi * b.hi};
      Wide lo = *std::min_element(corners, corners + 4);
      Wide hi = *std::max_element(corners, corners + 4);
      if (!fits(lo, i64()) || !fits(hi, i64())) return r;
      return ConstBounds{true, true, static_cast<int64_t>(lo), static_cast<int64_t>(hi)};
    }
    if (const Select* op = t.as<Select>()) {
      ConstBounds a = value(op->true_value, depth), b = value(op->false_value, depth);
      r.has_lo = a.has_lo && b.has_lo, r.lo = std::min(a.lo, b.lo);
      r.has_hi = a.has_hi && b.has_hi, r.hi = std::max(a.hi, b.hi);
      return r;
    }
    if (t.as<Min>() || t.as<Max>()) {  // narrow types only; wide ones are split
      const Min* mn = t.as<Min>();
      const Max* mx = t.as<Max>();
      ConstBounds a = value(mn ? mn->a : mx->a, depth), b = value(mn ? mn->b : mx->b, depth);
      if (mn) {
        r.has_lo = a.has_lo && b.has_lo, r.lo = std::min(a.lo, b.lo);
        r.has_hi = a.has_hi || b.has_hi;
        r.hi = a.has_hi && b.has_hi ? std::min(a.hi, b.hi) : a.has_hi ? a.hi : b.hi;
      } else {
        r.has_hi = a.has_hi && b.has_hi, r.hi = std::max(a.hi, b.hi);
        r.has_lo = a.has_lo || b.has_lo;
        r.lo = a.has_lo && b.has_lo ? std::max(a.lo, b.lo) : a.has_lo ? a.lo : b.lo;
      }
      return r;
    }
    if (const Cast* op = t.as<Cast>()) {
      Type from = op->value.type();
      if (!from.is_scalar()) return r;
      if (from.is_bool()) return ConstBounds{true, true, 0, 1};
      if (from.is_int()) return value(op->value, depth);  // checked against t's range by term()
      if (from.is_uint() && from.bits < 64)
        return ConstBounds{true, true, 0, (int64_t(1) << from.bits) - 1};
      return r;
    }
    if (const Call* op = t.as<Call>()) {
      if (op->op != Intrinsic::Abs || !is_linear_type(op->args[0].type())) return r;
      ConstBounds x = value(op->args[0], depth);
      if (!x.has_lo || !x.has_hi || x.lo == INT64_MIN) return r;
      r.has_lo = r.has_hi = true;
      r.hi = std::max(x.hi < 0 ? -x.hi : x.hi, x.lo < 0 ? -x.lo : x.lo);
      r.lo = x.lo >= 0 ? x.lo : x.hi <= 0 ? -x.hi : 0;
      return r;
    }
    if (const Var* v = t.as<Var>()) {
      // Only unranged vars get here (ranged ones are substituted).
      (void)v;
      return r;
    }
    return r;  // loads, lets, other calls: unknown
  }

  const Scope& scope_;
  int budget_ = kBudget;
};

}  // namespace

ConstBounds value_bounds(const Expr& e, const Scope& scope) {
  Prover p(scope);
  return p.value(e, kDepth);
}

ConstBounds difference_bounds(const Expr& a, const Expr& b, const Scope& scope) {
  ConstBounds r;
  Type t = a.type();
  if (!is_linear_type(t) || b.type() != t) return r;
  Prover p(scope);
  LinearForm fa = wide_parse(a), fb = wide_parse(b);
  // A narrow sum that may wrap is not its true value; then only the ranges
  // of the two values are known, not how they cancel.
  if (!p.sum_fits(fa, t, kDepth) || !p.sum_fits(fb, t, kDepth)) {
    ConstBounds x = p.value(a, kDepth), y = p.value(b, kDepth);
    r.has_lo = x.has_lo && y.has_hi, r.lo = x.lo - y.hi;  // narrow: no overflow in i64
    r.has_hi = x.has_hi && y.has_lo, r.hi = x.hi - y.lo;
    return r;
  }
  LinearForm d = lf_sub(fa, fb);
  r.has_lo = p.lower(d, kDepth, &r.lo);
  r.has_hi = p.upper(d, kDepth, &r.hi);
  return r;
}

bool sum_fits(const Expr& e, const Scope& scope) {
  if (!is_linear_type(e.type())) return false;
  Prover p(scope);
  return p.sum_fits(wide_parse(e), e.type(), kDepth);
}

}  // namespace simplify_detail
}  // namespace kiln
