#pragma once
/// \file
/// Pieces of the simplifier shared between its files (not a public API):
/// - a total structural order on expressions (canonical term order);
/// - linear forms: sum of coefficient * term + constant over signed ints;
/// - constant folding of single nodes;
/// - the prover: constant bounds of a linear form given variable ranges;
/// - the Simplifier mutator, whose rules are spread over simplify_*.cpp.

#include <cstdint>
#include <utility>
#include <vector>

#include "dsl/interval.h"
#include "dsl/ir.h"
#include "dsl/ir_visitor.h"

namespace kiln {
namespace simplify_detail {

// ------------------------------------------------------------------ order

/// A total structural order: negative, zero (structurally equal) or positive.
int ir_compare(const Expr& a, const Expr& b);
/// The order of terms in a linear form: by the first variable a term
/// mentions, then structurally, so `x*16 + y` prints in the order people
/// write it.
bool term_less(const Expr& a, const Expr& b);

// ----------------------------------------------------------- linear forms

/// sum(coeff * term) + constant for a scalar signed integer type. Arithmetic
/// wraps to the type's width (a ring), so collecting terms is exact even when
/// values overflow; `overflowed` records that some i64 step did overflow, so
/// that the prover, which reasons about true integers, can refuse.
struct LinearForm {
  Type type = index_type();
  std::vector<std::pair<Expr, int64_t>> terms;  ///< sorted by term_less, coeff != 0
  int64_t constant = 0;
  bool overflowed = false;

  bool is_constant() const { return terms.empty(); }
};

/// Whether linear forms apply to t (scalar signed integers).
bool is_linear_type(Type t);
/// v wrapped to t's width (sign-extended).
int64_t wrap_to(Type t, int64_t v);

LinearForm lf_constant(Type t, int64_t c);
LinearForm lf_term(const Expr& term, int64_t coeff = 1);
LinearForm lf_add(const LinearForm& a, const LinearForm& b);
LinearForm lf_sub(const LinearForm& a, const LinearForm& b);
LinearForm lf_scale(const LinearForm& a, int64_t k);
/// a * b: scales when one is constant, distributes when one is a single
/// term, and otherwise makes one product term.
LinearForm lf_mul(const LinearForm& a, const LinearForm& b);
/// Reads an expression built of Add, Sub, Mul by constants and IntImm
/// without simplifying its other parts (they become terms).
LinearForm lf_parse(const Expr& e);
/// The canonical expression: positive terms in order, then negative terms
/// subtracted, then the constant.
Expr lf_to_expr(const LinearForm& f);

// -------------------------------------------------------- constant folding

/// The scalar integer (or bool) constant, when e is an IntImm.
bool const_int(const Expr& e, int64_t* v);
/// The float constant, when e is a FloatImm.
bool const_float(const Expr& e, double* v);
/// Whether e is a constant (scalar, or a Broadcast of one).
bool is_constant_expr(const Expr& e);

/// Folds a binary node of constant scalar operands; undefined when it
/// cannot (not constants, division by zero, a NaN decision).
Expr fold_binary(IRKind kind, const Expr& a, const Expr& b);
/// Folds a cast of a constant; undefined when the value does not fit.
Expr fold_cast(Type t, const Expr& v);
/// Folds an intrinsic of constant arguments; undefined otherwise.
Expr fold_call(Type t, Intrinsic op, const std::vector<Expr>& args);
/// Makes the binary node of that kind (Add::make, LT::make, ...).
Expr make_binary(IRKind kind, const Expr& a, const Expr& b);
/// Floor division and modulo of integers (b != 0).
int64_t floor_div(int64_t a, int64_t b);
int64_t floor_mod(int64_t a, int64_t b);

// ------------------------------------------------------------------ prover
//
// The prover finds constant bounds by substituting the ranges of variables
// into linear forms, innermost (most dependent) variable first, and by
// splitting min/max terms into their arms, so correlated terms cancel:
// with j in [0, min(8, N - i*8) - 1], it proves i*8 + j < N.
//
// Index arithmetic (i64) is assumed not to overflow, as in Halide. Narrower
// signed types wrap, and the prover accounts for it: it reasons on true
// integers and only trusts a sum whose range fits the type.

/// Constant bounds; a missing side is unknown.
struct ConstBounds {
  bool has_lo = false, has_hi = false;
  int64_t lo = 0, hi = 0;
};

/// Bounds of the value e takes (a scalar signed integer) when the vars in
/// scope range over their intervals; other vars are unknown.
ConstBounds value_bounds(const Expr& e, const Scope& scope);
/// Bounds of value(a) - value(b) as a true integer (a, b of one scalar
/// signed integer type). Proves comparisons: hi < 0 means a < b always.
ConstBounds difference_bounds(const Expr& a, const Expr& b, const Scope& scope);
/// Whether the sum e (a scalar signed integer) computes its true-integer
/// value, i.e. never wraps; always true for i64 (assumed not to overflow).
bool sum_fits(const Expr& e, const Scope& scope);

// -------------------------------------------------------------- simplifier

/// The bottom-up simplifier. Each visit simplifies the children, then
/// applies the rules of its node kind to the simplified children; the rule
/// functions (binary, logical_not, ...) take simplified operands, so a rule
/// that builds a new node never simplifies the same subtree twice.
class Simplifier : public IRMutator {
 public:
  explicit Simplifier(const Scope& scope) : scope_(scope) {}

  /// The simplified `a kind b` for simplified a and b.
  Expr binary(IRKind kind, const Expr& a, const Expr& b);
  Expr logical_not(const Expr& a);
  Expr cast(Type t, const Expr& v);

 protected:
  using IRMutator::visit;
#define KILN_SIMPLIFY_BINARY(N) Expr visit(const N* op, const Expr& e) override;
  KILN_SIMPLIFY_BINARY(Add)
  KILN_SIMPLIFY_BINARY(Sub)
  KILN_SIMPLIFY_BINARY(Mul)
  KILN_SIMPLIFY_BINARY(Div)
  KILN_SIMPLIFY_BINARY(Mod)
  KILN_SIMPLIFY_BINARY(Min)
  KILN_SIMPLIFY_BINARY(Max)
  KILN_SIMPLIFY_BINARY(EQ)
  KILN_SIMPLIFY_BINARY(NE)
  KILN_SIMPLIFY_BINARY(LT)
  KILN_SIMPLIFY_BINARY(LE)
  KILN_SIMPLIFY_BINARY(GT)
  KILN_SIMPLIFY_BINARY(GE)
  KILN_SIMPLIFY_BINARY(And)
  KILN_SIMPLIFY_BINARY(Or)
#undef KILN_SIMPLIFY_BINARY
  Expr visit(const Var* op, const Expr& e) override;
  Expr visit(const Cast* op, const Expr& e) override;
  Expr visit(const Not* op, const Expr& e) override;
  Expr visit(const Select* op, const Expr& e) override;
  Expr visit(const Call* op, const Expr& e) override;
  Expr visit(const Let* op, const Expr& e) override;
  Expr visit(const Ramp* op, const Expr& e) override;
  Expr visit(const Broadcast* op, const Expr& e) override;
  Expr visit(const Reduce* op, const Expr& e) override;

  Stmt visit(const LetStmt* op, const Stmt& s) override;
  Stmt visit(const For* op, const Stmt& s) override;
  Stmt visit(const IfThenElse* op, const Stmt& s) override;
  Stmt visit(const Block* op, const Stmt& s) override;
  Stmt visit(const Evaluate* op, const Stmt& s) override;

 private:
  Expr arith(IRKind kind, const Expr& a, const Expr& b);
  Expr div_mod(IRKind kind, const Expr& a, const Expr& b);
  Expr min_max(IRKind kind, const Expr& a, const Expr& b);
  Expr compare(IRKind kind, const Expr& a, const Expr& b);
  Expr logic(IRKind kind, const Expr& a, const Expr& b);
  /// Broadcast and Ramp operands; undefined when no vector rule applies.
  Expr vector_binary(IRKind kind, const Expr& a, const Expr& b);
  /// Simplifies a binary node's children and applies the rules, returning
  /// e itself when nothing changed.
  Expr visit_binary(IRKind kind, const Expr& a, const Expr& b, const Expr& e);

  /// Binds name to range r (undefined r: unknown) while f runs; the outer
  /// range of the same name comes back after.
  template <typename F>
  auto with_range(const std::string& name, const Interval* r, F&& f) {
    auto old = scope_.find(name);
    bool had = old != scope_.end();
    Interval saved = had ? old->second : Interval();
    if (r) {
      scope_[name] = *r;
    } else {
      scope_.erase(name);
    }
    auto result = f();
    if (had) {
      scope_[name] = saved;
    } else {
      scope_.erase(name);
    }
    return result;
  }

  Scope scope_;
};

/// A statement that does nothing (Evaluate of a constant).
bool is_no_op(const Stmt& s);
Stmt no_op();

}  // namespace simplify_detail
}  // namespace kiln
