// C++ operators on Expr. Every user-facing arithmetic goes through
// match_types so that node factories (which insist on equal operand types)
// never see a mismatch a user caused; user mistakes become UserError here.
#include "dsl/ir_operators.h"

#include "dsl/compute.h"
#include "base/error.h"
#include "dsl/ir_visitor.h"

namespace kiln {

namespace {

void check_defined(const Expr& e, const char* what) {
  if (!e.defined()) user_error << "undefined expression passed to " << what;
}

/// An immediate, or a broadcast of one: its type can change without losing
/// meaning, so it adopts the other operand's type.
bool is_constant(const Expr& e) {
  if (e.as<IntImm>() || e.as<FloatImm>()) return true;
  if (const Broadcast* b = e.as<Broadcast>()) return is_constant(b->value);
  return false;
}

/// Rebuilds an int or float constant as type t (lanes included).
Expr constant_as(const Expr& c, Type t) {
  const Expr& scalar = c.as<Broadcast>() ? c.as<Broadcast>()->value : c;
  if (const IntImm* i = scalar.as<IntImm>()) return make_const(t, i->value);
  const FloatImm* f = scalar.as<FloatImm>();
  internal_assert(f) << "constant_as of a non-constant";
  return make_const(t, f->value);
}

/// The type two non-constant operands of different types meet at.
Type meet(Type a, Type b) {
  int lanes = a.lanes;
  Type ea = a.element_of(), eb = b.element_of();
  if (ea.is_float() && !eb.is_float()) return ea.with_lanes(lanes);
  if (eb.is_float() && !ea.is_float()) return eb.with_lanes(lanes);
  if (ea.is_float()) {
    // f16 meets bf16: neither holds the other, so both widen to f32.
    if (ea.bits == eb.bits) return f32().with_lanes(lanes);
    return (ea.bits > eb.bits ? ea : eb).with_lanes(lanes);
  }
  if (ea.code == eb.code) return (ea.bits > eb.bits ? ea : eb).with_lanes(lanes);
  // Signed meets unsigned: signed of the wider width (as Halide does).
  return Type(TypeCode::Int, std::max(ea.bits, eb.bits), lanes);
}

void refuse_bool(const Expr& e, const char* op) {
  if (e.type().is_bool()) {
    user_error << "'" << op << "' of a bool operand; arithmetic needs numbers: use select(cond, 1, 0) "
               << "or cast(i32(), cond) to turn a condition into a number";
  }
}

void refuse_non_bool(const Expr& e, const char* op) {
  if (!e.type().is_bool()) {
    user_error << "'" << op << "' needs bool operands, got " << e.type().str()
               << "; compare first (for example x != 0)";
  }
}

/// Integer arguments of math intrinsics compute in f32.
Expr to_float(Expr x) {
  if (x.type().is_float()) return x;
  return cast(f32().with_lanes(x.type().lanes), x);
}

Expr math_call(Intrinsic op, Expr x) {
  check_defined(x, intrinsic_name(op));
  refuse_bool(x, intrinsic_name(op));
  if (op != Intrinsic::Abs) x = to_float(x);
  Type t = x.type();
  return Call::make(t, op, {std::move(x)});
}

Expr arith(const char* name, Expr a, Expr b, Expr (*make)(Expr, Expr)) {
  check_defined(a, name);
  check_defined(b, name);
  refuse_bool(a, name);
  refuse_bool(b, name);
  match_types(a, b);
  return make(std::move(a), std::move(b));
}

Expr compare(const char* name, Expr a, Expr b, Expr (*make)(Expr, Expr), bool ordered) {
  check_defined(a, name);
  check_defined(b, name);
  if (ordered) {
    refuse_bool(a, name);
    refuse_bool(b, name);
  }
  match_types(a, b);
  return make(std::move(a), std::move(b));
}

/// Clamps every tensor index into [0, shape - 1], so the untaken arm of a
/// padding select reads in bounds (Halide's boundary-condition approach).
/// Bounds inference then sees the clamped, in-bounds footprint.
class ClampTensorLoads : public IRMutator {
 protected:
  using IRMutator::visit;
  Expr visit(const TensorLoad* op, const Expr& e) override {
    std::vector<Expr> idx;
    mutate_exprs(op->indices, &idx);
    for (size_t d = 0; d < idx.size(); ++d) {
      const Expr& extent = op->op->shape[d];
      int64_t n;
      Expr last = as_const_int(extent, &n) ? make_index(n - 1) : Sub::make(extent, make_index(1));
      idx[d] = Max::make(Min::make(idx[d], last), make_index(0));
    }
    (void)e;
    return TensorLoad::make(op->op, std::move(idx));
  }
};

}  // namespace

void match_types(Expr& a, Expr& b) {
  check_defined(a, "an operator");
  check_defined(b, "an operator");
  if (a.type() == b.type()) return;
  Type ta = a.type(), tb = b.type();
  if (ta.is_bool() != tb.is_bool()) {
    user_error << "cannot combine " << ta.str() << " and " << tb.str()
               << "; convert the condition with select(cond, 1, 0) or compare the number";
  }
  // A scalar meets a vector by broadcasting (only after vectorization).
  if (ta.lanes != tb.lanes) {
    if (ta.lanes == 1) {
      a = Broadcast::make(a, tb.lanes);
    } else if (tb.lanes == 1) {
      b = Broadcast::make(b, ta.lanes);
    } else {
      internal_error << "operands of " << ta.lanes << " and " << tb.lanes << " lanes";
    }
    ta = a.type();
    tb = b.type();
    if (ta == tb) return;
  }
  bool ca = is_constant(a), cb = is_constant(b);
  // A constant adopts the other type, unless it is a float constant meeting
  // an integer: 0.5 must not become 0.
  if (ca && !cb && !(ta.is_float() && !tb.is_float())) {
    a = constant_as(a, tb);
    return;
  }
  if (cb && !ca && !(tb.is_float() && !ta.is_float())) {
    b = constant_as(b, ta);
    return;
  }
  Type t = meet(ta, tb);
  if (ta != t) a = cast(t, a);
  if (tb != t) b = cast(t, b);
}

Expr operator+(Expr a, Expr b) { return arith("+", std::move(a), std::move(b), Add::make); }
Expr operator-(Expr a, Expr b) { return arith("-", std::move(a), std::move(b), Sub::make); }
Expr operator*(Expr a, Expr b) { return arith("*", std::move(a), std::move(b), Mul::make); }
Expr operator/(Expr a, Expr b) { return arith("/", std::move(a), std::move(b), Div::make); }
Expr operator%(Expr a, Expr b) { return arith("%", std::move(a), std::move(b), Mod::make); }

Expr operator-(Expr a) {
  check_defined(a, "unary -");
  refuse_bool(a, "unary -");
  if (const IntImm* i = a.as<IntImm>()) return IntImm::make(a.type(), -i->value);
  if (const FloatImm* f = a.as<FloatImm>()) return FloatImm::make(a.type(), -f->value);
  Type t = a.type();
  return Sub::make(make_zero(t), std::move(a));
}

Expr operator==(Expr a, Expr b) { return compare("==", std::move(a), std::move(b), EQ::make, false); }
Expr operator!=(Expr a, Expr b) { return compare("!=", std::move(a), std::move(b), NE::make, false); }
Expr operator<(Expr a, Expr b) { return compare("<", std::move(a), std::move(b), LT::make, true); }
Expr operator<=(Expr a, Expr b) { return compare("<=", std::move(a), std::move(b), LE::make, true); }
Expr operator>(Expr a, Expr b) { return compare(">", std::move(a), std::move(b), GT::make, true); }
Expr operator>=(Expr a, Expr b) { return compare(">=", std::move(a), std::move(b), GE::make, true); }

Expr operator&&(Expr a, Expr b) {
  check_defined(a, "&&");
  check_defined(b, "&&");
  refuse_non_bool(a, "&&");
  refuse_non_bool(b, "&&");
  match_types(a, b);
  return And::make(std::move(a), std::move(b));
}

Expr operator||(Expr a, Expr b) {
  check_defined(a, "||");
  check_defined(b, "||");
  refuse_non_bool(a, "||");
  refuse_non_bool(b, "||");
  match_types(a, b);
  return Or::make(std::move(a), std::move(b));
}

Expr operator!(Expr a) {
  check_defined(a, "!");
  refuse_non_bool(a, "!");
  return Not::make(std::move(a));
}

Expr min(Expr a, Expr b) { return arith("min", std::move(a), std::move(b), Min::make); }
Expr max(Expr a, Expr b) { return arith("max", std::move(a), std::move(b), Max::make); }

Expr select(Expr cond, Expr t, Expr f) {
  check_defined(cond, "select");
  check_defined(t, "select");
  check_defined(f, "select");
  if (!cond.type().is_bool()) {
    user_error << "select condition has type " << cond.type().str() << ", not bool; compare first";
  }
  match_types(t, f);
  if (cond.type().lanes == 1 && t.type().lanes > 1) cond = Broadcast::make(cond, t.type().lanes);
  return Select::make(std::move(cond), std::move(t), std::move(f));
}

Expr if_then_else(Expr cond, Expr t, Expr f) {
  check_defined(t, "if_then_else");
  check_defined(f, "if_then_else");
  ClampTensorLoads clamp;
  return select(std::move(cond), clamp.mutate(t), clamp.mutate(f));
}

Expr cast(Type t, Expr v) {
  check_defined(v, "cast");
  if (t.lanes == 1 && v.type().lanes > 1) t = t.with_lanes(v.type().lanes);
  if (t.lanes != v.type().lanes) {
    user_error << "cast of a " << v.type().str() << " value to " << t.str() << " changes the lane count";
  }
  if (v.type() == t) return v;
  // Fold constants so literals print and compare as literals. Float to int
  // and anything involving bool keep the Cast (their semantics live there).
  if (!t.is_bool() && !v.type().is_bool()) {
    const Expr& s = v.as<Broadcast>() ? v.as<Broadcast>()->value : v;
    if (const IntImm* i = s.as<IntImm>()) {
      if (!v.type().is_uint() || i->value >= 0) return make_const(t, i->value);
    }
    if (s.as<FloatImm>() && t.is_float()) return constant_as(v, t);
  }
  return Cast::make(t, std::move(v));
}

Expr exp(Expr x) { return math_call(Intrinsic::Exp, std::move(x)); }
Expr log(Expr x) { return math_call(Intrinsic::Log, std::move(x)); }
Expr sqrt(Expr x) { return math_call(Intrinsic::Sqrt, std::move(x)); }
Expr rsqrt(Expr x) { return math_call(Intrinsic::Rsqrt, std::move(x)); }
Expr tanh(Expr x) { return math_call(Intrinsic::Tanh, std::move(x)); }
Expr erf(Expr x) { return math_call(Intrinsic::Erf, std::move(x)); }
Expr abs(Expr x) { return math_call(Intrinsic::Abs, std::move(x)); }
Expr floor(Expr x) { return math_call(Intrinsic::Floor, std::move(x)); }
Expr ceil(Expr x) { return math_call(Intrinsic::Ceil, std::move(x)); }

Expr pow(Expr x, Expr y) {
  check_defined(x, "pow");
  check_defined(y, "pow");
  refuse_bool(x, "pow");
  refuse_bool(y, "pow");
  match_types(x, y);
  x = to_float(x);
  y = to_float(y);
  Type t = x.type();
  return Call::make(t, Intrinsic::Pow, {std::move(x), std::move(y)});
}

Expr fma(Expr a, Expr b, Expr c) {
  for (const Expr* e : {&a, &b, &c}) {
    check_defined(*e, "fma");
    refuse_bool(*e, "fma");
  }
  // Three rounds so a widening caused by c reaches a and b as well.
  match_types(a, b);
  match_types(a, c);
  match_types(b, c);
  a = to_float(a);
  b = to_float(b);
  c = to_float(c);
  Type t = a.type();
  return Call::make(t, Intrinsic::Fma, {std::move(a), std::move(b), std::move(c)});
}

Expr likely(Expr cond) {
  check_defined(cond, "likely");
  refuse_non_bool(cond, "likely");
  Type t = cond.type();
  return Call::make(t, Intrinsic::Likely, {std::move(cond)});
}

}  // namespace kiln
