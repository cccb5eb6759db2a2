// Scalar arithmetic of the reference interpreter. Each operation computes
// what the LLVM code generator emits for it (codegen/llvm/codegen_expr.cpp),
// so the interpreter is an oracle for compiled kernels: f32-family math in
// float, integer wrap-around, floor division, NaN-propagating min/max as
// `a < b ? a : b`, ordered float compares except !=.
#include <cmath>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "dsl/interpreter_eval.h"

namespace kiln {
namespace interp {

namespace {

bool is_f64(Type t) { return t.is_float() && t.bits == 64; }

/// v truncated toward zero and clamped to integer type t's range (NaN: 0).
/// Generated code leaves out-of-range conversions unspecified; saturating
/// keeps the interpreter defined.
int64_t float_to_int(Type t, double v) {
  if (std::isnan(v)) return 0;
  v = std::trunc(v);
  if (t.is_uint()) {
    if (v <= 0) return 0;
    if (t.bits >= 64) {
      if (v >= 18446744073709551616.0) return -1;  // all bits set
      return static_cast<int64_t>(static_cast<uint64_t>(v));
    }
    double hi = std::ldexp(1.0, t.bits) - 1;
    return static_cast<int64_t>(std::min(v, hi));
  }
  double lim = std::ldexp(1.0, t.bits - 1);
  if (v < -lim) return t.bits >= 64 ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(-lim);
  if (v >= lim) {
    return t.bits >= 64 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(lim) - 1;
  }
  return static_cast<int64_t>(v);
}

template <typename F>
Value float_binary(IRKind kind, Type t, F x, F y) {
  auto num = [&](F r) { return Value::of_float(t, static_cast<double>(r)); };
  auto boolean_of = [](bool r) { return Value::of_int(boolean(), r); };
  switch (kind) {
    case IRKind::Add: return num(x + y);
    case IRKind::Sub: return num(x - y);
    case IRKind::Mul: return num(x * y);
    case IRKind::Div: return num(x / y);
    case IRKind::Mod: return num(x - y * std::floor(x / y));  // sign of y, as for integers
    case IRKind::Min: return num(x < y ? x : y);
    case IRKind::Max: return num(x > y ? x : y);
    case IRKind::EQ: return boolean_of(x == y);
    case IRKind::NE: return boolean_of(x != y);
    case IRKind::LT: return boolean_of(x < y);
    case IRKind::LE: return boolean_of(x <= y);
    case IRKind::GT: return boolean_of(x > y);
    case IRKind::GE: return boolean_of(x >= y);
    default: break;
  }
  internal_error << ir_kind_name(kind) << " of floats";
  return Value();
}

/// Floor division and modulo; the caller has excluded a zero divisor.
int64_t floor_div(int64_t x, int64_t y) {
  if (y == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(x));  // INT64_MIN wraps
  int64_t q = x / y, r = x % y;
  return (r != 0 && ((r < 0) != (y < 0))) ? q - 1 : q;
}

int64_t floor_mod(int64_t x, int64_t y) {
  if (y == -1) return 0;
  int64_t r = x % y;
  return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}

Value int_binary(IRKind kind, Type t, int64_t x, int64_t y) {
  auto num = [&](uint64_t r) { return Value::of_int(t, static_cast<int64_t>(r)); };
  auto boolean_of = [](bool r) { return Value::of_int(boolean(), r); };
  const uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
  // Unsigned values are zero-extended (u64: raw bits), so comparing the
  // 64-bit patterns as unsigned orders them correctly.
  const bool is_unsigned = t.is_uint() || t.is_bool();
  auto less = [&](int64_t p, int64_t q) {
    return is_unsigned ? static_cast<uint64_t>(p) < static_cast<uint64_t>(q) : p < q;
  };
  switch (kind) {
    case IRKind::Add: return num(ux + uy);
    case IRKind::Sub: return num(ux - uy);
    case IRKind::Mul: return num(ux * uy);
    case IRKind::Div: {
      internal_assert(y != 0) << "integer division by zero reached binary_op";
      return is_unsigned ? num(ux / uy) : num(static_cast<uint64_t>(floor_div(x, y)));
    }
    case IRKind::Mod: {
      internal_assert(y != 0) << "integer modulo by zero reached binary_op";
      return is_unsigned ? num(ux % uy) : num(static_cast<uint64_t>(floor_mod(x, y)));
    }
    case IRKind::Min: return Value::of_int(t, less(x, y) ? x : y);
    case IRKind::Max: return Value::of_int(t, less(y, x) ? x : y);
    case IRKind::EQ: return boolean_of(x == y);
    case IRKind::NE: return boolean_of(x != y);
    case IRKind::LT: return boolean_of(less(x, y));
    case IRKind::LE: return boolean_of(!less(y, x));
    case IRKind::GT: return boolean_of(less(y, x));
    case IRKind::GE: return boolean_of(!less(x, y));
    case IRKind::And: return boolean_of(x != 0 && y != 0);
    case IRKind::Or: return boolean_of(x != 0 || y != 0);
    default: break;
  }
  internal_error << ir_kind_name(kind) << " of integers";
  return Value();
}

template <typename F>
F float_intrinsic(Intrinsic op, const std::vector<Value>& args) {
  auto arg = [&](size_t k) { return static_cast<F>(args[k].f); };
  switch (op) {
    case Intrinsic::Exp: return std::exp(arg(0));
    case Intrinsic::Log: return std::log(arg(0));
    case Intrinsic::Sqrt: return std::sqrt(arg(0));
    case Intrinsic::Rsqrt: return F(1) / std::sqrt(arg(0));
    case Intrinsic::Tanh: return std::tanh(arg(0));
    case Intrinsic::Erf: return std::erf(arg(0));
    case Intrinsic::Pow: return std::pow(arg(0), arg(1));
    case Intrinsic::Abs: return std::fabs(arg(0));
    case Intrinsic::Floor: return std::floor(arg(0));
    case Intrinsic::Ceil: return std::ceil(arg(0));
    case Intrinsic::Fma: return std::fma(arg(0), arg(1), arg(2));
    case Intrinsic::Likely: break;
    case Intrinsic::GPUBarrier: break;
    case Intrinsic::Prefetch: break;
  }
  internal_error << intrinsic_name(op) << " of a float";
  return F(0);
}

}  // namespace

Value Value::of_int(Type t, int64_t v) {
  Value r;
  r.type = t;
  if (t.is_bool()) {
    r.i = v != 0;
  } else if (t.bits < 64) {
    int shift = 64 - t.bits;
    uint64_t u = static_cast<uint64_t>(v) << shift;
    r.i = t.is_int() ? static_cast<int64_t>(u) >> shift : static_cast<int64_t>(u >> shift);
  } else {
    r.i = v;
  }
  return r;
}

Value Value::of_float(Type t, double v) {
  Value r;
  r.type = t;
  r.f = is_f64(t) ? v : static_cast<double>(static_cast<float>(v));
  return r;
}

double Value::as_double() const {
  if (type.is_float()) return f;
  if (type.is_uint() && type.bits == 64) return static_cast<double>(static_cast<uint64_t>(i));
  return static_cast<double>(i);
}

Value round_to_storage(const Value& v) {
  if (!v.type.is_half_storage()) return v;
  Value r = v;
  float x = static_cast<float>(v.f);
  r.f = v.type.is_bfloat() ? bfloat_bits_to_float(float_to_bfloat_bits(x))
                           : half_bits_to_float(float_to_half_bits(x));
  return r;
}

Value cast_value(Type t, const Value& v) {
  const Type from = v.type;
  if (from == t) return v;
  if (t.is_bool()) return Value::of_int(t, from.is_float() ? v.f != 0 : v.i != 0);  // NaN: true
  if (from.is_bool()) {
    return t.is_float() ? Value::of_float(t, static_cast<double>(v.i)) : Value::of_int(t, v.i);
  }
  if (from.is_float() && t.is_float()) {
    if (is_f64(t)) return Value::of_float(t, v.f);
    if (is_f64(from) && t.is_half_storage() && !t.is_bfloat()) {
      // Straight from f64 to f16: one rounding, as generated code does.
      Value r;
      r.type = t;
      r.f = half_bits_to_float(double_to_half_bits(v.f));
      return r;
    }
    return round_to_storage(Value::of_float(t, v.f));
  }
  if (from.is_float()) return Value::of_int(t, float_to_int(t, v.f));
  if (t.is_float()) {
    const bool from_unsigned = from.is_uint();
    const uint64_t u = static_cast<uint64_t>(v.i);
    if (is_f64(t)) {
      return Value::of_float(t, from_unsigned ? static_cast<double>(u) : static_cast<double>(v.i));
    }
    // Integer to float rounds once to f32; 16-bit types round again.
    float x = from_unsigned ? static_cast<float>(u) : static_cast<float>(v.i);
    return round_to_storage(Value::of_float(t, x));
  }
  // Integer to integer: the source is already sign- or zero-extended, so
  // wrapping to the target width is the whole conversion.
  return Value::of_int(t, v.i);
}

Value binary_op(IRKind kind, const Value& a, const Value& b) {
  const Type t = a.type;
  if (t.is_float()) {
    if (is_f64(t)) return float_binary<double>(kind, t, a.f, b.f);
    return float_binary<float>(kind, t, static_cast<float>(a.f), static_cast<float>(b.f));
  }
  return int_binary(kind, t, a.i, b.i);
}

Value call_intrinsic(Intrinsic op, Type t, const std::vector<Value>& args) {
  if (op == Intrinsic::Likely) return args[0];
  if (t.is_float()) {
    if (is_f64(t)) return Value::of_float(t, float_intrinsic<double>(op, args));
    return Value::of_float(t, static_cast<double>(float_intrinsic<float>(op, args)));
  }
  internal_assert(op == Intrinsic::Abs) << intrinsic_name(op) << " of " << t.str()
                                        << " (math intrinsics take floats)";
  const Value& x = args[0];
  if (t.is_int() && x.i < 0) return Value::of_int(t, static_cast<int64_t>(0 - static_cast<uint64_t>(x.i)));
  return x;
}

Value read_element(const Buffer& b, int64_t offset) {
  const Type t = b.dtype();
  const void* p = b.data();
  if (t.is_bool()) return Value::of_int(t, static_cast<const uint8_t*>(p)[offset]);
  if (t.is_bfloat()) {
    return Value::of_float(t, bfloat_bits_to_float(static_cast<const uint16_t*>(p)[offset]));
  }
  if (t.is_float()) {
    switch (t.bits) {
      case 16: return Value::of_float(t, half_bits_to_float(static_cast<const uint16_t*>(p)[offset]));
      case 32: return Value::of_float(t, static_cast<const float*>(p)[offset]);
      case 64: return Value::of_float(t, static_cast<const double*>(p)[offset]);
    }
  }
  // Raw bits, widened; of_int sign- or zero-extends them by t.
  switch (t.bits) {
    case 8: return Value::of_int(t, static_cast<const uint8_t*>(p)[offset]);
    case 16: return Value::of_int(t, static_cast<const uint16_t*>(p)[offset]);
    case 32: return Value::of_int(t, static_cast<const uint32_t*>(p)[offset]);
    case 64: return Value::of_int(t, static_cast<const int64_t*>(p)[offset]);
  }
  internal_error << "read of a buffer of type " << t.str();
  return Value();
}

void write_element(const Buffer& b, int64_t offset, const Value& v) {
  const Type t = b.dtype();
  internal_assert(v.type == t) << "store of a " << v.type.str() << " value into a " << t.str()
                               << " buffer";
  void* p = b.data();
  if (t.is_bool()) {
    static_cast<uint8_t*>(p)[offset] = v.i != 0;
  } else if (t.is_bfloat()) {
    static_cast<uint16_t*>(p)[offset] = float_to_bfloat_bits(static_cast<float>(v.f));
  } else if (t.is_float()) {
    switch (t.bits) {
      case 16: static_cast<uint16_t*>(p)[offset] = float_to_half_bits(static_cast<float>(v.f)); break;
      case 32: static_cast<float*>(p)[offset] = static_cast<float>(v.f); break;
      case 64: static_cast<double*>(p)[offset] = v.f; break;
    }
  } else {
    switch (t.bits) {
      case 8: static_cast<uint8_t*>(p)[offset] = static_cast<uint8_t>(v.i); break;
      case 16: static_cast<uint16_t*>(p)[offset] = static_cast<uint16_t>(v.i); break;
      case 32: static_cast<uint32_t*>(p)[offset] = static_cast<uint32_t>(v.i); break;
      case 64: static_cast<int64_t*>(p)[offset] = v.i; break;
    }
  }
}

}  // namespace interp
}  // namespace kiln
