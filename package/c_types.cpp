// Types and size expressions in generated C and Python. Shapes in kiln
// definitions are small integer expressions over size vars; writing them
// out (rather than tabulating values) is what lets one function check any
// size a free kernel accepts.
#include "package/c_types.h"

#include "base/error.h"

namespace kiln {

namespace {

using VarName = std::function<std::string(const std::string&)>;

std::string emit(const Expr& e, const VarName& var) {
  auto bin = [&](const Expr& a, const char* op, const Expr& b) {
    return "(" + emit(a, var) + " " + op + " " + emit(b, var) + ")";
  };
  auto call = [&](const char* fn, const Expr& a, const Expr& b) {
    return std::string(fn) + "(" + emit(a, var) + ", " + emit(b, var) + ")";
  };
  if (const IntImm* op = e.as<IntImm>()) return "INT64_C(" + std::to_string(op->value) + ")";
  if (const Var* op = e.as<Var>()) return var(op->name);
  if (const Add* op = e.as<Add>()) return bin(op->a, "+", op->b);
  if (const Sub* op = e.as<Sub>()) return bin(op->a, "-", op->b);
  if (const Mul* op = e.as<Mul>()) return bin(op->a, "*", op->b);
  if (const Div* op = e.as<Div>()) return call("kiln_floordiv", op->a, op->b);
  if (const Mod* op = e.as<Mod>()) return call("kiln_floormod", op->a, op->b);
  if (const Min* op = e.as<Min>()) return call("kiln_min", op->a, op->b);
  if (const Max* op = e.as<Max>()) return call("kiln_max", op->a, op->b);
  // Conditions on sizes (read checks).
  if (const LT* op = e.as<LT>()) return bin(op->a, "<", op->b);
  if (const LE* op = e.as<LE>()) return bin(op->a, "<=", op->b);
  if (const GT* op = e.as<GT>()) return bin(op->a, ">", op->b);
  if (const GE* op = e.as<GE>()) return bin(op->a, ">=", op->b);
  if (const EQ* op = e.as<EQ>()) return bin(op->a, "==", op->b);
  if (const NE* op = e.as<NE>()) return bin(op->a, "!=", op->b);
  if (const And* op = e.as<And>()) return bin(op->a, "&&", op->b);
  if (const Or* op = e.as<Or>()) return bin(op->a, "||", op->b);
  if (const Not* op = e.as<Not>()) return "(!" + emit(op->a, var) + ")";
  if (const Select* op = e.as<Select>()) {
    return "(" + emit(op->condition, var) + " ? " + emit(op->true_value, var) + " : " +
           emit(op->false_value, var) + ")";
  }
  // A shape written with 32-bit constants carries a widening cast; the
  // value is the same in 64 bits.
  if (const Cast* op = e.as<Cast>()) {
    internal_assert(op->type.is_int() || op->type.is_uint())
        << "a shape expression casts to " << op->type.str();
    return emit(op->value, var);
  }
  internal_error << "shape expression of kind " << ir_kind_name(e->kind)
                 << " cannot be written in a package";
  return "";
}

}  // namespace

int dlpack_code(Type t) {
  switch (t.code) {
    case TypeCode::Int: return 0;     // kDLInt
    case TypeCode::UInt: return 1;    // kDLUInt
    case TypeCode::Float: return 2;   // kDLFloat
    case TypeCode::BFloat: return 4;  // kDLBfloat
    case TypeCode::Bool: return 6;    // kDLBool
  }
  return 3;  // kDLOpaqueHandle: matches no tensor
}

std::string framework_dtype_name(Type t) {
  switch (t.code) {
    case TypeCode::Bool: return "bool";
    case TypeCode::BFloat: return "bfloat16";
    case TypeCode::Float: return "float" + std::to_string(t.bits);
    case TypeCode::Int: return "int" + std::to_string(t.bits);
    case TypeCode::UInt: return "uint" + std::to_string(t.bits);
  }
  return "?";
}

std::string c_size_expr(const Expr& e, const VarName& var) { return emit(e, var); }

}  // namespace kiln
