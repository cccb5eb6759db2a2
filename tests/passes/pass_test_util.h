#pragma once
// Helpers for the pass tests (tests/passes/<pass>.cpp): a small integer
// evaluator of lowered IR, to check that a pass means the same as what went
// in by running both over every size in a range; a census of node kinds,
// for the shape of what a pass produces; and the IR after each pass of a
// whole lowering.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "dsl/ir_visitor.h"
#include "kiln.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace passtest {

// ------------------------------------------------------------ evaluation

/// Integer lanes (bools are 0 and 1).
using Value = std::vector<int64_t>;

inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// Runs lowered IR over i64 buffers, counting writes per element, so a
/// pass that loses or repeats an iteration is caught.
class Evaluator {
 public:
  std::map<std::string, int64_t> vars;
  std::map<std::string, std::vector<int64_t>> memory, writes;

  /// Zero-filled buffers of these sizes.
  explicit Evaluator(const std::map<std::string, int64_t>& buffers) {
    for (const auto& kv : buffers) {
      memory[kv.first].assign(kv.second, 0);
      writes[kv.first].assign(kv.second, 0);
    }
  }

  Value eval(const Expr& e) {
    if (const IntImm* op = e.as<IntImm>()) return {op->value};
    if (const Var* op = e.as<Var>()) return var(op->name, op->type.lanes);
    if (const Cast* op = e.as<Cast>()) return eval(op->value);
    if (const Ramp* op = e.as<Ramp>()) {
      int64_t b = scalar(op->base), s = scalar(op->stride);
      Value v;
      for (int i = 0; i < op->lanes; i++) v.push_back(b + i * s);
      return v;
    }
    if (const Broadcast* op = e.as<Broadcast>()) return Value(op->lanes, scalar(op->value));
    if (const Add* op = e.as<Add>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return a + b; });
    if (const Sub* op = e.as<Sub>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return a - b; });
    if (const Mul* op = e.as<Mul>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return a * b; });
    if (const Div* op = e.as<Div>()) return zip(op->a, op->b, floor_div);
    if (const Mod* op = e.as<Mod>()) {
      return zip(op->a, op->b, [](int64_t a, int64_t b) { return a - floor_div(a, b) * b; });
    }
    if (const Min* op = e.as<Min>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return std::min(a, b); });
    if (const Max* op = e.as<Max>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return std::max(a, b); });
    if (const LT* op = e.as<LT>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a < b; });
    if (const LE* op = e.as<LE>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a <= b; });
    if (const GT* op = e.as<GT>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a > b; });
    if (const GE* op = e.as<GE>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a >= b; });
    if (const EQ* op = e.as<EQ>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a == b; });
    if (const And* op = e.as<And>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a && b; });
    if (const Or* op = e.as<Or>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a || b; });
    if (const Not* op = e.as<Not>()) {
      Value v = eval(op->a);
      for (int64_t& x : v) x = !x;
      return v;
    }
    if (const Select* op = e.as<Select>()) {
      Value c = eval(op->condition), t = eval(op->true_value), f = eval(op->false_value);
      for (size_t i = 0; i < t.size(); i++) t[i] = c[c.size() == 1 ? 0 : i] ? t[i] : f[i];
      return t;
    }
    if (const Call* op = e.as<Call>()) {
      EXPECT_EQ(op->op, Intrinsic::Likely) << "the evaluator knows only likely()";
      return eval(op->args[0]);
    }
    if (const Let* op = e.as<Let>()) {
      Value v = eval(op->value);
      EXPECT_EQ(v.size(), 1u) << "the evaluator binds scalar lets only";
      return with_var(op->name, v[0], [&] { return eval(op->body); });
    }
    if (const Load* op = e.as<Load>()) {
      Value idx = eval(op->index);
      for (int64_t& i : idx) i = element(op->buffer, i);
      return idx;
    }
    ADD_FAILURE() << "evaluator: unexpected " << ir_kind_name(e->kind);
    return {0};
  }

  void run(const Stmt& s) {
    if (!s.defined()) return;
    if (const For* op = s.as<For>()) {
      int64_t min = scalar(op->min), extent = scalar(op->extent);
      for (int64_t i = min; i < min + extent; i++) with_var(op->name, i, [&] { run(op->body); return 0; });
    } else if (const Block* op = s.as<Block>()) {
      for (const Stmt& x : op->stmts) run(x);
    } else if (const IfThenElse* op = s.as<IfThenElse>()) {
      run(scalar(op->condition) ? op->then_case : op->else_case);
    } else if (const LetStmt* op = s.as<LetStmt>()) {
      Value v = eval(op->value);
      if (v.size() == 1) {
        with_var(op->name, v[0], [&] { run(op->body); return 0; });
      } else {
        vector_lets_[op->name] = v;
        run(op->body);
        vector_lets_.erase(op->name);
      }
    } else if (const Store* op = s.as<Store>()) {
      Value v = eval(op->value), idx = eval(op->index);
      ASSERT_EQ(v.size(), idx.size());
      for (size_t i = 0; i < idx.size(); i++) {
        element(op->buffer, idx[i]) = v[i];
        element(op->buffer, idx[i], &writes)++;
      }
    } else if (const Allocate* op = s.as<Allocate>()) {
      int64_t n = 1;
      for (const Expr& e : op->extents) n *= scalar(e);
      memory[op->buffer].assign(n, 0);
      writes[op->buffer].assign(n, 0);
      run(op->body);
    } else {
      ADD_FAILURE() << "evaluator: unexpected " << ir_kind_name(s->kind);
    }
  }

 private:
  int64_t scalar(const Expr& e) {
    Value v = eval(e);
    EXPECT_EQ(v.size(), 1u) << "expected a scalar: " << e;
    return v[0];
  }

  Value var(const std::string& name, int lanes) {
    auto vl = vector_lets_.find(name);
    if (vl != vector_lets_.end()) return vl->second;
    auto it = vars.find(name);
    EXPECT_NE(it, vars.end()) << "unbound " << name;
    return Value(lanes, it == vars.end() ? 0 : it->second);
  }

  template <typename F>
  Value zip(const Expr& a, const Expr& b, F f) {
    Value x = eval(a), y = eval(b);
    EXPECT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size() && i < y.size(); i++) x[i] = f(x[i], y[i]);
    return x;
  }

  template <typename F>
  auto with_var(const std::string& name, int64_t v, F f) -> decltype(f()) {
    auto it = vars.find(name);
    bool had = it != vars.end();
    int64_t old = had ? it->second : 0;
    vars[name] = v;
    auto r = f();
    if (had) {
      vars[name] = old;
    } else {
      vars.erase(name);
    }
    return r;
  }

  int64_t& element(const std::string& buffer, int64_t i,
                   std::map<std::string, std::vector<int64_t>>* in = nullptr) {
    std::vector<int64_t>& b = (in ? *in : memory)[buffer];
    if (i < 0 || i >= static_cast<int64_t>(b.size())) {
      ADD_FAILURE() << "access " << buffer << "[" << i << "] out of [0, " << b.size() << ")";
      static int64_t sink;
      return sink;
    }
    return b[i];
  }

  std::map<std::string, Value> vector_lets_;
};

/// Runs both statements with the same sizes and expects identical memory
/// and write counts.
inline void expect_same_effect(const Stmt& before, const Stmt& after,
                               const std::map<std::string, int64_t>& sizes,
                               const std::map<std::string, int64_t>& buffers,
                               const std::function<void(Evaluator&)>& fill = nullptr) {
  Evaluator a(buffers), b(buffers);
  a.vars = b.vars = sizes;
  if (fill) {
    fill(a);
    fill(b);
  }
  a.run(before);
  b.run(after);
  std::string where;
  for (const auto& kv : sizes) where += kv.first + "=" + std::to_string(kv.second) + " ";
  EXPECT_EQ(a.memory, b.memory) << where << "\nbefore:\n" << before << "\nafter:\n" << after;
  EXPECT_EQ(a.writes, b.writes) << where << "\nbefore:\n" << before << "\nafter:\n" << after;
}

// ------------------------------------------------------------- structure

/// Counts nodes of some kinds.
class Census : public IRVisitor {
 public:
  int ifs = 0, fors = 0, vectorized = 0, unrolled = 0, ramps = 0, vector_loads = 0, stores = 0;
  std::vector<const For*> loops;

 protected:
  using IRVisitor::visit;
  void visit(const IfThenElse* op) override { ifs++; IRVisitor::visit(op); }
  void visit(const For* op) override {
    fors++;
    loops.push_back(op);
    if (op->for_kind == ForKind::Vectorized) vectorized++;
    if (op->for_kind == ForKind::Unrolled) unrolled++;
    IRVisitor::visit(op);
  }
  void visit(const Ramp* op) override { ramps++; IRVisitor::visit(op); }
  void visit(const Load* op) override {
    if (op->type.is_vector()) vector_loads++;
    IRVisitor::visit(op);
  }
  void visit(const Store* op) override { stores++; IRVisitor::visit(op); }
};

inline Census census(const Stmt& s) {
  Census c;
  c.visit_stmt(s);
  return c;
}

inline Expr v(const std::string& name) { return make_var(name); }
inline Expr i64c(int64_t x) { return make_index(x); }

/// The top-level loops of a statement (a Block of them or one).
inline std::vector<const For*> top_loops(const Stmt& s) {
  std::vector<const For*> out;
  if (const Block* b = s.as<Block>()) {
    for (const Stmt& x : b->stmts) {
      if (const For* f = x.as<For>()) out.push_back(f);
    }
  } else if (const For* f = s.as<For>()) {
    out.push_back(f);
  }
  return out;
}

// ------------------------------------------------- through the pipeline

/// The IR after each pass of lowering sch.
inline std::map<std::string, Stmt> lower_passes(const Schedule& sch) {
  std::map<std::string, Stmt> out;
  LowerOptions options;
  options.on_pass = [&](const std::string& pass, const Stmt& s) { out[pass] = s; };
  lower(sch, "", options);
  return out;
}

/// The innermost loops (those with no loop inside).
inline std::vector<const For*> innermost_loops(const Stmt& s) {
  std::vector<const For*> out;
  for (const For* f : census(s).loops) {
    if (census(f->body).fors == 0) out.push_back(f);
  }
  return out;
}

inline ComputeDef matmul_def(Expr M, Expr N, Expr K) {
  Tensor A = placeholder({M, K}, f32(), "A");
  Tensor B = placeholder({K, N}, f32(), "B");
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); }, "C", {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

}  // namespace passtest
}  // namespace kiln
