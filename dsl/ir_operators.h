#pragma once
/// \file
/// Arithmetic on Expr with C++ operators, and the math intrinsics.
///
/// Type matching (as in Halide): when operand types differ, a constant
/// operand takes the other operand's type; otherwise an integer meets a float
/// as the float type, and the narrower of two ints or two floats widens. A
/// bool in arithmetic is refused. Comparison operators return bool.

#include "dsl/ir.h"

namespace kiln {

Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
/// Floor division for integers.
Expr operator/(Expr a, Expr b);
/// Floor modulo for integers.
Expr operator%(Expr a, Expr b);
Expr operator-(Expr a);
Expr operator==(Expr a, Expr b);
Expr operator!=(Expr a, Expr b);
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator&&(Expr a, Expr b);
Expr operator||(Expr a, Expr b);
Expr operator!(Expr a);

Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
/// cond ? t : f, with t and f type-matched.
Expr select(Expr cond, Expr t, Expr f);
/// For padding: cond ? t : f, where f is only meaningful where cond fails
/// (reads in t may be out of bounds where cond is false; only the taken arm
/// is evaluated by the interpreter and guarded in generated code).
Expr if_then_else(Expr cond, Expr t, Expr f);
/// Converts to t.
Expr cast(Type t, Expr v);

Expr exp(Expr x);
Expr log(Expr x);
Expr sqrt(Expr x);
Expr rsqrt(Expr x);
Expr tanh(Expr x);
Expr erf(Expr x);
Expr pow(Expr x, Expr y);
Expr abs(Expr x);
Expr floor(Expr x);
Expr ceil(Expr x);
/// a * b + c with one rounding.
Expr fma(Expr a, Expr b, Expr c);
/// likely(cond): see Intrinsic::Likely.
Expr likely(Expr cond);

/// Makes two operands the same type by the rules above (exposed for passes).
void match_types(Expr& a, Expr& b);

}  // namespace kiln
