#pragma once
/// \file
/// kiln's intermediate representation: expressions (Expr) and statements
/// (Stmt). One IR serves every stage of compilation:
/// - compute definitions use TensorLoad and Reduce;
/// - lowering produces loop nests of For / TensorStore / Realize;
/// - flattening turns tensors into 1-D buffers: Load / Store / Allocate;
/// - vectorization introduces Ramp, Broadcast and vector types.
///
/// Nodes are immutable and reference counted. Expr and Stmt are handles that
/// are cheap to copy and compared by identity with same_as(); structural
/// comparison lives in ir_equal.h. Every node is built through its make()
/// factory, which checks operand types.
///
/// Semantics worth stating before the nodes:
/// - Integer Div and Mod round toward negative infinity (floor division and
///   floor modulo), as in Halide and TVM; the remainder has the sign of the
///   divisor. C++'s `/` truncates toward zero; kiln's does not. Division by
///   zero is undefined. Float Div is ordinary division.
/// - Variables are identified by name: two Var nodes with the same name are
///   the same variable. Lowering gives every loop a unique, stable name
///   ("C.i.o").
/// - Indices, loop variables and sizes have type index_type() (i64).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/type.h"

namespace kiln {

/// Every expression node kind, listed once. The list generates the kind
/// enum, the visitor and the mutator.
#define KILN_FOR_EACH_EXPR_NODE(X) \
  X(IntImm)                        \
  X(FloatImm)                      \
  X(Var)                           \
  X(Cast)                          \
  X(Add)                           \
  X(Sub)                           \
  X(Mul)                           \
  X(Div)                           \
  X(Mod)                           \
  X(Min)                           \
  X(Max)                           \
  X(EQ)                            \
  X(NE)                            \
  X(LT)                            \
  X(LE)                            \
  X(GT)                            \
  X(GE)                            \
  X(And)                           \
  X(Or)                            \
  X(Not)                           \
  X(Select)                        \
  X(Call)                          \
  X(Let)                           \
  X(Ramp)                          \
  X(Broadcast)                     \
  X(Load)                          \
  X(TensorLoad)                    \
  X(Reduce)

/// Every statement node kind, listed once.
#define KILN_FOR_EACH_STMT_NODE(X) \
  X(LetStmt)                       \
  X(For)                           \
  X(IfThenElse)                    \
  X(Block)                         \
  X(Store)                         \
  X(TensorStore)                   \
  X(Realize)                       \
  X(Allocate)                      \
  X(Evaluate)

enum class IRKind : uint8_t {
#define KILN_KIND(N) N,
  KILN_FOR_EACH_EXPR_NODE(KILN_KIND) KILN_FOR_EACH_STMT_NODE(KILN_KIND)
#undef KILN_KIND
};

/// The name of a node kind, "Add", "For".
const char* ir_kind_name(IRKind k);

struct IRNode {
  explicit IRNode(IRKind k) : kind(k) {}
  virtual ~IRNode() = default;
  const IRKind kind;
};

struct BaseExprNode : IRNode {
  BaseExprNode(IRKind k, Type t) : IRNode(k), type(t) {}
  const Type type;
};

struct BaseStmtNode : IRNode {
  explicit BaseStmtNode(IRKind k) : IRNode(k) {}
};

/// CRTP helpers giving each node its static kind.
template <typename T>
struct ExprNode : BaseExprNode {
  explicit ExprNode(Type t) : BaseExprNode(T::kind_, t) {}
};
template <typename T>
struct StmtNode : BaseStmtNode {
  StmtNode() : BaseStmtNode(T::kind_) {}
};

/// A handle to an immutable expression node.
class Expr {
 public:
  Expr() = default;
  explicit Expr(std::shared_ptr<const BaseExprNode> n) : node_(std::move(n)) {}
  /// An i32 constant (literals adopt the other operand's type in arithmetic).
  Expr(int v);     // NOLINT(google-explicit-constructor)
  Expr(int64_t v); // NOLINT: an i64 constant
  Expr(float v);   // NOLINT: an f32 constant
  Expr(double v);  // NOLINT: an f64 constant

  bool defined() const { return node_ != nullptr; }
  const BaseExprNode* get() const { return node_.get(); }
  const BaseExprNode* operator->() const { return node_.get(); }
  Type type() const { return node_->type; }
  /// Identity, not structure.
  bool same_as(const Expr& o) const { return node_ == o.node_; }
  /// The node as T, or nullptr when it is another kind.
  template <typename T>
  const T* as() const {
    return node_ && node_->kind == T::kind_ ? static_cast<const T*>(node_.get()) : nullptr;
  }
  const std::shared_ptr<const BaseExprNode>& ptr() const { return node_; }

 private:
  std::shared_ptr<const BaseExprNode> node_;
};

/// A handle to an immutable statement node.
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(std::shared_ptr<const BaseStmtNode> n) : node_(std::move(n)) {}
  bool defined() const { return node_ != nullptr; }
  const BaseStmtNode* get() const { return node_.get(); }
  const BaseStmtNode* operator->() const { return node_.get(); }
  bool same_as(const Stmt& o) const { return node_ == o.node_; }
  template <typename T>
  const T* as() const {
    return node_ && node_->kind == T::kind_ ? static_cast<const T*>(node_.get()) : nullptr;
  }

 private:
  std::shared_ptr<const BaseStmtNode> node_;
};

// ---------------------------------------------------------------- leaves

/// An integer, unsigned or bool constant (value holds the bits for u64).
struct IntImm : ExprNode<IntImm> {
  using ExprNode::ExprNode;
  int64_t value = 0;
  static Expr make(Type t, int64_t value);
  static constexpr IRKind kind_ = IRKind::IntImm;
};

/// A floating-point constant of type f16, bf16, f32 or f64.
struct FloatImm : ExprNode<FloatImm> {
  using ExprNode::ExprNode;
  double value = 0;
  static Expr make(Type t, double value);
  static constexpr IRKind kind_ = IRKind::FloatImm;
};

/// A variable: a loop index, a size (size_var), a Let binding. Identified by
/// name.
struct Var : ExprNode<Var> {
  using ExprNode::ExprNode;
  std::string name;
  static Expr make(Type t, const std::string& name);
  static constexpr IRKind kind_ = IRKind::Var;
};

/// Conversion between types with the same lane count. Float to int rounds
/// toward zero; int to narrower int wraps.
struct Cast : ExprNode<Cast> {
  using ExprNode::ExprNode;
  Expr value;
  static Expr make(Type t, Expr value);
  static constexpr IRKind kind_ = IRKind::Cast;
};

// ------------------------------------------------------------ arithmetic
// Binary nodes require both operands to have the same type (make() checks;
// the operators in dsl/ir_operators.h insert casts for literals first).

#define KILN_BINARY_NODE(N, doc)                         \
  /** doc */                                             \
  struct N : ExprNode<N> {                               \
    using ExprNode::ExprNode;                            \
    Expr a, b;                                           \
    static Expr make(Expr a, Expr b);                    \
    static constexpr IRKind kind_ = IRKind::N;           \
  };

KILN_BINARY_NODE(Add, "a + b; integers wrap")
KILN_BINARY_NODE(Sub, "a - b")
KILN_BINARY_NODE(Mul, "a * b")
KILN_BINARY_NODE(Div, "a / b: floor division for integers, ordinary for floats")
KILN_BINARY_NODE(Mod, "a mod b: floor modulo for integers (sign of b), fmod-like for floats")
KILN_BINARY_NODE(Min, "the smaller of a and b")
KILN_BINARY_NODE(Max, "the larger of a and b")
// Comparisons and logic produce bool with the operands' lane count.
KILN_BINARY_NODE(EQ, "a == b")
KILN_BINARY_NODE(NE, "a != b")
KILN_BINARY_NODE(LT, "a < b")
KILN_BINARY_NODE(LE, "a <= b")
KILN_BINARY_NODE(GT, "a > b")
KILN_BINARY_NODE(GE, "a >= b")
KILN_BINARY_NODE(And, "logical and of two bools")
KILN_BINARY_NODE(Or, "logical or of two bools")
#undef KILN_BINARY_NODE

/// Logical not of a bool.
struct Not : ExprNode<Not> {
  using ExprNode::ExprNode;
  Expr a;
  static Expr make(Expr a);
  static constexpr IRKind kind_ = IRKind::Not;
};

/// cond ? true_value : false_value; both arms are evaluated (no side
/// effects exist in kiln expressions), so it is also a vector blend.
struct Select : ExprNode<Select> {
  using ExprNode::ExprNode;
  Expr condition, true_value, false_value;
  static Expr make(Expr condition, Expr true_value, Expr false_value);
  static constexpr IRKind kind_ = IRKind::Select;
};

/// Intrinsic functions.
enum class Intrinsic : uint8_t {
  Exp, Log, Sqrt, Rsqrt, Tanh, Erf, Pow, Abs, Floor, Ceil, Fma,
  /// likely(cond): cond, with a hint that it is usually true. Lowering marks
  /// tail guards with it; partition_tails splits loops where it holds.
  Likely,
  /// gpu_barrier(): every thread of a GPU block waits here until all have
  /// arrived and their shared-memory writes are visible (__syncthreads).
  /// Takes no arguments; appears only as Evaluate in CUDA kernels.
  GPUBarrier,
  /// prefetch(load): asks the CPU to bring the cache line holding the
  /// loaded element into L1 (x86 prefetcht0); reads nothing and cannot
  /// fault. Its one argument is a TensorLoad (a Load after flattening)
  /// naming the element; appears only as Evaluate (Schedule::prefetch).
  Prefetch,
};
/// "exp", "likely", ...
const char* intrinsic_name(Intrinsic op);

/// A call of an intrinsic. Math intrinsics take and return floats of one
/// type (Abs also takes integers); Fma takes three operands.
struct Call : ExprNode<Call> {
  using ExprNode::ExprNode;
  Intrinsic op = Intrinsic::Exp;
  std::vector<Expr> args;
  static Expr make(Type t, Intrinsic op, std::vector<Expr> args);
  static constexpr IRKind kind_ = IRKind::Call;
};

/// `let name = value in body`.
struct Let : ExprNode<Let> {
  using ExprNode::ExprNode;
  std::string name;
  Expr value, body;
  static Expr make(const std::string& name, Expr value, Expr body);
  static constexpr IRKind kind_ = IRKind::Let;
};

/// The vector [base, base + stride, ..., base + (lanes-1) * stride].
struct Ramp : ExprNode<Ramp> {
  using ExprNode::ExprNode;
  Expr base, stride;
  int lanes = 1;
  static Expr make(Expr base, Expr stride, int lanes);
  static constexpr IRKind kind_ = IRKind::Ramp;
};

/// A scalar repeated in every lane.
struct Broadcast : ExprNode<Broadcast> {
  using ExprNode::ExprNode;
  Expr value;
  int lanes = 1;
  static Expr make(Expr value, int lanes);
  static constexpr IRKind kind_ = IRKind::Broadcast;
};

/// A read of a flat buffer after storage flattening: buffer[index], where
/// index counts elements. A vector index gives a vector load (a gather
/// unless the index is a Ramp of stride 1).
struct Load : ExprNode<Load> {
  using ExprNode::ExprNode;
  std::string buffer;
  Expr index;
  static Expr make(Type t, const std::string& buffer, Expr index);
  static constexpr IRKind kind_ = IRKind::Load;
};

// ----------------------------------------------------------- tensor level

struct OperationNode;
/// A shared, immutable operation (placeholder or compute stage); see
/// dsl/compute.h.
using OpRef = std::shared_ptr<const OperationNode>;

/// A read of a multi-dimensional tensor (a placeholder or another compute
/// stage's output) before flattening: op[indices...]. Indices are i64.
struct TensorLoad : ExprNode<TensorLoad> {
  using ExprNode::ExprNode;
  OpRef op;
  std::vector<Expr> indices;
  static Expr make(OpRef op, std::vector<Expr> indices);
  static constexpr IRKind kind_ = IRKind::TensorLoad;
};

/// A half-open range [min, min + extent).
struct Range {
  Expr min, extent;
};

/// Whether an axis is a data-parallel (spatial) axis or a reduction axis.
enum class AxisKind : uint8_t { Spatial, Reduce };

/// A named axis of a compute stage with its domain.
struct IterVar {
  // A constructor rather than aggregate initialization, so `{k, l}` means a
  // list of axes and never an IterVar built from two of them.
  IterVar() = default;
  IterVar(Expr var, Range dom, AxisKind kind = AxisKind::Spatial)
      : var(std::move(var)), dom(std::move(dom)), kind(kind) {}

  Expr var;  ///< a Var of index_type()
  Range dom;
  AxisKind kind = AxisKind::Spatial;
  const std::string& name() const;
  /// An axis reads as its variable, so `A(i, k)` works with a reduce axis k.
  operator const Expr&() const { return var; }
};

/// The combiner of a Reduce.
enum class ReduceOp : uint8_t { Sum, Prod, Max, Min };
/// "sum", "prod", "max", "min".
const char* reduce_op_name(ReduceOp op);

/// A commutative reduction of source over the reduction axes, where
/// condition holds (undefined condition: everywhere). Appears only as the
/// top-level body of a compute stage.
struct Reduce : ExprNode<Reduce> {
  using ExprNode::ExprNode;
  ReduceOp op = ReduceOp::Sum;
  Expr source;
  std::vector<IterVar> axes;
  Expr condition;
  static Expr make(ReduceOp op, Expr source, std::vector<IterVar> axes, Expr condition = Expr());
  static constexpr IRKind kind_ = IRKind::Reduce;
};

/// The identity of a reducer for a type: 0 for sum, 1 for prod, the lowest
/// value for max (-inf for floats), the highest for min.
Expr reduce_identity(ReduceOp op, Type t);
/// Combines an accumulator with a new value: acc + v, max(acc, v), ...
Expr reduce_combine(ReduceOp op, Expr acc, Expr v);

// ------------------------------------------------------------- statements

/// `let name = value; body`.
struct LetStmt : StmtNode<LetStmt> {
  std::string name;
  Expr value;
  Stmt body;
  static Stmt make(const std::string& name, Expr value, Stmt body);
  static constexpr IRKind kind_ = IRKind::LetStmt;
};

/// How a loop runs.
enum class ForKind : uint8_t {
  Serial, Parallel, Vectorized, Unrolled,
  /// Bound to a CUDA grid or block index: the loop is not a loop on the GPU;
  /// each block (thread) runs one iteration, its index the loop variable.
  /// Code for a CPU runs such loops serially, which computes the same values.
  GPUBlockX, GPUBlockY, GPUBlockZ, GPUThreadX, GPUThreadY, GPUThreadZ,
};
/// "for", "parallel", "vectorized", "unrolled", "blockIdx.x", ..., "threadIdx.z".
const char* for_kind_name(ForKind k);
/// Whether a loop kind binds to blockIdx.* / threadIdx.*.
bool is_gpu_block(ForKind k);
bool is_gpu_thread(ForKind k);
/// The dimension a GPU kind binds (x = 0, y = 1, z = 2); -1 for other kinds.
int gpu_dim(ForKind k);

/// `for (name = min; name < min + extent; ++name) body`. The loop variable is
/// Var(index_type(), name).
struct For : StmtNode<For> {
  std::string name;
  Expr min, extent;
  ForKind for_kind = ForKind::Serial;
  Stmt body;
  static Stmt make(const std::string& name, Expr min, Expr extent, ForKind kind, Stmt body);
  static constexpr IRKind kind_ = IRKind::For;
};

/// `if (condition) then_case else else_case`; else_case may be undefined.
struct IfThenElse : StmtNode<IfThenElse> {
  Expr condition;
  Stmt then_case, else_case;
  static Stmt make(Expr condition, Stmt then_case, Stmt else_case = Stmt());
  static constexpr IRKind kind_ = IRKind::IfThenElse;
};

/// Statements run in order.
struct Block : StmtNode<Block> {
  std::vector<Stmt> stmts;
  /// Flattens nested blocks and drops undefined statements; returns the
  /// single statement when only one remains.
  static Stmt make(std::vector<Stmt> stmts);
  static constexpr IRKind kind_ = IRKind::Block;
};

/// buffer[index] = value after flattening; vector index and value store
/// lanes at once.
struct Store : StmtNode<Store> {
  std::string buffer;
  Expr value, index;
  static Stmt make(const std::string& buffer, Expr value, Expr index);
  static constexpr IRKind kind_ = IRKind::Store;
};

/// op[indices...] = value before flattening.
struct TensorStore : StmtNode<TensorStore> {
  OpRef op;
  std::vector<Expr> indices;
  Expr value;
  static Stmt make(OpRef op, std::vector<Expr> indices, Expr value);
  static constexpr IRKind kind_ = IRKind::TensorStore;
};

/// Where an allocation lives.
enum class MemoryScope : uint8_t {
  Auto,   ///< stack when small and of constant size, heap otherwise
  Stack,
  Heap,     ///< for CUDA: global memory
  Shared,   ///< CUDA shared memory: one copy per block
  Local,    ///< CUDA registers/local memory: one copy per thread
};

/// The storage of an intermediate tensor covering `bounds` (absolute
/// coordinates), live in body. Flattening turns it into an Allocate and
/// rebases the indices of its loads and stores onto bounds' minimums.
struct Realize : StmtNode<Realize> {
  OpRef op;
  std::vector<Range> bounds;
  MemoryScope scope = MemoryScope::Auto;
  Stmt body;
  static Stmt make(OpRef op, std::vector<Range> bounds, MemoryScope scope, Stmt body);
  static constexpr IRKind kind_ = IRKind::Realize;
};

/// A flat buffer of product(extents) elements of type, live in body.
struct Allocate : StmtNode<Allocate> {
  std::string buffer;
  Type type;
  std::vector<Expr> extents;
  MemoryScope scope = MemoryScope::Auto;
  Stmt body;
  static Stmt make(const std::string& buffer, Type type, std::vector<Expr> extents,
                   MemoryScope scope, Stmt body);
  static constexpr IRKind kind_ = IRKind::Allocate;
};

/// Evaluates an expression for its effect (none today; kept for
/// completeness of the statement language and as a no-op placeholder).
struct Evaluate : StmtNode<Evaluate> {
  Expr value;
  static Stmt make(Expr value);
  static constexpr IRKind kind_ = IRKind::Evaluate;
};

// ----------------------------------------------------------------- helpers

/// An index_type() constant.
Expr make_index(int64_t v);
/// A constant of type t (broadcast when t is a vector type).
Expr make_const(Type t, int64_t v);
Expr make_const(Type t, double v);
Expr make_zero(Type t);
Expr make_one(Type t);
/// A Var of index_type().
Expr make_var(const std::string& name);
/// The constant value of an integer immediate (or Broadcast of one).
bool as_const_int(const Expr& e, int64_t* value);
bool is_const(const Expr& e, int64_t value);
/// The bool constants.
Expr const_true(int lanes = 1);
Expr const_false(int lanes = 1);

}  // namespace kiln
