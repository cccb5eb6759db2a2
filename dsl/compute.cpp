// Building compute definitions: placeholders, compute stages, reducers and
// the ComputeDef that groups them. Everything a kernel author can get wrong
// here is reported as a UserError naming the stage, before lowering sees it.
#include "dsl/compute.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>

#include "base/error.h"
#include "dsl/ir_visitor.h"

namespace kiln {

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void check_name(const std::string& name, const char* what) {
  if (is_identifier(name)) return;
  user_error << what << " name '" << name
             << "' is not an identifier: use letters, digits and '_' (no '.', which separates "
             << "loop names such as C.i), starting with a letter or '_'";
}

/// Shapes and extents are i64; integer literals of other widths convert.
Expr to_index(const Expr& e, const std::string& what) {
  if (!e.defined()) user_error << what << " is undefined";
  if (!e.type().is_scalar() || !e.type().is_int_or_uint()) {
    user_error << what << " has type " << e.type().str() << "; sizes and indices must be integers";
  }
  return cast(index_type(), e);
}

std::vector<Expr> to_index_shape(const std::vector<Expr>& shape, const std::string& op_name) {
  std::vector<Expr> out;
  for (size_t d = 0; d < shape.size(); ++d) {
    Expr e = to_index(shape[d], "dimension " + std::to_string(d) + " of '" + op_name + "'");
    int64_t v;
    if (as_const_int(e, &v) && v < 0) {
      user_error << "dimension " << d << " of '" << op_name << "' is " << v
                 << "; extents must be non-negative";
    }
    out.push_back(e);
  }
  return out;
}

/// Collects Var names in order of first appearance.
class CollectVars : public IRVisitor {
 public:
  std::vector<std::string> names;
  void add(const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }

 protected:
  using IRVisitor::visit;
  void visit(const Var* op) override { add(op->name); }
};

/// Finds the operations a body reads (first read first) and any Reduce.
class CollectReads : public IRVisitor {
 public:
  std::vector<OpRef> ops;
  int reduces = 0;

 protected:
  using IRVisitor::visit;
  void visit(const TensorLoad* op) override {
    bool seen = std::any_of(ops.begin(), ops.end(), [&](const OpRef& o) { return o == op->op; });
    if (!seen) ops.push_back(op->op);
    IRVisitor::visit(op);
  }
  void visit(const Reduce* op) override {
    ++reduces;
    IRVisitor::visit(op);
  }
};

/// Names of the variables in the shapes of op and of everything it reads,
/// transitively: the size vars a stage may refer to.
void collect_size_vars(const OpRef& op, std::set<const OperationNode*>* seen, CollectVars* out) {
  if (!seen->insert(op.get()).second) return;
  for (const Expr& e : op->shape) out->visit_expr(e);
  for (const IterVar& iv : op->reduce_axis) {
    out->visit_expr(iv.dom.min);
    out->visit_expr(iv.dom.extent);
  }
  for (const OpRef& in : op->inputs()) collect_size_vars(in, seen, out);
}

/// Finds variables a body uses that nothing defines (a reduce axis used
/// outside its reducer, a size var missing from every shape), honoring Lets.
class FindUnknownVars : public IRVisitor {
 public:
  explicit FindUnknownVars(std::set<std::string> known) : known_(std::move(known)) {}
  std::vector<std::string> unknown;

 protected:
  using IRVisitor::visit;
  void visit(const Var* op) override {
    if (known_.count(op->name) || std::count(bound_.begin(), bound_.end(), op->name)) return;
    if (std::find(unknown.begin(), unknown.end(), op->name) == unknown.end())
      unknown.push_back(op->name);
  }
  void visit(const Let* op) override {
    visit_expr(op->value);
    bound_.push_back(op->name);
    visit_expr(op->body);
    bound_.pop_back();
  }
  void visit(const Reduce* op) override {
    for (const IterVar& iv : op->axes) {
      visit_expr(iv.dom.min);
      visit_expr(iv.dom.extent);
      bound_.push_back(iv.name());
    }
    visit_expr(op->source);
    visit_expr(op->condition);
    bound_.resize(bound_.size() - op->axes.size());
  }

 private:
  std::set<std::string> known_;
  std::vector<std::string> bound_;
};

std::vector<std::string> default_axis_names(size_t n) {
  static const char* kNames[] = {"i", "j", "l", "m", "n", "o"};
  std::vector<std::string> out;
  for (size_t d = 0; d < n; ++d) out.push_back(d < 6 ? kNames[d] : "i" + std::to_string(d));
  return out;
}

Expr make_reduce(ReduceOp op, Expr source, std::vector<IterVar> axes, Expr condition) {
  const char* name = reduce_op_name(op);
  if (!source.defined()) user_error << name << " of an undefined expression";
  if (axes.empty()) user_error << name << " needs at least one reduction axis (from reduce_axis)";
  if (source.type().is_bool()) {
    user_error << name << " of a bool expression; reduce numbers instead, e.g. select(cond, 1, 0)";
  }
  std::set<std::string> names;
  for (const IterVar& iv : axes) {
    if (iv.kind != AxisKind::Reduce) {
      user_error << name << " over '" << iv.name()
                 << "', which is not a reduction axis; make it with reduce_axis()";
    }
    if (!names.insert(iv.name()).second) {
      user_error << name << " lists reduction axis '" << iv.name() << "' twice";
    }
  }
  if (condition.defined() && !condition.type().is_bool()) {
    user_error << name << " condition has type " << condition.type().str() << ", not bool";
  }
  return Reduce::make(op, std::move(source), std::move(axes), std::move(condition));
}

/// A sum or product of f16/bf16 values as two stages: `<name>_acc`
/// accumulates in f32, and the stage itself (same name, axes and type as
/// written) rounds it once. Accumulating in 16 bits would make 4096 ones
/// sum to 2048, and the answer would depend on the schedule (an rfactor
/// adds shorter partial sums). Max and min are exact in any width.
Tensor accumulate_in_f32(const OpRef& written) {
  const Reduce* r = written->body.as<Reduce>();
  auto acc = std::make_shared<OperationNode>(*written);
  acc->name = written->name + "_acc";
  acc->dtype = f32();
  acc->body = Reduce::make(r->op, Cast::make(f32(), r->source), r->axes, r->condition);
  auto rounded = std::make_shared<OperationNode>(*written);
  rounded->reduce_axis.clear();
  std::vector<Expr> at;
  for (const IterVar& iv : rounded->axis) at.push_back(iv.var);
  rounded->body = Cast::make(written->dtype, TensorLoad::make(acc, std::move(at)));
  return Tensor(rounded);
}

}  // namespace

std::vector<OpRef> OperationNode::inputs() const {
  CollectReads reads;
  reads.visit_expr(body);
  for (const IterVar& iv : reduce_axis) {
    reads.visit_expr(iv.dom.min);
    reads.visit_expr(iv.dom.extent);
  }
  return reads.ops;
}

Expr Tensor::operator()(const std::vector<Expr>& indices) const {
  if (!op_) user_error << "read of an undefined Tensor";
  if (static_cast<int>(indices.size()) != ndim()) {
    user_error << "'" << name() << "' has " << ndim() << " dimensions but is indexed with "
               << indices.size() << " indices";
  }
  std::vector<Expr> idx;
  for (size_t d = 0; d < indices.size(); ++d) {
    idx.push_back(to_index(indices[d], "index " + std::to_string(d) + " of '" + name() + "'"));
  }
  return TensorLoad::make(op_, std::move(idx));
}

Expr size_var(const std::string& name) {
  check_name(name, "size var");
  return Var::make(index_type(), name);
}

Tensor placeholder(std::vector<Expr> shape, Type dtype, const std::string& name) {
  check_name(name, "placeholder");
  if (!dtype.is_scalar()) {
    user_error << "placeholder '" << name << "' has vector dtype " << dtype.str()
               << "; tensors hold scalars (vector types appear only after lowering)";
  }
  auto op = std::make_shared<OperationNode>();
  op->kind = OperationNode::Kind::Placeholder;
  op->name = name;
  op->dtype = dtype;
  op->shape = to_index_shape(shape, name);
  return Tensor(op);
}

IterVar reduce_axis(Expr extent, const std::string& name) {
  return reduce_axis(make_index(0), std::move(extent), name);
}

IterVar reduce_axis(Expr min, Expr extent, const std::string& name) {
  check_name(name, "reduce axis");
  IterVar iv;
  iv.var = make_var(name);
  iv.dom = Range{to_index(min, "min of reduce axis '" + name + "'"),
                 to_index(extent, "extent of reduce axis '" + name + "'")};
  iv.kind = AxisKind::Reduce;
  return iv;
}

Tensor compute(std::vector<Expr> shape, const std::function<Expr(const std::vector<Expr>&)>& fn,
               const std::string& name, std::vector<std::string> axis_names) {
  check_name(name, "compute stage");
  auto op = std::make_shared<OperationNode>();
  op->kind = OperationNode::Kind::Compute;
  op->name = name;
  op->shape = to_index_shape(shape, name);
  if (axis_names.empty()) axis_names = default_axis_names(shape.size());
  if (axis_names.size() != shape.size()) {
    user_error << "compute '" << name << "' has " << shape.size() << " dimensions but "
               << axis_names.size() << " axis names";
  }
  std::vector<Expr> vars;
  for (size_t d = 0; d < shape.size(); ++d) {
    check_name(axis_names[d], "axis");
    for (size_t e = 0; e < d; ++e) {
      if (axis_names[e] == axis_names[d])
        user_error << "compute '" << name << "' names two axes '" << axis_names[d] << "'";
    }
    IterVar iv;
    iv.var = make_var(axis_names[d]);
    iv.dom = Range{make_index(0), op->shape[d]};
    iv.kind = AxisKind::Spatial;
    op->axis.push_back(iv);
    vars.push_back(iv.var);
  }

  Expr body = fn(vars);
  if (!body.defined()) user_error << "compute '" << name << "' returned an undefined expression";
  if (!body.type().is_scalar()) {
    user_error << "compute '" << name << "' returned a " << body.type().str() << " vector";
  }
  CollectReads reads;
  reads.visit_expr(body);
  const Reduce* top = body.as<Reduce>();
  if (reads.reduces > (top ? 1 : 0)) {
    user_error << "compute '" << name
               << "': a reduction must be the whole body of a compute stage; put it in its own stage";
  }
  op->body = body;
  op->dtype = body.type();
  if (top) op->reduce_axis = top->axes;

  // Axis names must not shadow reduce axes or size vars: loops and
  // variables are identified by name.
  CollectVars sizes;
  std::set<const OperationNode*> seen;
  collect_size_vars(op, &seen, &sizes);
  for (const std::string& a : axis_names) {
    for (const IterVar& r : op->reduce_axis) {
      if (r.name() == a)
        user_error << "compute '" << name << "': axis '" << a
                   << "' has the name of a reduction axis of its body; rename one of them";
    }
    if (std::count(sizes.names.begin(), sizes.names.end(), a)) {
      user_error << "compute '" << name << "': axis '" << a
                 << "' has the name of a size var; rename the axis (pass axis names to compute)";
    }
  }
  std::set<std::string> known(axis_names.begin(), axis_names.end());
  known.insert(sizes.names.begin(), sizes.names.end());
  FindUnknownVars unknown(known);
  unknown.visit_expr(body);
  if (!unknown.unknown.empty()) {
    user_error << "compute '" << name << "' uses variable '" << unknown.unknown[0]
               << "', which is neither one of its axes, a reduction axis inside its reducer, nor a "
               << "size var of a shape it reads";
  }
  if (top && top->type.is_half_storage() &&
      (top->op == ReduceOp::Sum || top->op == ReduceOp::Prod)) {
    check_name(name + "_acc", "compute");
    return accumulate_in_f32(op);
  }
  return Tensor(op);
}

Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names) {
  if (shape.size() != 1)
    user_error << "compute '" << name << "' has " << shape.size() << " dimensions but its function takes 1";
  return compute(std::move(shape), [&](const std::vector<Expr>& v) { return fn(v[0]); }, name,
                 std::move(axis_names));
}

Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr, Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names) {
  if (shape.size() != 2)
    user_error << "compute '" << name << "' has " << shape.size() << " dimensions but its function takes 2";
  return compute(std::move(shape), [&](const std::vector<Expr>& v) { return fn(v[0], v[1]); }, name,
                 std::move(axis_names));
}

Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr, Expr, Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names) {
  if (shape.size() != 3)
    user_error << "compute '" << name << "' has " << shape.size() << " dimensions but its function takes 3";
  return compute(std::move(shape),
                 [&](const std::vector<Expr>& v) { return fn(v[0], v[1], v[2]); }, name,
                 std::move(axis_names));
}

Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr, Expr, Expr, Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names) {
  if (shape.size() != 4)
    user_error << "compute '" << name << "' has " << shape.size() << " dimensions but its function takes 4";
  return compute(std::move(shape),
                 [&](const std::vector<Expr>& v) { return fn(v[0], v[1], v[2], v[3]); }, name,
                 std::move(axis_names));
}

Expr sum(Expr source, std::vector<IterVar> axes, Expr condition) {
  return make_reduce(ReduceOp::Sum, std::move(source), std::move(axes), std::move(condition));
}
Expr prod(Expr source, std::vector<IterVar> axes, Expr condition) {
  return make_reduce(ReduceOp::Prod, std::move(source), std::move(axes), std::move(condition));
}
Expr max(Expr source, std::vector<IterVar> axes, Expr condition) {
  return make_reduce(ReduceOp::Max, std::move(source), std::move(axes), std::move(condition));
}
Expr min(Expr source, std::vector<IterVar> axes, Expr condition) {
  return make_reduce(ReduceOp::Min, std::move(source), std::move(axes), std::move(condition));
}

// ------------------------------------------------------------- ComputeDef

ComputeDef::ComputeDef(std::string name, std::vector<Tensor> inputs, std::vector<Tensor> outputs)
    : name_(std::move(name)), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
  if (outputs_.empty()) user_error << "definition '" << name_ << "' has no outputs";
  std::set<const OperationNode*> listed_inputs;
  for (const Tensor& t : inputs_) {
    if (!t.defined()) user_error << "definition '" << name_ << "' has an undefined input";
    if (!t.op()->is_placeholder()) {
      user_error << "definition '" << name_ << "' lists '" << t.name()
                 << "' as an input, but it is a compute stage; inputs are placeholders";
    }
    if (!listed_inputs.insert(t.op().get()).second)
      user_error << "definition '" << name_ << "' lists input '" << t.name() << "' twice";
  }
  std::set<const OperationNode*> listed_outputs;
  for (const Tensor& t : outputs_) {
    if (!t.defined()) user_error << "definition '" << name_ << "' has an undefined output";
    if (t.op()->is_placeholder()) {
      user_error << "definition '" << name_ << "' lists placeholder '" << t.name()
                 << "' as an output; outputs are compute stages";
    }
    if (!listed_outputs.insert(t.op().get()).second)
      user_error << "definition '" << name_ << "' lists output '" << t.name() << "' twice";
  }

  // Post-order walk from the outputs: producers land before consumers.
  std::map<std::string, const OperationNode*> by_name;
  std::set<const OperationNode*> done, on_path;
  auto claim_name = [&](const OpRef& op) {
    if (op->name.find('.') != std::string::npos || !is_identifier(op->name)) {
      user_error << "operation name '" << op->name << "' in definition '" << name_
                 << "' is not an identifier without '.'";
    }
    auto it = by_name.emplace(op->name, op.get()).first;
    if (it->second != op.get()) {
      user_error << "definition '" << name_ << "' has two different operations named '" << op->name
                 << "'; give each placeholder and stage its own name";
    }
  };
  for (const Tensor& t : inputs_) claim_name(t.op());
  std::function<void(const OpRef&, const std::string&)> visit = [&](const OpRef& op,
                                                                    const std::string& reader) {
    if (done.count(op.get())) return;
    claim_name(op);
    if (op->is_placeholder()) {
      if (!listed_inputs.count(op.get())) {
        user_error << "definition '" << name_ << "': '" << reader << "' reads placeholder '"
                   << op->name << "', which is not listed in its inputs; add it to the inputs";
      }
      done.insert(op.get());
      return;
    }
    internal_assert(on_path.insert(op.get()).second) << "cycle through '" << op->name << "'";
    for (const OpRef& in : op->inputs()) visit(in, op->name);
    on_path.erase(op.get());
    done.insert(op.get());
    stages_.push_back(op);
  };
  for (const Tensor& t : outputs_) visit(t.op(), t.name());
}

OpRef ComputeDef::find(const std::string& op_name) const {
  for (const OpRef& s : stages_)
    if (s->name == op_name) return s;
  for (const Tensor& t : inputs_)
    if (t.name() == op_name) return t.op();
  return nullptr;
}

std::vector<OpRef> ComputeDef::consumers(const OpRef& op) const {
  std::vector<OpRef> out;
  for (const OpRef& s : stages_) {
    std::vector<OpRef> ins = s->inputs();
    if (std::any_of(ins.begin(), ins.end(), [&](const OpRef& i) { return i == op; }))
      out.push_back(s);
  }
  return out;
}

std::vector<std::string> ComputeDef::size_vars() const {
  CollectVars vars;
  for (const Tensor& t : inputs_)
    for (const Expr& e : t.shape()) vars.visit_expr(e);
  for (const Tensor& t : outputs_)
    for (const Expr& e : t.shape()) vars.visit_expr(e);
  // Intermediate shapes and reduction domains may name sizes of their own.
  for (const OpRef& s : stages_) {
    for (const Expr& e : s->shape) vars.visit_expr(e);
    for (const IterVar& iv : s->reduce_axis) {
      vars.visit_expr(iv.dom.min);
      vars.visit_expr(iv.dom.extent);
    }
  }
  return vars.names;
}

// ---------------------------------------------------------- replace_tensor

namespace {
class ReplaceTensor : public IRMutator {
 public:
  ReplaceTensor(const OpRef& from, const OpRef& to) : from_(from), to_(to) {}

 protected:
  using IRMutator::visit;
  Expr visit(const TensorLoad* op, const Expr& e) override {
    std::vector<Expr> idx;
    bool changed = mutate_exprs(op->indices, &idx);
    if (op->op == from_) return TensorLoad::make(to_, std::move(idx));
    return changed ? TensorLoad::make(op->op, std::move(idx)) : e;
  }

 private:
  const OpRef& from_;
  const OpRef& to_;
};
}  // namespace

Expr replace_tensor(const Expr& e, const OpRef& from, const OpRef& to) {
  internal_assert(from && to) << "replace_tensor with a null op";
  internal_assert(from->shape.size() == to->shape.size())
      << "replace_tensor of '" << from->name << "' by '" << to->name << "' of another rank";
  ReplaceTensor r(from, to);
  return r.mutate(e);
}

bool size_from_extent(const Expr& dim, int64_t extent, std::string* var, int64_t* value) {
  // 32-bit literals in shapes arrive as widening casts to the index type.
  auto strip = [](Expr e) {
    while (const Cast* c = e.as<Cast>()) e = c->value;
    return e;
  };
  Expr e = strip(dim);
  int64_t c = 0;
  if (const Var* v = e.as<Var>()) {
    *var = v->name;
    *value = extent;
    return true;
  }
  if (const Add* add = e.as<Add>()) {
    Expr a = strip(add->a), b = strip(add->b);
    if (a.as<IntImm>()) std::swap(a, b);
    const Var* v = a.as<Var>();
    if (v && as_const_int(b, &c)) {
      *var = v->name;
      *value = extent - c;
      return true;
    }
  }
  if (const Sub* sub = e.as<Sub>()) {
    const Var* v = strip(sub->a).as<Var>();
    if (v && as_const_int(strip(sub->b), &c)) {
      *var = v->name;
      *value = extent + c;
      return true;
    }
  }
  return false;
}

}  // namespace kiln
