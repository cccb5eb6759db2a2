// The interpreter's tree-walking evaluator: one switch over node kinds,
// variables looked up in a stack of bindings (no substitution, so a 64^3
// matmul evaluates in a fraction of a second).
#include <sstream>

#include "base/error.h"
#include "dsl/interpreter_eval.h"
#include "dsl/ir_printer.h"

namespace kiln {
namespace interp {

namespace {

std::string index_list(const std::vector<int64_t>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t d = 0; d < v.size(); ++d) os << (d ? ", " : "") << v[d];
  os << "]";
  return os.str();
}

Value index_value(int64_t v) { return Value::of_int(index_type(), v); }

}  // namespace

Evaluator::Evaluator(const std::map<std::string, int64_t>& sizes) {
  for (const auto& [name, value] : sizes) sizes_.emplace_back(name, index_value(value));
}

void Evaluator::set_buffer(const OperationNode* op, const Buffer& b) {
  Tensor& t = tensors_[op];
  t.shape = b.shape();
  t.buffer = b;
  t.has_buffer = true;
}

void Evaluator::set_shape(const OperationNode* op, std::vector<int64_t> shape) {
  Tensor& t = tensors_[op];
  t.shape = std::move(shape);
}

std::string Evaluator::where() const {
  if (!stage_) return "a shape expression";
  return "stage '" + stage_->name + "' at " + index_list(*point_);
}

const Value& Evaluator::lookup(const std::string& name) const {
  for (size_t k = vars_.size(); k-- > frame_;) {
    if (vars_[k].first == &name || *vars_[k].first == name) return vars_[k].second;
  }
  for (const auto& s : sizes_) {
    if (s.first == name) return s.second;
  }
  std::ostringstream known;
  for (size_t k = 0; k < sizes_.size(); ++k) known << (k ? ", " : "") << sizes_[k].first;
  user_error << "variable '" << name << "' has no value in " << where()
             << "; every size var must be bound (bound: " << (sizes_.empty() ? "none" : known.str())
             << ")";
  static const Value unreachable;  // user_error has thrown
  return unreachable;
}

Value Evaluator::eval(const Expr& e) {
  const BaseExprNode* n = e.get();
  internal_assert(n) << "evaluation of an undefined Expr";
  switch (n->kind) {
    case IRKind::IntImm: return Value::of_int(n->type, static_cast<const IntImm*>(n)->value);
    case IRKind::FloatImm: {
      // A 16-bit constant is a 16-bit value, as in generated code.
      return round_to_storage(Value::of_float(n->type, static_cast<const FloatImm*>(n)->value));
    }
    case IRKind::Var: return lookup(static_cast<const Var*>(n)->name);
    case IRKind::Cast: {
      const Cast* op = static_cast<const Cast*>(n);
      return cast_value(op->type, eval(op->value));
    }
#define KILN_EVAL_BINARY(N)                                   \
  case IRKind::N: {                                           \
    const N* op = static_cast<const N*>(n);                   \
    return binary_op(IRKind::N, eval(op->a), eval(op->b));    \
  }
      KILN_EVAL_BINARY(Add)
      KILN_EVAL_BINARY(Sub)
      KILN_EVAL_BINARY(Mul)
      KILN_EVAL_BINARY(Min)
      KILN_EVAL_BINARY(Max)
      KILN_EVAL_BINARY(EQ)
      KILN_EVAL_BINARY(NE)
      KILN_EVAL_BINARY(LT)
      KILN_EVAL_BINARY(LE)
      KILN_EVAL_BINARY(GT)
      KILN_EVAL_BINARY(GE)
      KILN_EVAL_BINARY(And)
      KILN_EVAL_BINARY(Or)
#undef KILN_EVAL_BINARY
    case IRKind::Div:
    case IRKind::Mod: {
      const Expr& a = n->kind == IRKind::Div ? static_cast<const Div*>(n)->a : static_cast<const Mod*>(n)->a;
      const Expr& b = n->kind == IRKind::Div ? static_cast<const Div*>(n)->b : static_cast<const Mod*>(n)->b;
      Value x = eval(a), y = eval(b);
      if (!n->type.is_float() && y.i == 0) {
        user_error << "integer " << (n->kind == IRKind::Div ? "division" : "modulo") << " by zero in "
                   << where() << ": " << to_string(e) << " with divisor " << to_string(b)
                   << " = 0; guard the divisor, e.g. with max(divisor, 1)";
      }
      return binary_op(n->kind, x, y);
    }
    case IRKind::Not: return Value::of_int(n->type, !eval(static_cast<const Not*>(n)->a).as_bool());
    case IRKind::Select: {
      // Only the taken arm is evaluated: the other may read padding out of
      // bounds or divide by zero (if_then_else).
      const Select* op = static_cast<const Select*>(n);
      return eval(op->condition).as_bool() ? eval(op->true_value) : eval(op->false_value);
    }
    case IRKind::Call: {
      const Call* op = static_cast<const Call*>(n);
      std::vector<Value> args;
      args.reserve(op->args.size());
      for (const Expr& a : op->args) args.push_back(eval(a));
      return call_intrinsic(op->op, op->type, args);
    }
    case IRKind::Let: {
      const Let* op = static_cast<const Let*>(n);
      vars_.emplace_back(&op->name, eval(op->value));
      Value v = eval(op->body);
      vars_.pop_back();
      return v;
    }
    case IRKind::TensorLoad: return eval_load(static_cast<const TensorLoad*>(n));
    case IRKind::Reduce: return eval_reduce(static_cast<const Reduce*>(n));
    case IRKind::Ramp:
    case IRKind::Broadcast:
    case IRKind::Load:
      internal_error << ir_kind_name(n->kind) << " in a compute definition: "
                     << "vectors and flat buffers appear only after lowering";
      return Value();
    default: break;
  }
  internal_error << "the interpreter cannot evaluate " << ir_kind_name(n->kind);
  return Value();
}

Value Evaluator::eval_load(const TensorLoad* op) {
  std::vector<int64_t> idx;
  idx.reserve(op->indices.size());
  for (const Expr& i : op->indices) idx.push_back(eval(i).i);
  auto it = tensors_.find(op->op.get());
  internal_assert(it != tensors_.end())
      << "'" << op->op->name << "' is read before it is computed (stage order)";
  const Tensor& t = it->second;
  int64_t offset = 0;
  for (size_t d = 0; d < idx.size(); ++d) {
    if (idx[d] < 0 || idx[d] >= t.shape[d]) {
      user_error << "read of '" << op->op->name << "' at index " << index_list(idx)
                 << " is outside its shape " << index_list(t.shape) << " (dimension " << d
                 << ") in " << where()
                 << "; use if_then_else to pad, or shrink the reading stage's shape";
    }
    if (t.has_buffer) offset += idx[d] * t.buffer.strides()[d];
  }
  if (t.has_buffer) return read_element(t.buffer, offset);
  internal_assert(recompute_ && !op->op->is_placeholder())
      << "'" << op->op->name << "' has no buffer to read";
  auto key = std::make_pair(op->op.get(), idx);
  if (auto hit = recomputed_.find(key); hit != recomputed_.end()) return hit->second;
  const Value v = eval_stage_at(*op->op, idx);
  recomputed_.emplace(std::move(key), v);
  return v;
}

Value Evaluator::eval_stage_at(const OperationNode& op, const std::vector<int64_t>& point) {
  internal_assert(point.size() == op.axis.size())
      << "stage '" << op.name << "' evaluated at " << point.size() << " indices";
  // A new frame: the stage sees its own axes and the size vars only.
  const size_t saved_frame = frame_;
  const OperationNode* saved_stage = stage_;
  const std::vector<int64_t>* saved_point = point_;
  frame_ = vars_.size();
  stage_ = &op;
  point_ = &point;
  for (size_t d = 0; d < point.size(); ++d) {
    vars_.emplace_back(&op.axis[d].name(), index_value(point[d]));
  }
  Value v = eval(op.body);
  internal_assert(v.type == op.dtype) << "stage '" << op.name << "' of dtype " << op.dtype.str()
                                      << " evaluated to a " << v.type.str();
  vars_.resize(frame_);
  frame_ = saved_frame;
  stage_ = saved_stage;
  point_ = saved_point;
  return round_to_storage(v);
}

Value Evaluator::eval_reduce(const Reduce* op) {
  std::vector<std::pair<int64_t, int64_t>> dom;  // (min, extent) per axis
  for (const IterVar& iv : op->axes) dom.emplace_back(eval(iv.dom.min).i, eval(iv.dom.extent).i);
  Value acc = eval(reduce_identity(op->op, op->type));
  reduce_over(op, 0, dom, &acc);
  return acc;
}

void Evaluator::reduce_over(const Reduce* op, size_t axis,
                            const std::vector<std::pair<int64_t, int64_t>>& dom, Value* acc) {
  if (axis == op->axes.size()) {
    if (op->condition.defined() && !eval(op->condition).as_bool()) return;
    Value v = eval(op->source);
    IRKind kind = IRKind::Add;
    switch (op->op) {
      case ReduceOp::Sum: kind = IRKind::Add; break;
      case ReduceOp::Prod: kind = IRKind::Mul; break;
      case ReduceOp::Max: kind = IRKind::Max; break;
      case ReduceOp::Min: kind = IRKind::Min; break;
    }
    // The accumulator is the stage's storage, so 16-bit floats round after
    // every step, as in the lowered loop nest.
    *acc = round_to_storage(binary_op(kind, *acc, v));
    return;
  }
  const IterVar& iv = op->axes[axis];
  vars_.emplace_back(&iv.name(), index_value(0));
  const size_t slot = vars_.size() - 1;
  for (int64_t k = 0; k < dom[axis].second; ++k) {
    vars_[slot].second = index_value(dom[axis].first + k);
    reduce_over(op, axis + 1, dom, acc);
  }
  vars_.pop_back();
}

}  // namespace interp
}  // namespace kiln
