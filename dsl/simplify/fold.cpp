// Constant folding of single nodes. Integer arithmetic wraps to the type's
// width and divides with floor semantics; float arithmetic folds only where
// the folded value is exactly what the generated code would compute.
#include <cmath>
#include <limits>

#include "base/error.h"
#include "dsl/simplify/simplify_internal.h"

namespace kiln {
namespace simplify_detail {

bool const_int(const Expr& e, int64_t* v) {
  const IntImm* i = e.as<IntImm>();
  if (!i) return false;
  *v = i->value;
  return true;
}

bool const_float(const Expr& e, double* v) {
  const FloatImm* f = e.as<FloatImm>();
  if (!f) return false;
  *v = f->value;
  return true;
}

bool is_constant_expr(const Expr& e) {
  if (e.as<IntImm>() || e.as<FloatImm>()) return true;
  const Broadcast* b = e.as<Broadcast>();
  return b && is_constant_expr(b->value);
}

int64_t floor_div(int64_t a, int64_t b) {
  internal_assert(b != 0) << "floor_div by zero";
  if (b == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(a));  // wraps at INT64_MIN
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
  internal_assert(b != 0) << "floor_mod by zero";
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

Expr make_binary(IRKind kind, const Expr& a, const Expr& b) {
  switch (kind) {
    case IRKind::Add: return Add::make(a, b);
    case IRKind::Sub: return Sub::make(a, b);
    case IRKind::Mul: return Mul::make(a, b);
    case IRKind::Div: return Div::make(a, b);
    case IRKind::Mod: return Mod::make(a, b);
    case IRKind::Min: return Min::make(a, b);
    case IRKind::Max: return Max::make(a, b);
    case IRKind::EQ: return EQ::make(a, b);
    case IRKind::NE: return NE::make(a, b);
    case IRKind::LT: return LT::make(a, b);
    case IRKind::LE: return LE::make(a, b);
    case IRKind::GT: return GT::make(a, b);
    case IRKind::GE: return GE::make(a, b);
    case IRKind::And: return And::make(a, b);
    case IRKind::Or: return Or::make(a, b);
    default: break;
  }
  internal_error << "make_binary of " << ir_kind_name(kind);
  return Expr();
}

namespace {

/// A comparison of two ordered values, or -1 when kind is no comparison.
template <typename T>
int compare_as(IRKind kind, T x, T y) {
  switch (kind) {
    case IRKind::EQ: return x == y;
    case IRKind::NE: return x != y;
    case IRKind::LT: return x < y;
    case IRKind::LE: return x <= y;
    case IRKind::GT: return x > y;
    case IRKind::GE: return x >= y;
    default: return -1;
  }
}

Expr fold_int(IRKind kind, Type t, int64_t x, int64_t y) {
  bool is_signed = !t.is_uint();
  uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
  int cmp = is_signed ? compare_as(kind, x, y) : compare_as(kind, ux, uy);
  if (cmp >= 0) return IntImm::make(boolean(), cmp);
  // IntImm::make wraps the result to t's width.
  switch (kind) {
    case IRKind::Add: return IntImm::make(t, static_cast<int64_t>(ux + uy));
    case IRKind::Sub: return IntImm::make(t, static_cast<int64_t>(ux - uy));
    case IRKind::Mul: return IntImm::make(t, static_cast<int64_t>(ux * uy));
    case IRKind::Div:
      if (y == 0) return Expr();
      return IntImm::make(t, is_signed ? floor_div(x, y) : static_cast<int64_t>(ux / uy));
    case IRKind::Mod:
      if (y == 0) return Expr();
      return IntImm::make(t, is_signed ? floor_mod(x, y) : static_cast<int64_t>(ux % uy));
    case IRKind::Min: return IntImm::make(t, (is_signed ? x < y : ux < uy) ? x : y);
    case IRKind::Max: return IntImm::make(t, (is_signed ? x > y : ux > uy) ? x : y);
    case IRKind::And: return IntImm::make(t, x != 0 && y != 0);
    case IRKind::Or: return IntImm::make(t, x != 0 || y != 0);
    default: break;
  }
  return Expr();
}

Expr fold_float(IRKind kind, Type t, double x, double y) {
  int cmp = compare_as(kind, x, y);
  if (cmp >= 0) return IntImm::make(boolean(), cmp);
  // f16 and bf16 compute in f32; f32 operations computed in double and
  // rounded once give the f32 result exactly (+, -, *, /).
  bool in_f32 = t.bits <= 32;
  auto round = [&](double v) { return in_f32 ? static_cast<double>(static_cast<float>(v)) : v; };
  switch (kind) {
    case IRKind::Add: return FloatImm::make(t, round(x + y));
    case IRKind::Sub: return FloatImm::make(t, round(x - y));
    case IRKind::Mul: return FloatImm::make(t, round(x * y));
    case IRKind::Div: return FloatImm::make(t, round(x / y));
    case IRKind::Min:
    case IRKind::Max:
      if (std::isnan(x) || std::isnan(y)) return Expr();  // targets disagree on NaN
      return FloatImm::make(t, (kind == IRKind::Min) == (x < y) ? x : y);
    default: break;  // float Mod: left to the target's definition
  }
  return Expr();
}

}  // namespace

Expr fold_binary(IRKind kind, const Expr& a, const Expr& b) {
  if (!a.defined() || !b.defined() || a.type() != b.type()) return Expr();
  int64_t x, y;
  if (const_int(a, &x) && const_int(b, &y)) return fold_int(kind, a.type(), x, y);
  double fx, fy;
  if (const_float(a, &fx) && const_float(b, &fy)) return fold_float(kind, a.type(), fx, fy);
  return Expr();
}

Expr fold_cast(Type t, const Expr& v) {
  if (!t.is_scalar()) return Expr();
  Type from = v.type();
  int64_t x;
  double f;
  if (const_int(v, &x)) {
    if (t.is_int_or_uint() || t.is_bool()) return IntImm::make(t, x);  // wraps
    if (t.is_half_storage()) return Expr();  // rounding to 16 bits is the target's job
    double d = from.is_uint() ? static_cast<double>(static_cast<uint64_t>(x))
                              : static_cast<double>(x);
    return FloatImm::make(t, d);
  }
  if (!const_float(v, &f)) return Expr();
  if (t.is_float()) {
    if (t.is_half_storage()) return Expr();
    return FloatImm::make(t, f);  // f64 -> f32 rounds in make
  }
  if (t.is_bool()) return std::isnan(f) ? Expr() : IntImm::make(t, f != 0);
  // Float to int truncates; out of range is undefined behaviour in the
  // targets, so it is left alone.
  if (std::isnan(f)) return Expr();
  double tr = std::trunc(f);
  if (t.is_int()) {
    double lo = -std::ldexp(1.0, t.bits - 1), hi = std::ldexp(1.0, t.bits - 1);
    if (tr < lo || tr >= hi) return Expr();
    return IntImm::make(t, static_cast<int64_t>(tr));
  }
  if (tr < 0 || tr >= std::ldexp(1.0, t.bits)) return Expr();
  return IntImm::make(t, static_cast<int64_t>(static_cast<uint64_t>(tr)));
}

Expr fold_call(Type t, Intrinsic op, const std::vector<Expr>& args) {
  if (args.size() != 1 || !t.is_scalar()) return Expr();
  int64_t x;
  double f;
  switch (op) {
    case Intrinsic::Abs:
      if (const_int(args[0], &x)) {
        if (args[0].type().is_uint()) return IntImm::make(t, x);
        return IntImm::make(t, x < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(x)) : x);
      }
      if (const_float(args[0], &f) && t.is_float()) return FloatImm::make(t, std::fabs(f));
      return Expr();
    case Intrinsic::Floor:
      if (const_float(args[0], &f) && t.is_float()) return FloatImm::make(t, std::floor(f));
      return Expr();
    case Intrinsic::Ceil:
      if (const_float(args[0], &f) && t.is_float()) return FloatImm::make(t, std::ceil(f));
      return Expr();
    default:
      // exp, log, tanh, ...: the targets use their own approximations, so a
      // folded value could differ from a computed one.
      return Expr();
  }
}

}  // namespace simplify_detail
}  // namespace kiln
