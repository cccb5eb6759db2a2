#pragma once
/// \file
/// What a kernel author writes: placeholders (inputs), compute stages, reduction
/// axes and reducers, grouped into a ComputeDef (the whole operator).
///
///   Expr M = size_var("M"), N = size_var("N"), K = size_var("K");
///   Tensor A = placeholder({M, K}, f32(), "A");
///   Tensor B = placeholder({K, N}, f32(), "B");
///   IterVar k = reduce_axis(K, "k");
///   Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); },
///                      "C", {"i", "j"});
///   ComputeDef def("matmul", {A, B}, {C});

#include <functional>
#include <string>
#include <vector>

#include "dsl/ir.h"
#include "dsl/ir_operators.h"

namespace kiln {

/// A placeholder (an input) or a compute stage. Immutable once built.
struct OperationNode {
  enum class Kind : uint8_t { Placeholder, Compute };
  Kind kind = Kind::Placeholder;
  /// An identifier without '.', unique within a ComputeDef.
  std::string name;
  Type dtype;
  /// Extents of each dimension (index_type(): constants or size vars).
  std::vector<Expr> shape;
  /// Compute only: one spatial axis per dimension, domain [0, shape[d]).
  std::vector<IterVar> axis;
  /// Compute only: the reduction axes of a Reduce body (empty otherwise).
  std::vector<IterVar> reduce_axis;
  /// Compute only: the value at a point, in terms of the axis vars. When it
  /// is a Reduce, the stage is a reduction.
  Expr body;

  bool is_placeholder() const { return kind == Kind::Placeholder; }
  bool is_reduction() const { return body.defined() && body.as<Reduce>() != nullptr; }
  /// The operations the body reads, in order of first read, each once.
  std::vector<OpRef> inputs() const;
};

/// A handle to the output of an operation.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(OpRef op) : op_(std::move(op)) {}
  const OpRef& op() const { return op_; }
  bool defined() const { return op_ != nullptr; }
  const std::string& name() const { return op_->name; }
  Type dtype() const { return op_->dtype; }
  const std::vector<Expr>& shape() const { return op_->shape; }
  int ndim() const { return static_cast<int>(op_->shape.size()); }

  /// A read at the given indices (any integer types; converted to i64).
  /// Throws UserError when the index count differs from ndim().
  Expr operator()(const std::vector<Expr>& indices) const;
  template <typename... Args>
  Expr operator()(Args... indices) const {
    return (*this)(std::vector<Expr>{Expr(indices)...});
  }

 private:
  OpRef op_;
};

/// A size that is known only when the kernel runs (an i64 Var). One compiled
/// kernel serves every value; the tuner specializes on concrete ones.
Expr size_var(const std::string& name);

/// An input tensor.
Tensor placeholder(std::vector<Expr> shape, Type dtype, const std::string& name);

/// A reduction axis over [0, extent) or [min, min + extent).
IterVar reduce_axis(Expr extent, const std::string& name);
IterVar reduce_axis(Expr min, Expr extent, const std::string& name);

/// A compute stage: out[axes] = fn(axes). axis_names name the spatial axes
/// (default "i", "j", "l", "m", ... ); they become loop names ("C.i").
Tensor compute(std::vector<Expr> shape, const std::function<Expr(const std::vector<Expr>&)>& fn,
               const std::string& name, std::vector<std::string> axis_names = {});
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names = {});
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr, Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names = {});
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr, Expr, Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names = {});
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Expr, Expr, Expr, Expr)>& fn,
               const std::string& name, std::vector<std::string> axis_names = {});

/// Reducers. The condition (optional) restricts which points take part.
/// A sum or product of f16/bf16 values accumulates in f32 and is rounded
/// once: compute() makes it two stages, `<name>_acc` (the f32 reduction,
/// whose loops the schedule splits, reorders and rfactors) and `<name>`
/// (the rounding, with the type and axes written), so no schedule changes
/// the answer. Max and min stay one stage (they are exact in any width).
Expr sum(Expr source, std::vector<IterVar> axes, Expr condition = Expr());
Expr prod(Expr source, std::vector<IterVar> axes, Expr condition = Expr());
Expr max(Expr source, std::vector<IterVar> axes, Expr condition = Expr());
Expr min(Expr source, std::vector<IterVar> axes, Expr condition = Expr());
inline Expr sum(Expr s, IterVar a, Expr c = Expr()) { return sum(s, std::vector<IterVar>{a}, c); }
inline Expr prod(Expr s, IterVar a, Expr c = Expr()) { return prod(s, std::vector<IterVar>{a}, c); }
inline Expr max(Expr s, IterVar a, Expr c = Expr()) { return max(s, std::vector<IterVar>{a}, c); }
inline Expr min(Expr s, IterVar a, Expr c = Expr()) { return min(s, std::vector<IterVar>{a}, c); }

/// A whole operator: its inputs and outputs in argument order, and every
/// stage between them. Compiled kernels take inputs then outputs.
class ComputeDef {
 public:
  ComputeDef() = default;
  /// Throws UserError when an output depends on a placeholder that is not
  /// listed, when two operations share a name, or when a name has a '.'.
  ComputeDef(std::string name, std::vector<Tensor> inputs, std::vector<Tensor> outputs);

  const std::string& name() const { return name_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }
  const std::vector<Tensor>& outputs() const { return outputs_; }
  /// Every compute operation, producers before consumers.
  const std::vector<OpRef>& stages() const { return stages_; }
  /// The compute or placeholder operation of that name, or nullptr.
  OpRef find(const std::string& op_name) const;
  /// The compute operations that read op directly.
  std::vector<OpRef> consumers(const OpRef& op) const;
  /// The size vars used by any shape, in order of first appearance.
  std::vector<std::string> size_vars() const;

 private:
  std::string name_;
  std::vector<Tensor> inputs_, outputs_;
  std::vector<OpRef> stages_;
};

/// When a dimension's extent is a size var plus or minus a constant (`H`,
/// `H + 2`, `W - 1`), sets *var to the var's name and *value to the value
/// that gives `extent`, and returns true. This is how kernels and the
/// interpreter learn sizes from the buffers they are given.
bool size_from_extent(const Expr& dim, int64_t extent, std::string* var, int64_t* value);

/// Replaces every read of `from` with a read of `to` (same indices) inside
/// an expression.
Expr replace_tensor(const Expr& e, const OpRef& from, const OpRef& to);

}  // namespace kiln
