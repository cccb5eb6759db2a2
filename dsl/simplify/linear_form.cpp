// Linear forms over signed integers and the structural order that keeps
// their terms canonical. Every rule of the simplifier that collects terms
// ((i*16 + j) - i*16 -> j) goes through here.
#include <algorithm>
#include <cstring>

#include "dsl/compute.h"
#include "base/error.h"
#include "dsl/simplify/simplify_internal.h"

namespace kiln {
namespace simplify_detail {

// ------------------------------------------------------------------ order

namespace {

int cmp_int(int64_t a, int64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

int cmp_type(Type a, Type b) {
  if (a.code != b.code) return cmp_int(int(a.code), int(b.code));
  if (a.bits != b.bits) return cmp_int(a.bits, b.bits);
  return cmp_int(a.lanes, b.lanes);
}

template <typename T>
int cmp_binary(const Expr& a, const Expr& b) {
  const T* x = a.as<T>();
  const T* y = b.as<T>();
  int c = ir_compare(x->a, y->a);
  return c != 0 ? c : ir_compare(x->b, y->b);
}

int cmp_exprs(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (a.size() != b.size()) return cmp_int(int64_t(a.size()), int64_t(b.size()));
  for (size_t i = 0; i < a.size(); i++) {
    int c = ir_compare(a[i], b[i]);
    if (c != 0) return c;
  }
  return 0;
}

int cmp_undefined_first(const Expr& a, const Expr& b) {
  if (!a.defined() || !b.defined()) return cmp_int(a.defined(), b.defined());
  return ir_compare(a, b);
}

/// The name of the first Var met in a depth-first walk ("" when none).
const std::string* first_var(const Expr& e) {
  if (const Var* v = e.as<Var>()) return &v->name;
  switch (e->kind) {
    case IRKind::Cast: return first_var(e.as<Cast>()->value);
#define KILN_FIRST_BINARY(N)                                    \
  case IRKind::N: {                                             \
    const N* op = e.as<N>();                                    \
    const std::string* s = first_var(op->a);                    \
    return s ? s : first_var(op->b);                            \
  }
    KILN_FIRST_BINARY(Add)
    KILN_FIRST_BINARY(Sub)
    KILN_FIRST_BINARY(Mul)
    KILN_FIRST_BINARY(Div)
    KILN_FIRST_BINARY(Mod)
    KILN_FIRST_BINARY(Min)
    KILN_FIRST_BINARY(Max)
#undef KILN_FIRST_BINARY
    case IRKind::Load: return first_var(e.as<Load>()->index);
    default: return nullptr;
  }
}

}  // namespace

int ir_compare(const Expr& a, const Expr& b) {
  if (a.same_as(b)) return 0;
  if (a->kind != b->kind) return cmp_int(int(a->kind), int(b->kind));
  int c = cmp_type(a.type(), b.type());
  if (c != 0) return c;
  switch (a->kind) {
    case IRKind::IntImm: return cmp_int(a.as<IntImm>()->value, b.as<IntImm>()->value);
    case IRKind::FloatImm: {
      // Bitwise, so that NaN and -0.0 order consistently.
      double x = a.as<FloatImm>()->value, y = b.as<FloatImm>()->value;
      int64_t bx, by;
      std::memcpy(&bx, &x, sizeof x);
      std::memcpy(&by, &y, sizeof y);
      return cmp_int(bx, by);
    }
    case IRKind::Var: return a.as<Var>()->name.compare(b.as<Var>()->name);
    case IRKind::Cast: return ir_compare(a.as<Cast>()->value, b.as<Cast>()->value);
    case IRKind::Add: return cmp_binary<Add>(a, b);
    case IRKind::Sub: return cmp_binary<Sub>(a, b);
    case IRKind::Mul: return cmp_binary<Mul>(a, b);
    case IRKind::Div: return cmp_binary<Div>(a, b);
    case IRKind::Mod: return cmp_binary<Mod>(a, b);
    case IRKind::Min: return cmp_binary<Min>(a, b);
    case IRKind::Max: return cmp_binary<Max>(a, b);
    case IRKind::EQ: return cmp_binary<EQ>(a, b);
    case IRKind::NE: return cmp_binary<NE>(a, b);
    case IRKind::LT: return cmp_binary<LT>(a, b);
    case IRKind::LE: return cmp_binary<LE>(a, b);
    case IRKind::GT: return cmp_binary<GT>(a, b);
    case IRKind::GE: return cmp_binary<GE>(a, b);
    case IRKind::And: return cmp_binary<And>(a, b);
    case IRKind::Or: return cmp_binary<Or>(a, b);
    case IRKind::Not: return ir_compare(a.as<Not>()->a, b.as<Not>()->a);
    case IRKind::Select: {
      const Select* x = a.as<Select>();
      const Select* y = b.as<Select>();
      return cmp_exprs({x->condition, x->true_value, x->false_value},
                       {y->condition, y->true_value, y->false_value});
    }
    case IRKind::Call: {
      const Call* x = a.as<Call>();
      const Call* y = b.as<Call>();
      if (x->op != y->op) return cmp_int(int(x->op), int(y->op));
      return cmp_exprs(x->args, y->args);
    }
    case IRKind::Let: {
      const Let* x = a.as<Let>();
      const Let* y = b.as<Let>();
      c = x->name.compare(y->name);
      return c != 0 ? c : cmp_exprs({x->value, x->body}, {y->value, y->body});
    }
    case IRKind::Ramp: {
      const Ramp* x = a.as<Ramp>();
      const Ramp* y = b.as<Ramp>();
      return cmp_exprs({x->base, x->stride}, {y->base, y->stride});
    }
    case IRKind::Broadcast:
      return ir_compare(a.as<Broadcast>()->value, b.as<Broadcast>()->value);
    case IRKind::Load: {
      const Load* x = a.as<Load>();
      const Load* y = b.as<Load>();
      c = x->buffer.compare(y->buffer);
      return c != 0 ? c : ir_compare(x->index, y->index);
    }
    case IRKind::TensorLoad: {
      const TensorLoad* x = a.as<TensorLoad>();
      const TensorLoad* y = b.as<TensorLoad>();
      c = x->op->name.compare(y->op->name);
      return c != 0 ? c : cmp_exprs(x->indices, y->indices);
    }
    case IRKind::Reduce: {
      const Reduce* x = a.as<Reduce>();
      const Reduce* y = b.as<Reduce>();
      if (x->op != y->op) return cmp_int(int(x->op), int(y->op));
      c = ir_compare(x->source, y->source);
      if (c != 0) return c;
      c = cmp_undefined_first(x->condition, y->condition);
      if (c != 0) return c;
      if (x->axes.size() != y->axes.size())
        return cmp_int(int64_t(x->axes.size()), int64_t(y->axes.size()));
      for (size_t i = 0; i < x->axes.size(); i++) {
        c = cmp_exprs({x->axes[i].var, x->axes[i].dom.min, x->axes[i].dom.extent},
                      {y->axes[i].var, y->axes[i].dom.min, y->axes[i].dom.extent});
        if (c != 0) return c;
      }
      return 0;
    }
    default: break;
  }
  internal_error << "ir_compare of a statement kind";
  return 0;
}

bool term_less(const Expr& a, const Expr& b) {
  const std::string* va = first_var(a);
  const std::string* vb = first_var(b);
  if (va && vb) {
    int c = va->compare(*vb);
    if (c != 0) return c < 0;
  } else if (va || vb) {
    return va != nullptr;  // terms with a variable come first
  }
  return ir_compare(a, b) < 0;
}

// ----------------------------------------------------------- linear forms

bool is_linear_type(Type t) { return t.is_int() && t.is_scalar(); }

int64_t wrap_to(Type t, int64_t v) {
  if (t.bits >= 64) return v;
  int shift = 64 - t.bits;
  return static_cast<int64_t>(static_cast<uint64_t>(v) << shift) >> shift;
}

namespace {

// Wrapping arithmetic that also notes whether the true result overflowed.
int64_t add_w(Type t, int64_t a, int64_t b, bool* overflow) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) *overflow = true;
  return wrap_to(t, static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)));
}

int64_t mul_w(Type t, int64_t a, int64_t b, bool* overflow) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) *overflow = true;
  return wrap_to(t, static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)));
}

/// The factors of a product term, flattened (x*y*z -> {x, y, z}).
void collect_factors(const Expr& e, std::vector<Expr>* out) {
  if (const Mul* m = e.as<Mul>()) {
    int64_t c;
    if (!const_int(m->a, &c) && !const_int(m->b, &c)) {
      collect_factors(m->a, out);
      collect_factors(m->b, out);
      return;
    }
  }
  out->push_back(e);
}

/// The canonical product of two terms: factors sorted, chained to the left.
Expr product_term(const Expr& a, const Expr& b) {
  std::vector<Expr> f;
  collect_factors(a, &f);
  collect_factors(b, &f);
  std::stable_sort(f.begin(), f.end(), term_less);
  Expr r = f[0];
  for (size_t i = 1; i < f.size(); i++) r = Mul::make(r, f[i]);
  return r;
}

}  // namespace

LinearForm lf_constant(Type t, int64_t c) {
  LinearForm f;
  f.type = t;
  f.constant = wrap_to(t, c);
  return f;
}

LinearForm lf_term(const Expr& term, int64_t coeff) {
  LinearForm f;
  f.type = term.type();
  coeff = wrap_to(f.type, coeff);
  if (coeff != 0) f.terms.push_back({term, coeff});
  return f;
}

LinearForm lf_add(const LinearForm& a, const LinearForm& b) {
  LinearForm r;
  r.type = a.type;
  r.overflowed = a.overflowed || b.overflowed;
  r.constant = add_w(r.type, a.constant, b.constant, &r.overflowed);
  r.terms.reserve(a.terms.size() + b.terms.size());
  size_t i = 0, j = 0;
  while (i < a.terms.size() || j < b.terms.size()) {
    if (j == b.terms.size() || (i < a.terms.size() && term_less(a.terms[i].first, b.terms[j].first))) {
      r.terms.push_back(a.terms[i++]);
    } else if (i == a.terms.size() || term_less(b.terms[j].first, a.terms[i].first)) {
      r.terms.push_back(b.terms[j++]);
    } else {
      int64_t c = add_w(r.type, a.terms[i].second, b.terms[j].second, &r.overflowed);
      if (c != 0) r.terms.push_back({a.terms[i].first, c});
      i++;
      j++;
    }
  }
  return r;
}

LinearForm lf_scale(const LinearForm& a, int64_t k) {
  LinearForm r;
  r.type = a.type;
  r.overflowed = a.overflowed;
  k = wrap_to(r.type, k);
  if (k == 0) return r;
  r.constant = mul_w(r.type, a.constant, k, &r.overflowed);
  for (const auto& t : a.terms) {
    int64_t c = mul_w(r.type, t.second, k, &r.overflowed);
    if (c != 0) r.terms.push_back({t.first, c});
  }
  return r;
}

LinearForm lf_sub(const LinearForm& a, const LinearForm& b) { return lf_add(a, lf_scale(b, -1)); }

LinearForm lf_mul(const LinearForm& a, const LinearForm& b) {
  if (b.is_constant()) return lf_scale(a, b.constant);
  if (a.is_constant()) return lf_scale(b, a.constant);
  auto monomial = [](const LinearForm& f) { return f.terms.size() == 1 && f.constant == 0; };
  const LinearForm* mono = monomial(a) ? &a : monomial(b) ? &b : nullptr;
  if (mono) {
    const LinearForm& other = mono == &a ? b : a;
    const Expr& t = mono->terms[0].first;
    int64_t c = mono->terms[0].second;
    LinearForm r = lf_term(t, 0);
    r.type = a.type;
    r = lf_add(r, lf_scale(lf_term(t), other.constant));
    for (const auto& o : other.terms) r = lf_add(r, lf_term(product_term(t, o.first), o.second));
    r = lf_scale(r, c);
    r.overflowed = r.overflowed || a.overflowed || b.overflowed;
    return r;
  }
  // Two sums: one product term, operands in canonical order.
  Expr x = lf_to_expr(a), y = lf_to_expr(b);
  if (ir_compare(y, x) < 0) std::swap(x, y);
  LinearForm r = lf_term(Mul::make(x, y));
  r.overflowed = a.overflowed || b.overflowed;
  return r;
}

LinearForm lf_parse(const Expr& e) {
  int64_t c;
  if (const_int(e, &c)) return lf_constant(e.type(), c);
  if (const Add* op = e.as<Add>()) return lf_add(lf_parse(op->a), lf_parse(op->b));
  if (const Sub* op = e.as<Sub>()) return lf_sub(lf_parse(op->a), lf_parse(op->b));
  if (const Mul* op = e.as<Mul>()) {
    if (const_int(op->b, &c)) return lf_scale(lf_parse(op->a), c);
    if (const_int(op->a, &c)) return lf_scale(lf_parse(op->b), c);
  }
  return lf_term(e);
}

Expr lf_to_expr(const LinearForm& f) {
  Type t = f.type;
  auto scaled = [&](const Expr& term, int64_t k) {
    return k == 1 ? term : Mul::make(term, IntImm::make(t, k));
  };
  Expr pos, neg_sum;
  std::vector<std::pair<Expr, int64_t>> negs;
  for (const auto& term : f.terms) {
    if (term.second > 0) {
      Expr x = scaled(term.first, term.second);
      pos = pos.defined() ? Add::make(pos, x) : x;
    } else {
      negs.push_back(term);
    }
  }
  Expr r = pos;
  for (const auto& term : negs) {
    // -INT_MIN wraps to itself, and x - t*INT_MIN == x + t*INT_MIN in the ring.
    int64_t k = static_cast<int64_t>(0 - static_cast<uint64_t>(term.second));
    k = wrap_to(t, k);
    Expr x = scaled(term.first, k);
    if (r.defined()) {
      r = Sub::make(r, x);
    } else {
      // Only negative terms: `c - x`, keeping the constant where it is read.
      r = Sub::make(IntImm::make(t, f.constant), x);
    }
  }
  if (!pos.defined() && !negs.empty()) return r;
  if (!r.defined()) return IntImm::make(t, f.constant);
  if (f.constant == 0) return r;
  int64_t negated = wrap_to(t, static_cast<int64_t>(0 - static_cast<uint64_t>(f.constant)));
  if (f.constant < 0 && negated > 0) return Sub::make(r, IntImm::make(t, negated));
  return Add::make(r, IntImm::make(t, f.constant));
}

}  // namespace simplify_detail
}  // namespace kiln
