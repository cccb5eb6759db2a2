// partition_tails: loops around likely() guards are split so that the
// steady part runs without them.
//
// Expects: simplified loop nests from build_loop_nests, where split tails
// and the domains of attached stages are tested by `if (likely(c))` (no
// else) somewhere inside the loops c depends on. Guarantees: a Serial or
// Parallel loop over v whose body holds such guards becomes up to three
// loops of the same name and kind over consecutive ranges:
//   prologue [min, s)   the original body (guards kept),
//   steady   [s, e)     guards proved true there removed,
//   epilogue [e, end)   the original body,
// then each piece's inner loops are processed the same way (outer to
// inner). Ranges are clamped, so every piece is correct for any sizes,
// including empty ones; the simplifier folds them when sizes are known.
//
// Which guards are solved: each term of a conjunction (a term counts when a
// likely() wraps it) that is an integer comparison linear in v and in the
// variables of the loops between v and the guard, with constant
// coefficients: `a*v + r < 0` (after moving everything to one side), the
// loops' ranges giving r <= rmax. It holds for every inner iteration when
// a*v + rmax < 0, that is v < floor((a - 1 - rmax) / a) for a > 0 (an
// epilogue) and v >= floor(rmax / -a) + 1 for a < 0 (a prologue). Let
// bindings between v and the guard are substituted first. Terms of any
// other shape stay where they are: correctness first.
//
// Vectorized and Unrolled loops are not split: their steady part must keep
// a constant extent. Their guards are solved by an enclosing loop (a split's
// outer loop) when there is one; a guard left inside a vectorized loop makes
// vectorize_loops run that loop serially.
#include <map>
#include <set>

#include "dsl/ir_visitor.h"
#include "dsl/substitute.h"
#include "schedule/passes/fold.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

bool uses_any(const Expr& e, const std::set<std::string>& names) {
  for (const std::string& n : free_vars(e)) {
    if (names.count(n)) return true;
  }
  return false;
}

/// e = sum(coeff[x] * x) + rest, where rest uses none of the tracked vars.
struct Linear {
  std::map<std::string, int64_t> coeff;
  Expr rest = make_index(0);
};

bool linearize(const Expr& e, const std::set<std::string>& tracked, Linear* out) {
  if (e.type() != index_type()) return false;
  if (!uses_any(e, tracked)) {
    out->rest = e;
    return true;
  }
  if (const Var* v = e.as<Var>()) {
    out->coeff[v->name] = 1;
    return true;
  }
  Linear a, b;
  if (const Add* op = e.as<Add>()) {
    if (!linearize(op->a, tracked, &a) || !linearize(op->b, tracked, &b)) return false;
    for (const auto& kv : b.coeff) a.coeff[kv.first] += kv.second;
    a.rest = fold_add(a.rest, b.rest);
    *out = a;
    return true;
  }
  if (const Sub* op = e.as<Sub>()) {
    if (!linearize(op->a, tracked, &a) || !linearize(op->b, tracked, &b)) return false;
    for (const auto& kv : b.coeff) a.coeff[kv.first] -= kv.second;
    a.rest = fold_sub(a.rest, b.rest);
    *out = a;
    return true;
  }
  if (const Mul* op = e.as<Mul>()) {
    int64_t c;
    Expr other;
    if (as_const_int(op->b, &c)) {
      other = op->a;
    } else if (as_const_int(op->a, &c)) {
      other = op->b;
    } else {
      return false;
    }
    if (!linearize(other, tracked, &a)) return false;
    for (auto& kv : a.coeff) kv.second *= c;
    a.rest = fold_mul(a.rest, make_index(c));
    *out = a;
    return true;
  }
  return false;
}

/// A term of a guard's condition.
struct Term {
  Expr cond;
  bool likely = false;  ///< wrapped in likely(): a candidate for solving
};

void flatten_terms(const Expr& e, bool likely, std::vector<Term>* out) {
  if (const Call* c = e.as<Call>()) {
    if (c->op == Intrinsic::Likely) return flatten_terms(c->args[0], true, out);
  }
  if (const And* a = e.as<And>()) {
    flatten_terms(a->a, likely, out);
    flatten_terms(a->b, likely, out);
    return;
  }
  out->push_back({e, likely});
}

/// The terms of a guard: an if without else with a likely() term.
bool guard_terms(const IfThenElse* op, std::vector<Term>* terms) {
  if (op->else_case.defined()) return false;
  flatten_terms(op->condition, false, terms);
  for (const Term& t : *terms) {
    if (t.likely) return true;
  }
  return false;
}

/// `d < 0` equivalent to an integer comparison, or undefined.
Expr negative_form(const Expr& c) {
  auto index = [](const Expr& a) { return a.type() == index_type(); };
  if (const LT* op = c.as<LT>()) return index(op->a) ? fold_sub(op->a, op->b) : Expr();
  if (const LE* op = c.as<LE>()) return index(op->a) ? fold_sub(fold_sub(op->a, op->b), make_index(1)) : Expr();
  if (const GT* op = c.as<GT>()) return index(op->a) ? fold_sub(op->b, op->a) : Expr();
  if (const GE* op = c.as<GE>()) return index(op->a) ? fold_sub(fold_sub(op->b, op->a), make_index(1)) : Expr();
  return Expr();
}

struct InnerLoop {
  std::string name;
  Expr min, max;  ///< inclusive
};

/// Finds the guards inside one loop's body, the range of its variable where
/// they hold, and which of their terms that range proves.
class GuardSolver {
 public:
  explicit GuardSolver(const std::string& var) : var_(var) {}

  void collect(const Stmt& s) {
    if (!s.defined()) return;
    if (const For* op = s.as<For>()) {
      // Bounds may use lets bound inside the loop being split.
      Expr min = expand_lets(op->min);
      loops_.push_back({op->name, min, fold_sub(fold_add(min, expand_lets(op->extent)), make_index(1))});
      collect(op->body);
      loops_.pop_back();
    } else if (const LetStmt* op = s.as<LetStmt>()) {
      lets_.push_back({op->name, op->value});
      collect(op->body);
      lets_.pop_back();
    } else if (const IfThenElse* op = s.as<IfThenElse>()) {
      solve_guard(op);
      collect(op->then_case);
      collect(op->else_case);
    } else if (const Block* op = s.as<Block>()) {
      for (const Stmt& x : op->stmts) collect(x);
    } else if (const Realize* op = s.as<Realize>()) {
      collect(op->body);
    } else if (const Allocate* op = s.as<Allocate>()) {
      collect(op->body);
    }
  }

  /// Largest lower bound on the variable from the solved terms (undefined:
  /// none), and smallest exclusive upper bound.
  Expr lower, upper;
  /// Per guard, per term: proved true on the steady range everywhere the
  /// guard occurs.
  std::map<const IfThenElse*, std::vector<bool>> removable;

 private:
  void solve_guard(const IfThenElse* op) {
    std::vector<Term> terms;
    if (!guard_terms(op, &terms)) return;
    std::vector<bool> solved(terms.size(), false);
    for (size_t i = 0; i < terms.size(); i++) {
      if (terms[i].likely) solved[i] = solve_term(terms[i].cond);
    }
    auto it = removable.find(op);
    if (it == removable.end()) {
      removable[op] = solved;
      return;
    }
    for (size_t i = 0; i < solved.size(); i++) it->second[i] = it->second[i] && solved[i];
  }

  /// Adds the bound on the variable under which cond holds for every inner
  /// iteration; false when cond is not of a shape handled.
  Expr expand_lets(Expr e) const {
    for (auto l = lets_.rbegin(); l != lets_.rend(); ++l) e = substitute(e, l->first, l->second);
    return e;
  }

  bool solve_term(Expr cond) {
    cond = expand_lets(cond);
    std::set<std::string> tracked{var_};
    for (const InnerLoop& l : loops_) tracked.insert(l.name);
    if (!expr_uses_var(cond, var_)) return false;
    Expr d = negative_form(cond);
    Linear lin;
    if (!d.defined() || !linearize(d, tracked, &lin)) return false;
    int64_t a = lin.coeff[var_];
    if (a == 0) return false;
    // The largest value of the rest over the inner loops' ranges.
    Expr rmax = lin.rest;
    for (const InnerLoop& l : loops_) {
      int64_t c = lin.coeff[l.name];
      if (c == 0) continue;
      const Expr& end = c > 0 ? l.max : l.min;
      if (uses_any(end, tracked)) return false;
      rmax = fold_add(rmax, fold_mul(end, make_index(c)));
    }
    if (a > 0) {
      // a*v + rmax < 0  <=>  v < floor((a - 1 - rmax) / a)
      Expr num = fold_sub(make_index(a - 1), rmax);
      Expr bound = a == 1 ? num : Div::make(num, make_index(a));
      upper = upper.defined() ? fold_min(upper, bound) : bound;
    } else {
      // rmax < -a*v  <=>  v >= floor(rmax / -a) + 1
      Expr q = a == -1 ? rmax : Div::make(rmax, make_index(-a));
      Expr bound = fold_add(q, make_index(1));
      lower = lower.defined() ? fold_max(lower, bound) : bound;
    }
    return true;
  }

  std::string var_;
  std::vector<InnerLoop> loops_;
  std::vector<std::pair<std::string, Expr>> lets_;
};

/// Drops the solved terms of guards in the steady copy of a loop body.
class RemoveSolvedTerms : public IRMutator {
 public:
  explicit RemoveSolvedTerms(const std::map<const IfThenElse*, std::vector<bool>>& removable)
      : removable_(removable) {}

 protected:
  using IRMutator::visit;

  Stmt visit(const IfThenElse* op, const Stmt& s) override {
    auto it = removable_.find(op);
    if (it == removable_.end()) return IRMutator::visit(op, s);
    std::vector<Term> terms;
    guard_terms(op, &terms);
    Expr cond;
    for (size_t i = 0; i < terms.size(); i++) {
      if (it->second[i]) continue;
      Expr t = terms[i].likely ? Call::make(boolean(), Intrinsic::Likely, {terms[i].cond}) : terms[i].cond;
      cond = cond.defined() ? And::make(cond, t) : t;
    }
    Stmt then_case = mutate(op->then_case);
    if (!cond.defined()) return then_case;
    return IfThenElse::make(cond, then_case);
  }

 private:
  const std::map<const IfThenElse*, std::vector<bool>>& removable_;
};

class PartitionTails : public IRMutator {
 protected:
  using IRMutator::visit;

  Stmt visit(const For* op, const Stmt& s) override {
    bool splittable = op->for_kind == ForKind::Serial || op->for_kind == ForKind::Parallel;
    GuardSolver solver(op->name);
    if (splittable) solver.collect(op->body);
    if (!solver.lower.defined() && !solver.upper.defined()) {
      Stmt body = mutate(op->body);
      return body.same_as(op->body) ? s : For::make(op->name, op->min, op->extent, op->for_kind, body);
    }
    Expr end = fold_add(op->min, op->extent);
    Expr steady_begin = op->min, steady_end = end;
    if (solver.lower.defined()) steady_begin = fold_min(fold_max(solver.lower, op->min), end);
    if (solver.upper.defined()) steady_end = fold_max(fold_min(solver.upper, end), steady_begin);
    Stmt steady_body = RemoveSolvedTerms(solver.removable).mutate(op->body);

    auto piece = [&](const Expr& begin, const Expr& finish, const Stmt& body) {
      return For::make(op->name, begin, fold_sub(finish, begin), op->for_kind, mutate(body));
    };
    std::vector<Stmt> pieces;
    if (solver.lower.defined()) pieces.push_back(piece(op->min, steady_begin, op->body));
    pieces.push_back(piece(steady_begin, steady_end, steady_body));
    if (solver.upper.defined()) pieces.push_back(piece(steady_end, end, op->body));
    return Block::make(std::move(pieces));
  }
};

}  // namespace

Stmt partition_tails(const Stmt& s) { return PartitionTails().mutate(s); }

}  // namespace kiln
