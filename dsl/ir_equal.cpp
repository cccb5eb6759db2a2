// Structural equality and hashing. Both walk the same fields in the same
// order; the hash is FNV-1a over kinds, types, names and constants, so it is
// stable across runs and machines (workload keys in the tuning database
// depend on that: no pointers, no std::hash).
#include "dsl/ir_equal.h"


#include "base/error.h"
#include "base/hash.h"
#include "dsl/compute.h"

namespace kiln {

namespace {

// ------------------------------------------------------------------ equal

bool eq(const Expr& a, const Expr& b);
bool eq(const Stmt& a, const Stmt& b);

bool eq(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!eq(a[i], b[i])) return false;
  return true;
}

bool eq(const Range& a, const Range& b) { return eq(a.min, b.min) && eq(a.extent, b.extent); }

/// Operations compare by what a reader sees: name, dtype and shape.
bool eq(const OpRef& a, const OpRef& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->name == b->name && a->dtype == b->dtype && eq(a->shape, b->shape);
}

bool eq(const IterVar& a, const IterVar& b) {
  return a.kind == b.kind && eq(a.var, b.var) && eq(a.dom, b.dom);
}

template <typename T>
bool binary_eq(const BaseExprNode* a, const BaseExprNode* b) {
  auto x = static_cast<const T*>(a);
  auto y = static_cast<const T*>(b);
  return eq(x->a, y->a) && eq(x->b, y->b);
}

bool eq(const Expr& ea, const Expr& eb) {
  if (ea.same_as(eb)) return true;
  if (!ea.defined() || !eb.defined()) return false;
  const BaseExprNode* a = ea.get();
  const BaseExprNode* b = eb.get();
  if (a->kind != b->kind || a->type != b->type) return false;
  switch (a->kind) {
    case IRKind::IntImm: return ea.as<IntImm>()->value == eb.as<IntImm>()->value;
    case IRKind::FloatImm: {
      double x = ea.as<FloatImm>()->value, y = eb.as<FloatImm>()->value;
      return std::memcmp(&x, &y, sizeof(double)) == 0;
    }
    case IRKind::Var: return ea.as<Var>()->name == eb.as<Var>()->name;
    case IRKind::Cast: return eq(ea.as<Cast>()->value, eb.as<Cast>()->value);
    case IRKind::Add: return binary_eq<Add>(a, b);
    case IRKind::Sub: return binary_eq<Sub>(a, b);
    case IRKind::Mul: return binary_eq<Mul>(a, b);
    case IRKind::Div: return binary_eq<Div>(a, b);
    case IRKind::Mod: return binary_eq<Mod>(a, b);
    case IRKind::Min: return binary_eq<Min>(a, b);
    case IRKind::Max: return binary_eq<Max>(a, b);
    case IRKind::EQ: return binary_eq<EQ>(a, b);
    case IRKind::NE: return binary_eq<NE>(a, b);
    case IRKind::LT: return binary_eq<LT>(a, b);
    case IRKind::LE: return binary_eq<LE>(a, b);
    case IRKind::GT: return binary_eq<GT>(a, b);
    case IRKind::GE: return binary_eq<GE>(a, b);
    case IRKind::And: return binary_eq<And>(a, b);
    case IRKind::Or: return binary_eq<Or>(a, b);
    case IRKind::Not: return eq(ea.as<Not>()->a, eb.as<Not>()->a);
    case IRKind::Select: {
      auto x = ea.as<Select>(), y = eb.as<Select>();
      return eq(x->condition, y->condition) && eq(x->true_value, y->true_value) &&
             eq(x->false_value, y->false_value);
    }
    case IRKind::Call: {
      auto x = ea.as<Call>(), y = eb.as<Call>();
      return x->op == y->op && eq(x->args, y->args);
    }
    case IRKind::Let: {
      auto x = ea.as<Let>(), y = eb.as<Let>();
      return x->name == y->name && eq(x->value, y->value) && eq(x->body, y->body);
    }
    case IRKind::Ramp: {
      auto x = ea.as<Ramp>(), y = eb.as<Ramp>();
      return x->lanes == y->lanes && eq(x->base, y->base) && eq(x->stride, y->stride);
    }
    case IRKind::Broadcast: {
      auto x = ea.as<Broadcast>(), y = eb.as<Broadcast>();
      return x->lanes == y->lanes && eq(x->value, y->value);
    }
    case IRKind::Load: {
      auto x = ea.as<Load>(), y = eb.as<Load>();
      return x->buffer == y->buffer && eq(x->index, y->index);
    }
    case IRKind::TensorLoad: {
      auto x = ea.as<TensorLoad>(), y = eb.as<TensorLoad>();
      return eq(x->op, y->op) && eq(x->indices, y->indices);
    }
    case IRKind::Reduce: {
      auto x = ea.as<Reduce>(), y = eb.as<Reduce>();
      if (x->op != y->op || x->axes.size() != y->axes.size()) return false;
      for (size_t i = 0; i < x->axes.size(); ++i)
        if (!eq(x->axes[i], y->axes[i])) return false;
      return eq(x->source, y->source) && eq(x->condition, y->condition);
    }
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_STMT_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "statement kind in an Expr handle";
  }
  return false;
}

bool eq(const Stmt& sa, const Stmt& sb) {
  if (sa.same_as(sb)) return true;
  if (!sa.defined() || !sb.defined()) return false;
  if (sa->kind != sb->kind) return false;
  switch (sa->kind) {
    case IRKind::LetStmt: {
      auto x = sa.as<LetStmt>(), y = sb.as<LetStmt>();
      return x->name == y->name && eq(x->value, y->value) && eq(x->body, y->body);
    }
    case IRKind::For: {
      auto x = sa.as<For>(), y = sb.as<For>();
      return x->name == y->name && x->for_kind == y->for_kind && eq(x->min, y->min) &&
             eq(x->extent, y->extent) && eq(x->body, y->body);
    }
    case IRKind::IfThenElse: {
      auto x = sa.as<IfThenElse>(), y = sb.as<IfThenElse>();
      return eq(x->condition, y->condition) && eq(x->then_case, y->then_case) &&
             eq(x->else_case, y->else_case);
    }
    case IRKind::Block: {
      auto x = sa.as<Block>(), y = sb.as<Block>();
      if (x->stmts.size() != y->stmts.size()) return false;
      for (size_t i = 0; i < x->stmts.size(); ++i)
        if (!eq(x->stmts[i], y->stmts[i])) return false;
      return true;
    }
    case IRKind::Store: {
      auto x = sa.as<Store>(), y = sb.as<Store>();
      return x->buffer == y->buffer && eq(x->value, y->value) && eq(x->index, y->index);
    }
    case IRKind::TensorStore: {
      auto x = sa.as<TensorStore>(), y = sb.as<TensorStore>();
      return eq(x->op, y->op) && eq(x->indices, y->indices) && eq(x->value, y->value);
    }
    case IRKind::Realize: {
      auto x = sa.as<Realize>(), y = sb.as<Realize>();
      if (!eq(x->op, y->op) || x->scope != y->scope || x->bounds.size() != y->bounds.size())
        return false;
      for (size_t i = 0; i < x->bounds.size(); ++i)
        if (!eq(x->bounds[i], y->bounds[i])) return false;
      return eq(x->body, y->body);
    }
    case IRKind::Allocate: {
      auto x = sa.as<Allocate>(), y = sb.as<Allocate>();
      return x->buffer == y->buffer && x->type == y->type && x->scope == y->scope &&
             eq(x->extents, y->extents) && eq(x->body, y->body);
    }
    case IRKind::Evaluate: return eq(sa.as<Evaluate>()->value, sb.as<Evaluate>()->value);
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_EXPR_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "expression kind in a Stmt handle";
  }
  return false;
}

// ------------------------------------------------------------------- hash

/// Feeds IR field by field into base/hash.h's FNV-1a.
class Hasher {
 public:
  uint64_t value() const { return fnv_.value(); }

  void u64(uint64_t v) { fnv_.u64(v); }
  void i64(int64_t v) { fnv_.i64(v); }
  void f64(double v) { fnv_.f64(v); }
  void str(const std::string& s) { fnv_.sized_string(s); }
  void tag(uint64_t t) { fnv_.u64(t); }
  void type(Type t) {
    u64(static_cast<uint64_t>(t.code) | static_cast<uint64_t>(t.bits) << 8 |
        static_cast<uint64_t>(t.lanes) << 16);
  }

  void expr(const Expr& e);
  void stmt(const Stmt& s);
  void exprs(const std::vector<Expr>& v) {
    u64(v.size());
    for (const Expr& e : v) expr(e);
  }
  void range(const Range& r) {
    expr(r.min);
    expr(r.extent);
  }
  void op_ref(const OpRef& op) {
    if (!op) {
      tag(0xdead);
      return;
    }
    str(op->name);
    type(op->dtype);
    exprs(op->shape);
  }
  void iter_var(const IterVar& iv) {
    tag(static_cast<uint64_t>(iv.kind));
    expr(iv.var);
    range(iv.dom);
  }

 private:
  Fnv1a fnv_;
};

// Distinguishes "undefined" from every node kind.
constexpr uint64_t kUndefined = 0xffff;

template <typename T>
void binary_hash(Hasher& h, const BaseExprNode* n) {
  auto x = static_cast<const T*>(n);
  h.expr(x->a);
  h.expr(x->b);
}

void Hasher::expr(const Expr& e) {
  if (!e.defined()) {
    tag(kUndefined);
    return;
  }
  tag(static_cast<uint64_t>(e->kind));
  type(e.type());
  switch (e->kind) {
    case IRKind::IntImm: i64(e.as<IntImm>()->value); return;
    case IRKind::FloatImm: f64(e.as<FloatImm>()->value); return;
    case IRKind::Var: str(e.as<Var>()->name); return;
    case IRKind::Cast: expr(e.as<Cast>()->value); return;
    case IRKind::Add: binary_hash<Add>(*this, e.get()); return;
    case IRKind::Sub: binary_hash<Sub>(*this, e.get()); return;
    case IRKind::Mul: binary_hash<Mul>(*this, e.get()); return;
    case IRKind::Div: binary_hash<Div>(*this, e.get()); return;
    case IRKind::Mod: binary_hash<Mod>(*this, e.get()); return;
    case IRKind::Min: binary_hash<Min>(*this, e.get()); return;
    case IRKind::Max: binary_hash<Max>(*this, e.get()); return;
    case IRKind::EQ: binary_hash<EQ>(*this, e.get()); return;
    case IRKind::NE: binary_hash<NE>(*this, e.get()); return;
    case IRKind::LT: binary_hash<LT>(*this, e.get()); return;
    case IRKind::LE: binary_hash<LE>(*this, e.get()); return;
    case IRKind::GT: binary_hash<GT>(*this, e.get()); return;
    case IRKind::GE: binary_hash<GE>(*this, e.get()); return;
    case IRKind::And: binary_hash<And>(*this, e.get()); return;
    case IRKind::Or: binary_hash<Or>(*this, e.get()); return;
    case IRKind::Not: expr(e.as<Not>()->a); return;
    case IRKind::Select: {
      auto x = e.as<Select>();
      expr(x->condition);
      expr(x->true_value);
      expr(x->false_value);
      return;
    }
    case IRKind::Call: {
      auto x = e.as<Call>();
      tag(static_cast<uint64_t>(x->op));
      exprs(x->args);
      return;
    }
    case IRKind::Let: {
      auto x = e.as<Let>();
      str(x->name);
      expr(x->value);
      expr(x->body);
      return;
    }
    case IRKind::Ramp: {
      auto x = e.as<Ramp>();
      expr(x->base);
      expr(x->stride);
      i64(x->lanes);
      return;
    }
    case IRKind::Broadcast: {
      auto x = e.as<Broadcast>();
      expr(x->value);
      i64(x->lanes);
      return;
    }
    case IRKind::Load: {
      auto x = e.as<Load>();
      str(x->buffer);
      expr(x->index);
      return;
    }
    case IRKind::TensorLoad: {
      auto x = e.as<TensorLoad>();
      op_ref(x->op);
      exprs(x->indices);
      return;
    }
    case IRKind::Reduce: {
      auto x = e.as<Reduce>();
      tag(static_cast<uint64_t>(x->op));
      u64(x->axes.size());
      for (const IterVar& iv : x->axes) iter_var(iv);
      expr(x->source);
      expr(x->condition);
      return;
    }
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_STMT_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "statement kind in an Expr handle";
  }
}

void Hasher::stmt(const Stmt& s) {
  if (!s.defined()) {
    tag(kUndefined);
    return;
  }
  tag(static_cast<uint64_t>(s->kind));
  switch (s->kind) {
    case IRKind::LetStmt: {
      auto x = s.as<LetStmt>();
      str(x->name);
      expr(x->value);
      stmt(x->body);
      return;
    }
    case IRKind::For: {
      auto x = s.as<For>();
      str(x->name);
      tag(static_cast<uint64_t>(x->for_kind));
      expr(x->min);
      expr(x->extent);
      stmt(x->body);
      return;
    }
    case IRKind::IfThenElse: {
      auto x = s.as<IfThenElse>();
      expr(x->condition);
      stmt(x->then_case);
      stmt(x->else_case);
      return;
    }
    case IRKind::Block: {
      auto x = s.as<Block>();
      u64(x->stmts.size());
      for (const Stmt& st : x->stmts) stmt(st);
      return;
    }
    case IRKind::Store: {
      auto x = s.as<Store>();
      str(x->buffer);
      expr(x->value);
      expr(x->index);
      return;
    }
    case IRKind::TensorStore: {
      auto x = s.as<TensorStore>();
      op_ref(x->op);
      exprs(x->indices);
      expr(x->value);
      return;
    }
    case IRKind::Realize: {
      auto x = s.as<Realize>();
      op_ref(x->op);
      tag(static_cast<uint64_t>(x->scope));
      u64(x->bounds.size());
      for (const Range& r : x->bounds) range(r);
      stmt(x->body);
      return;
    }
    case IRKind::Allocate: {
      auto x = s.as<Allocate>();
      str(x->buffer);
      type(x->type);
      tag(static_cast<uint64_t>(x->scope));
      exprs(x->extents);
      stmt(x->body);
      return;
    }
    case IRKind::Evaluate: expr(s.as<Evaluate>()->value); return;
#define KILN_CASE(N) case IRKind::N:
    KILN_FOR_EACH_EXPR_NODE(KILN_CASE)
#undef KILN_CASE
    internal_error << "expression kind in a Stmt handle";
  }
}

}  // namespace

bool equal(const Expr& a, const Expr& b) { return eq(a, b); }
bool equal(const Stmt& a, const Stmt& b) { return eq(a, b); }

uint64_t structural_hash(const Expr& e) {
  Hasher h;
  h.expr(e);
  return h.value();
}

uint64_t structural_hash(const Stmt& s) {
  Hasher h;
  h.stmt(s);
  return h.value();
}

uint64_t structural_hash(const ComputeDef& def) {
  // The definition's own name is left out: two operators computing the same
  // thing are the same workload.
  Hasher h;
  auto tensors = [&](const std::vector<Tensor>& ts) {
    h.u64(ts.size());
    for (const Tensor& t : ts) h.op_ref(t.op());
  };
  tensors(def.inputs());
  tensors(def.outputs());
  h.u64(def.stages().size());
  for (const OpRef& op : def.stages()) {
    h.op_ref(op);
    h.u64(op->axis.size());
    for (const IterVar& iv : op->axis) h.iter_var(iv);
    h.u64(op->reduce_axis.size());
    for (const IterVar& iv : op->reduce_axis) h.iter_var(iv);
    h.expr(op->body);
  }
  return h.value();
}

}  // namespace kiln
