// Variable substitution and variable queries. Vars are identified by name;
// Let, LetStmt and For bind a name for their body, so a replacement of that
// name stops there (the bound value or loop bounds are still rewritten).
#include "dsl/substitute.h"

#include <vector>

#include "dsl/ir_visitor.h"

namespace kiln {

namespace {

class Substitute : public IRMutator {
 public:
  explicit Substitute(const std::map<std::string, Expr>& replacements)
      : replacements_(replacements) {}

 protected:
  using IRMutator::visit;

  Expr visit(const Var* op, const Expr& e) override {
    if (shadowed(op->name)) return e;
    auto it = replacements_.find(op->name);
    return it == replacements_.end() ? e : it->second;
  }

  Expr visit(const Let* op, const Expr& e) override {
    Expr value = mutate(op->value);
    Expr body = in_binding(op->name, [&] { return mutate(op->body); });
    if (value.same_as(op->value) && body.same_as(op->body)) return e;
    return Let::make(op->name, value, body);
  }

  Stmt visit(const LetStmt* op, const Stmt& s) override {
    Expr value = mutate(op->value);
    Stmt body = in_binding(op->name, [&] { return mutate(op->body); });
    if (value.same_as(op->value) && body.same_as(op->body)) return s;
    return LetStmt::make(op->name, value, body);
  }

  Stmt visit(const For* op, const Stmt& s) override {
    Expr min = mutate(op->min), extent = mutate(op->extent);
    Stmt body = in_binding(op->name, [&] { return mutate(op->body); });
    if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return s;
    return For::make(op->name, min, extent, op->for_kind, body);
  }

  // A reduction binds its axes over its source and condition.
  Expr visit(const Reduce* op, const Expr& e) override {
    std::vector<IterVar> axes = op->axes;
    bool changed = false;
    size_t tracked = bound_.size();
    for (IterVar& iv : axes) {
      Expr mn = mutate(iv.dom.min), ext = mutate(iv.dom.extent);
      changed = changed || !mn.same_as(iv.dom.min) || !ext.same_as(iv.dom.extent);
      iv.dom = Range{mn, ext};
    }
    for (const IterVar& iv : axes) {
      if (replacements_.count(iv.name())) bound_.push_back(iv.name());
    }
    Expr src = mutate(op->source), cond = mutate(op->condition);
    bound_.resize(tracked);
    changed = changed || !src.same_as(op->source) || !cond.same_as(op->condition);
    if (!changed) return e;
    return Reduce::make(op->op, src, std::move(axes), cond);
  }

 private:
  bool shadowed(const std::string& name) const {
    for (const std::string& b : bound_)
      if (b == name) return true;
    return false;
  }

  // Only names that are being replaced need tracking; others cost nothing.
  template <typename F>
  auto in_binding(const std::string& name, F&& f) -> decltype(f()) {
    bool track = replacements_.count(name) != 0;
    if (track) bound_.push_back(name);
    auto result = f();
    if (track) bound_.pop_back();
    return result;
  }

  const std::map<std::string, Expr>& replacements_;
  std::vector<std::string> bound_;
};

/// Finds a use of one name; stops looking once found.
class UsesVar : public IRVisitor {
 public:
  explicit UsesVar(const std::string& name) : name_(name) {}
  bool found = false;

 protected:
  using IRVisitor::visit;
  void visit(const Var* op) override { found = found || op->name == name_; }
  // Cut the walk short: large bodies are common, uses are usually early.
  void visit(const Add* op) override { walk2(op->a, op->b); }
  void visit(const Mul* op) override { walk2(op->a, op->b); }
  void visit(const Block* op) override {
    for (const Stmt& s : op->stmts) {
      if (found) return;
      visit_stmt(s);
    }
  }

 private:
  void walk2(const Expr& a, const Expr& b) {
    if (!found) visit_expr(a);
    if (!found) visit_expr(b);
  }
  const std::string& name_;
};

class FreeVars : public IRVisitor {
 public:
  std::set<std::string> result;

 protected:
  using IRVisitor::visit;
  void visit(const Var* op) override {
    for (const std::string& b : bound_)
      if (b == op->name) return;
    result.insert(op->name);
  }
  void visit(const Let* op) override {
    visit_expr(op->value);
    bound_.push_back(op->name);
    visit_expr(op->body);
    bound_.pop_back();
  }
  void visit(const LetStmt* op) override {
    visit_expr(op->value);
    bound_.push_back(op->name);
    visit_stmt(op->body);
    bound_.pop_back();
  }
  void visit(const For* op) override {
    visit_expr(op->min);
    visit_expr(op->extent);
    bound_.push_back(op->name);
    visit_stmt(op->body);
    bound_.pop_back();
  }
  void visit(const Reduce* op) override {
    size_t outer = bound_.size();
    for (const IterVar& iv : op->axes) {
      visit_expr(iv.dom.min);
      visit_expr(iv.dom.extent);
    }
    for (const IterVar& iv : op->axes) bound_.push_back(iv.name());
    visit_expr(op->source);
    visit_expr(op->condition);
    bound_.resize(outer);
  }

 private:
  std::vector<std::string> bound_;
};

}  // namespace

Expr substitute(const Expr& e, const std::map<std::string, Expr>& replacements) {
  if (replacements.empty()) return e;
  return Substitute(replacements).mutate(e);
}

Stmt substitute(const Stmt& s, const std::map<std::string, Expr>& replacements) {
  if (replacements.empty()) return s;
  return Substitute(replacements).mutate(s);
}

Expr substitute(const Expr& e, const std::string& name, const Expr& value) {
  return substitute(e, std::map<std::string, Expr>{{name, value}});
}

bool expr_uses_var(const Expr& e, const std::string& name) {
  UsesVar v(name);
  v.visit_expr(e);
  return v.found;
}

bool stmt_uses_var(const Stmt& s, const std::string& name) {
  UsesVar v(name);
  v.visit_stmt(s);
  return v.found;
}

std::set<std::string> free_vars(const Expr& e) {
  FreeVars v;
  v.visit_expr(e);
  return v.result;
}

std::set<std::string> free_vars(const Stmt& s) {
  FreeVars v;
  v.visit_stmt(s);
  return v.result;
}

}  // namespace kiln
