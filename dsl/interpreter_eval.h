#pragma once
/// \file
/// Internals of the reference interpreter (dsl/interpreter.h): scalar values,
/// the arithmetic on them, and a tree-walking evaluator over a variable
/// environment. Not part of kiln's public interface.
///
/// The arithmetic mirrors what generated code computes: f32, f16 and bf16
/// values are computed in float (f16/bf16 rounded only where stored or
/// cast), f64 in double, integers wrap to their width, integer division and
/// modulo round toward negative infinity.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dsl/compute.h"
#include "runtime/buffer.h"

namespace kiln {
namespace interp {

/// A scalar of some type. Integers and bools live in i (sign- or
/// zero-extended to 64 bits; u64 keeps its bits), floats in f (f32, f16 and
/// bf16 values are always representable as a float).
struct Value {
  Type type;
  int64_t i = 0;
  double f = 0;

  /// An integer or bool of type t, wrapped to its width.
  static Value of_int(Type t, int64_t v);
  /// A float of type t: f64 keeps v, the others round it to float.
  static Value of_float(Type t, double v);
  /// The value as a double (u64 read as unsigned).
  double as_double() const;
  bool as_bool() const { return i != 0; }
};

/// v rounded as a store of its type rounds it (f16 and bf16 lose bits).
Value round_to_storage(const Value& v);
/// v converted to type t, as Cast does.
Value cast_value(Type t, const Value& v);
/// a op b for a binary node kind (Add ... Or) on operands of one type. The
/// caller reports integer division or modulo by zero (b must not be 0).
Value binary_op(IRKind kind, const Value& a, const Value& b);
/// An intrinsic of result type t on its evaluated arguments.
Value call_intrinsic(Intrinsic op, Type t, const std::vector<Value>& args);

/// The element at offset (in elements, strides already applied).
Value read_element(const Buffer& b, int64_t offset);
/// Stores v (already of b's dtype) at offset, rounding f16/bf16.
void write_element(const Buffer& b, int64_t offset, const Value& v);

/// Evaluates expressions of a compute definition. Tensors are read from
/// buffers; in recompute mode, a stage without a buffer is evaluated at the
/// point it is read (interpret_point).
class Evaluator {
 public:
  explicit Evaluator(const std::map<std::string, int64_t>& sizes);

  /// A tensor whose values live in a buffer (inputs, computed stages).
  void set_buffer(const OperationNode* op, const Buffer& b);
  /// The concrete shape of a stage evaluated on demand (recompute mode).
  void set_shape(const OperationNode* op, std::vector<int64_t> shape);
  /// Reads of stages without a buffer evaluate them at the point read.
  void set_recompute(bool on) { recompute_ = on; }

  /// The value of e in the current environment (size vars, axis vars of
  /// the stage being evaluated, enclosing Lets and reduction axes).
  Value eval(const Expr& e);
  /// op's body at point, rounded to op's dtype as a store would round it.
  Value eval_stage_at(const OperationNode& op, const std::vector<int64_t>& point);

 private:
  struct Tensor {
    std::vector<int64_t> shape;
    Buffer buffer;  ///< undefined for stages evaluated on demand
    bool has_buffer = false;
  };

  const Value& lookup(const std::string& name) const;
  Value eval_load(const TensorLoad* op);
  Value eval_reduce(const Reduce* op);
  void reduce_over(const Reduce* op, size_t axis, const std::vector<std::pair<int64_t, int64_t>>& dom,
                   Value* acc);
  /// "stage 'C' at [1, 2]", for error messages.
  std::string where() const;

  std::vector<std::pair<std::string, Value>> sizes_;
  /// Bound variables, innermost last; names point into the IR (alive while
  /// evaluating). Lookups only search above frame_ (the current stage).
  std::vector<std::pair<const std::string*, Value>> vars_;
  size_t frame_ = 0;
  std::unordered_map<const OperationNode*, Tensor> tensors_;
  bool recompute_ = false;
  /// Values of stages evaluated on demand, by stage and point: a stage's
  /// value depends on nothing else, and without this a row reduction read
  /// by every element of a row (a softmax's max) is recomputed per element.
  std::map<std::pair<const OperationNode*, std::vector<int64_t>>, Value> recomputed_;
  const OperationNode* stage_ = nullptr;
  const std::vector<int64_t>* point_ = nullptr;
};

}  // namespace interp
}  // namespace kiln
