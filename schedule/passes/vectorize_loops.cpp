// vectorize_loops: Vectorized loops become vector code.
//
// Expects: flattened IR (Load/Store/Allocate), tails partitioned off so
// the steady vectorized loops carry no lane-dependent conditions.
// Guarantees: no Vectorized loop remains. A Vectorized loop of constant
// extent W is replaced by its body with the loop variable replaced by
// Ramp(min, 1, W). Expressions that do not depend on the lane stay scalar;
// where scalar meets vector, the scalar is broadcast. Index arithmetic
// keeps ramps as ramps (Ramp + x, Ramp * c), so a unit-stride access is one
// vector load or store. Lets bound to lane-dependent values become vector
// lets; serial loops inside keep looping, with vector bodies (the register
// tile of a reduction: `for k: C[ramp] = C[ramp] + A[..] * B[ramp]`).
//
// A loop falls back to Serial (correct, not vector) when its body has:
// a condition, loop bound or allocation that depends on the lane (a tail
// that partition_tails left guarded); a store whose address does not
// depend on the lane (lanes would race on one element); a store at a
// non-unit-stride vector address whose value reads the same buffer (lanes
// could update one element twice); vector code already (a nested
// vectorized loop); or a non-constant extent.
#include <map>

#include "base/error.h"
#include "dsl/ir_visitor.h"
#include "schedule/passes/fold.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

/// Thrown inside VectorizeBody when the loop must stay serial.
struct CannotVectorize {};

/// The scalar a lane-invariant value holds in every lane, or undefined.
Expr scalar_of(const Expr& e) {
  if (e.type().is_scalar()) return e;
  if (const Broadcast* b = e.as<Broadcast>()) return b->value;
  return Expr();
}

class FindVectors : public IRVisitor {
 public:
  bool found = false;

 protected:
  using IRVisitor::visit;
  void visit(const Ramp*) override { found = true; }
  void visit(const Broadcast*) override { found = true; }
};

bool has_vectors(const Stmt& s) {
  FindVectors f;
  f.visit_stmt(s);
  return f.found;
}

class ReadsBuffer : public IRVisitor {
 public:
  explicit ReadsBuffer(const std::string& b) : buffer(b) {}
  const std::string& buffer;
  bool found = false;

 protected:
  using IRVisitor::visit;
  void visit(const Load* op) override {
    if (op->buffer == buffer) found = true;
    IRVisitor::visit(op);
  }
};

bool reads_buffer(const Expr& e, const std::string& buffer) {
  ReadsBuffer r(buffer);
  r.visit_expr(e);
  return r.found;
}

/// Rewrites one loop body for `lanes` lanes of the loop variable `var`.
class VectorizeBody : public IRMutator {
 public:
  VectorizeBody(const std::string& var, Expr ramp) : var_(var), ramp_(std::move(ramp)) {
    lanes_ = ramp_.type().lanes;
  }

 protected:
  using IRMutator::visit;

  Expr visit(const Var* op, const Expr& e) override {
    if (op->name == var_) return ramp_;
    auto it = vector_lets_.find(op->name);
    if (it != vector_lets_.end()) return Var::make(it->second, op->name);
    return e;
  }

  Expr visit(const Cast* op, const Expr& e) override {
    Expr v = mutate(op->value);
    if (v.same_as(op->value)) return e;
    return Cast::make(op->type.with_lanes(v.type().lanes), v);
  }

  Expr visit(const Add* op, const Expr& e) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (a.same_as(op->a) && b.same_as(op->b)) return e;
    const Ramp* ra = a.as<Ramp>();
    const Ramp* rb = b.as<Ramp>();
    Expr sa = scalar_of(a), sb = scalar_of(b);
    if (ra && rb) return Ramp::make(fold_add(ra->base, rb->base), fold_add(ra->stride, rb->stride), lanes_);
    if (ra && sb.defined()) return Ramp::make(fold_add(ra->base, sb), ra->stride, lanes_);
    if (rb && sa.defined()) return Ramp::make(fold_add(sa, rb->base), rb->stride, lanes_);
    return binary<Add>(a, b);
  }

  Expr visit(const Sub* op, const Expr& e) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (a.same_as(op->a) && b.same_as(op->b)) return e;
    const Ramp* ra = a.as<Ramp>();
    const Ramp* rb = b.as<Ramp>();
    Expr sa = scalar_of(a), sb = scalar_of(b);
    if (ra && rb) return Ramp::make(fold_sub(ra->base, rb->base), fold_sub(ra->stride, rb->stride), lanes_);
    if (ra && sb.defined()) return Ramp::make(fold_sub(ra->base, sb), ra->stride, lanes_);
    if (rb && sa.defined()) {
      return Ramp::make(fold_sub(sa, rb->base), fold_sub(make_zero(rb->stride.type()), rb->stride), lanes_);
    }
    return binary<Sub>(a, b);
  }

  Expr visit(const Mul* op, const Expr& e) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (a.same_as(op->a) && b.same_as(op->b)) return e;
    const Ramp* ra = a.as<Ramp>();
    const Ramp* rb = b.as<Ramp>();
    Expr sa = scalar_of(a), sb = scalar_of(b);
    if (ra && sb.defined()) return Ramp::make(fold_mul(ra->base, sb), fold_mul(ra->stride, sb), lanes_);
    if (rb && sa.defined()) return Ramp::make(fold_mul(sa, rb->base), fold_mul(sa, rb->stride), lanes_);
    return binary<Mul>(a, b);
  }

#define KILN_VECTORIZE_BINARY(N) \
  Expr visit(const N* op, const Expr& e) override { return binary_node<N>(op, e); }
  KILN_VECTORIZE_BINARY(Div)
  KILN_VECTORIZE_BINARY(Mod)
  KILN_VECTORIZE_BINARY(Min)
  KILN_VECTORIZE_BINARY(Max)
  KILN_VECTORIZE_BINARY(EQ)
  KILN_VECTORIZE_BINARY(NE)
  KILN_VECTORIZE_BINARY(LT)
  KILN_VECTORIZE_BINARY(LE)
  KILN_VECTORIZE_BINARY(GT)
  KILN_VECTORIZE_BINARY(GE)
  KILN_VECTORIZE_BINARY(And)
  KILN_VECTORIZE_BINARY(Or)
#undef KILN_VECTORIZE_BINARY

  Expr visit(const Not* op, const Expr& e) override {
    Expr a = mutate(op->a);
    return a.same_as(op->a) ? e : Not::make(a);
  }

  Expr visit(const Select* op, const Expr& e) override {
    Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
    if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value)) return e;
    if (c.type().is_scalar() && t.type().is_scalar() && f.type().is_scalar()) return Select::make(c, t, f);
    // A scalar condition picks one whole vector arm; the arms' loads stay
    // guarded by it, as in the scalar code.
    if (c.type().is_scalar()) return Select::make(c, widen(t), widen(f));
    return Select::make(widen(c), widen(t), widen(f));
  }

  Expr visit(const Call* op, const Expr& e) override {
    std::vector<Expr> args;
    if (!mutate_exprs(op->args, &args)) return e;
    bool vector = false;
    for (const Expr& a : args) vector = vector || a.type().is_vector();
    if (!vector) return Call::make(op->type, op->op, args);
    for (Expr& a : args) a = widen(a);
    return Call::make(op->type.with_lanes(lanes_), op->op, args);
  }

  Expr visit(const Let* op, const Expr& e) override {
    Expr value = mutate(op->value);
    Expr body = bind(op->name, value, [&] { return mutate(op->body); });
    if (value.same_as(op->value) && body.same_as(op->body)) return e;
    return Let::make(op->name, value, body);
  }

  Expr visit(const Load* op, const Expr& e) override {
    Expr index = mutate(op->index);
    if (index.same_as(op->index)) return e;
    return Load::make(op->type.with_lanes(index.type().lanes), op->buffer, index);
  }

  Expr visit(const Ramp*, const Expr&) override { throw CannotVectorize(); }
  Expr visit(const Broadcast*, const Expr&) override { throw CannotVectorize(); }
  Expr visit(const TensorLoad*, const Expr&) override { throw CannotVectorize(); }
  Expr visit(const Reduce*, const Expr&) override { throw CannotVectorize(); }

  Stmt visit(const LetStmt* op, const Stmt& s) override {
    Expr value = mutate(op->value);
    Stmt body = bind(op->name, value, [&] { return mutate(op->body); });
    if (value.same_as(op->value) && body.same_as(op->body)) return s;
    return LetStmt::make(op->name, value, body);
  }

  Stmt visit(const For* op, const Stmt& s) override {
    Expr min = mutate(op->min), extent = mutate(op->extent);
    if (min.type().is_vector() || extent.type().is_vector()) throw CannotVectorize();
    // The inner loop's variable is scalar, even if it shadows a vector let.
    Stmt body = bind(op->name, op->min, [&] { return mutate(op->body); });
    if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return s;
    return For::make(op->name, min, extent, op->for_kind, body);
  }

  Stmt visit(const IfThenElse* op, const Stmt& s) override {
    Expr c = mutate(op->condition);
    if (c.type().is_vector()) throw CannotVectorize();
    Stmt t = mutate(op->then_case), f = mutate(op->else_case);
    if (c.same_as(op->condition) && t.same_as(op->then_case) && f.same_as(op->else_case)) return s;
    return IfThenElse::make(c, t, f);
  }

  Stmt visit(const Store* op, const Stmt&) override {
    Expr value = mutate(op->value), index = mutate(op->index);
    if (index.type().is_scalar()) throw CannotVectorize();
    const Ramp* r = index.as<Ramp>();
    int64_t stride;
    bool distinct = r && as_const_int(r->stride, &stride) && stride != 0;
    if (!distinct && reads_buffer(value, op->buffer)) throw CannotVectorize();
    return Store::make(op->buffer, widen(value), index);
  }

  Stmt visit(const Allocate*, const Stmt&) override { throw CannotVectorize(); }
  Stmt visit(const Realize*, const Stmt&) override { throw CannotVectorize(); }
  Stmt visit(const TensorStore*, const Stmt&) override { throw CannotVectorize(); }

 private:
  Expr widen(const Expr& e) const {
    if (e.type().lanes == lanes_) return e;
    internal_assert(e.type().is_scalar()) << "vectorize: a " << e.type().str() << " value in a "
                                          << lanes_ << "-lane loop";
    return Broadcast::make(e, lanes_);
  }

  template <typename T>
  Expr binary(const Expr& a, const Expr& b) const {
    if (a.type().is_scalar() && b.type().is_scalar()) return T::make(a, b);
    return T::make(widen(a), widen(b));
  }

  template <typename T>
  Expr binary_node(const T* op, const Expr& e) {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (a.same_as(op->a) && b.same_as(op->b)) return e;
    return binary<T>(a, b);
  }

  /// Runs f with `name` bound to value: a vector let while value is a vector.
  template <typename F>
  auto bind(const std::string& name, const Expr& value, F f) -> decltype(f()) {
    auto it = vector_lets_.find(name);
    bool had = it != vector_lets_.end();
    Type old = had ? it->second : Type();
    if (value.type().is_vector()) {
      vector_lets_[name] = value.type();
    } else {
      vector_lets_.erase(name);
    }
    auto result = f();
    if (had) {
      vector_lets_[name] = old;
    } else {
      vector_lets_.erase(name);
    }
    return result;
  }

  std::string var_;
  Expr ramp_;
  int lanes_ = 1;
  /// Let-bound names whose value is a vector, with its type.
  std::map<std::string, Type> vector_lets_;
};

class VectorizeLoops : public IRMutator {
 protected:
  using IRMutator::visit;

  Stmt visit(const For* op, const Stmt& s) override {
    // Inner loops first: a vectorized loop inside another leaves vector
    // code, and the outer one then stays serial.
    Stmt body = mutate(op->body);
    if (op->for_kind != ForKind::Vectorized) {
      return body.same_as(op->body) ? s : For::make(op->name, op->min, op->extent, op->for_kind, body);
    }
    Stmt serial = For::make(op->name, op->min, op->extent, ForKind::Serial, body);
    int64_t lanes;
    if (!as_const_int(op->extent, &lanes) || lanes < 1) return serial;
    if (lanes == 1) return LetStmt::make(op->name, op->min, body);
    if (has_vectors(body)) return serial;
    try {
      return VectorizeBody(op->name, Ramp::make(op->min, make_index(1), static_cast<int>(lanes)))
          .mutate(body);
    } catch (const CannotVectorize&) {
      return serial;
    }
  }
};

}  // namespace

Stmt vectorize_loops(const Stmt& s) { return VectorizeLoops().mutate(s); }

}  // namespace kiln
