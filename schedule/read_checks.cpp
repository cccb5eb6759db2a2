#include "schedule/read_checks.h"

#include <set>
#include <sstream>

#include "base/error.h"
#include "dsl/interval.h"
#include "dsl/ir_equal.h"
#include "dsl/ir_printer.h"
#include "dsl/ir_visitor.h"
#include "dsl/simplify.h"
#include "dsl/substitute.h"

namespace kiln {
namespace {

/// A bound one condition puts on an expression where it holds: `e <= bound`
/// (upper) or `e >= bound` (lower).
struct Fact {
  Expr e, bound;
  bool upper = true;
};

Expr strip_likely(const Expr& e) {
  const Call* c = e.as<Call>();
  return c && c->op == Intrinsic::Likely ? strip_likely(c->args[0]) : e;
}

/// The bounds `cond` (known true) puts on the expressions it compares. Only
/// integer comparisons and conjunctions say something; anything else adds
/// nothing, which is sound (the read is then judged without the condition).
void add_facts(const Expr& cond, bool holds, std::vector<Fact>* out) {
  const Expr c = strip_likely(cond);
  if (const Not* n = c.as<Not>()) return add_facts(n->a, !holds, out);
  if (const And* a = c.as<And>()) {
    if (!holds) return;  // !(x && y) says nothing about either alone
    add_facts(a->a, true, out);
    add_facts(a->b, true, out);
    return;
  }
  auto le = [&](const Expr& x, const Expr& y) {  // x <= y
    if (!x.type().is_int() || !y.type().is_int()) return;
    out->push_back({x, y, true});
    out->push_back({y, x, false});
  };
  const Expr one = make_index(1);
  if (const LT* op = c.as<LT>()) holds ? le(op->a, op->b - one) : le(op->b, op->a);
  if (const LE* op = c.as<LE>()) holds ? le(op->a, op->b) : le(op->b, op->a - one);
  if (const GT* op = c.as<GT>()) holds ? le(op->b, op->a - one) : le(op->a, op->b);
  if (const GE* op = c.as<GE>()) holds ? le(op->b, op->a) : le(op->a, op->b - one);
}

/// Every TensorLoad under an expression, with the range of each index over
/// the scope (the stage's axes and reduction axes). A load under a select
/// arm or a reduction's condition runs only where that condition holds
/// (generated code evaluates the taken arm alone, and guards a reduction's
/// update), so bounds the condition gives on an index tighten its range.
/// Lets bind their variable's range while their body is walked.
class ReadCollector : public IRVisitor {
 public:
  ReadCollector(std::string stage, Scope scope, std::vector<ReadCheck>* out)
      : stage_(std::move(stage)), scope_(std::move(scope)), out_(out) {}

 protected:
  using IRVisitor::visit;

  void visit(const Let* op) override {
    visit_expr(op->value);
    const Scope saved = scope_;
    scope_[op->name] = bounds_of(op->value, scope_);
    visit_expr(op->body);
    scope_ = saved;
  }

  void visit(const Select* op) override {
    visit_expr(op->condition);
    under(op->condition, true, op->true_value);
    under(op->condition, false, op->false_value);
  }

  void visit(const Reduce* op) override {
    if (op->condition.defined()) {
      visit_expr(op->condition);
      under(op->condition, true, op->source);
    } else {
      visit_expr(op->source);
    }
  }

  void visit(const TensorLoad* op) override {
    IRVisitor::visit(op);  // indices may read tensors too
    const OperationNode& t = *op->op;
    for (size_t d = 0; d < op->indices.size(); ++d) {
      ReadCheck c;
      c.stage = stage_;
      c.tensor = t.name;
      c.dim = static_cast<int>(d);
      c.extent = t.shape[d];
      const Interval range = narrowed(op->indices[d]);
      if (only_sizes(range.min)) c.lowest = range.min;
      if (only_sizes(range.max)) c.highest = range.max;
      out_->push_back(std::move(c));
    }
  }

 private:
  void under(const Expr& cond, bool holds, const Expr& e) {
    const size_t n = facts_.size();
    add_facts(cond, holds, &facts_);
    visit_expr(e);
    facts_.resize(n);
  }

  /// The range of `index`, tightened by the facts about it.
  Interval narrowed(const Expr& index) {
    Interval r = bounds_of(index, scope_);
    const Expr canonical = simplify(index);
    for (const Fact& f : facts_) {
      if (!equal(simplify(f.e), canonical)) continue;
      const Interval b = bounds_of(f.bound, scope_);
      if (f.upper && b.max.defined()) r.max = simplify(r.max.defined() ? min(r.max, b.max) : b.max);
      if (!f.upper && b.min.defined()) r.min = simplify(r.min.defined() ? max(r.min, b.min) : b.min);
    }
    return r;
  }

  /// Whether e is bounded and mentions no axis or let (only size vars).
  bool only_sizes(const Expr& e) const {
    if (!e.defined()) return false;
    for (const std::string& v : free_vars(e)) {
      if (scope_.count(v)) return false;
    }
    return true;
  }

  std::string stage_;
  Scope scope_;
  std::vector<Fact> facts_;
  std::vector<ReadCheck>* out_;
};

bool is_true(const Expr& e) { return is_const(e, 1); }
bool is_false(const Expr& e) { return is_const(e, 0); }

std::string range_text(const ReadCheck& c, const std::map<std::string, Expr>& values) {
  auto show = [&](const Expr& e) {
    std::ostringstream s;
    s << to_string(simplify(substitute(e, values)));
    return s.str();
  };
  std::ostringstream s;
  s << "stage '" << c.stage << "' reads '" << c.tensor << "' dimension " << c.dim;
  if (!c.lowest.defined() || !c.highest.defined()) {
    s << " at an index that cannot be bounded (it depends on a value read from a tensor or on "
         "something that is not a size)";
    return s.str();
  }
  s << " at indices " << show(c.lowest) << " to " << show(c.highest) << ", but '" << c.tensor
    << "' has extent " << show(c.extent) << " there (indices 0 to " << show(c.extent - 1) << ")";
  return s.str();
}

}  // namespace

const char* read_check_advice() {
  return "pad with if_then_else (its reads are clamped), clamp the index with min and max, or "
         "shrink the reading stage's shape";
}

std::vector<ReadCheck> read_checks(const ComputeDef& def) {
  std::vector<ReadCheck> kept;
  std::set<std::string> seen;
  for (const OpRef& stage : def.stages()) {
    Scope scope;
    std::vector<Expr> extents;
    for (const std::vector<IterVar>* axes : {&stage->axis, &stage->reduce_axis}) {
      for (const IterVar& a : *axes) {
        scope[a.name()] = Interval{a.dom.min, simplify(a.dom.min + a.dom.extent - 1)};
        extents.push_back(a.dom.extent);
      }
    }
    std::vector<ReadCheck> reads;
    ReadCollector(stage->name, scope, &reads).visit_expr(stage->body);

    // A stage with an empty domain reads nothing.
    Expr empty;
    for (const Expr& e : extents) empty = empty.defined() ? (empty || e <= 0) : (e <= 0);
    for (ReadCheck& c : reads) {
      if (!c.lowest.defined() || !c.highest.defined()) {
        user_error << range_text(c, {}) << "; clamp the index with min and max";
      }
      Expr ok = c.lowest >= 0 && c.highest < c.extent;
      if (empty.defined()) ok = empty || ok;
      c.in_bounds = simplify(ok);
      if (is_true(c.in_bounds)) continue;
      if (is_false(c.in_bounds)) {
        user_error << range_text(c, {}) << "; " << read_check_advice();
      }
      std::ostringstream key;
      key << c.stage << '/' << c.tensor << '/' << c.dim << '/' << to_string(c.in_bounds);
      if (seen.insert(key.str()).second) kept.push_back(std::move(c));
    }
  }
  return kept;
}

void enforce_read_checks(const std::vector<ReadCheck>& checks,
                         const std::map<std::string, int64_t>& sizes) {
  std::map<std::string, Expr> values;
  for (const auto& [name, v] : sizes) values[name] = make_index(v);
  for (const ReadCheck& c : checks) {
    const Expr ok = simplify(substitute(c.in_bounds, values));
    internal_assert(is_true(ok) || is_false(ok))
        << "read check " << to_string(c.in_bounds) << " of '" << c.stage << "' is not decided by the sizes";
    if (is_false(ok)) user_error << range_text(c, values) << "; " << read_check_advice();
  }
}

std::string describe_read_check(const ReadCheck& check,
                                const std::map<std::string, int64_t>& sizes) {
  std::map<std::string, Expr> values;
  for (const auto& [name, v] : sizes) values[name] = make_index(v);
  return range_text(check, values);
}

}  // namespace kiln
