// Node factories. Each checks the typing rules stated in ir.h; a violation
// is a bug in whoever built the node (the DSL front end reports user
// mistakes before reaching here), so it is an internal error.
#include "dsl/ir.h"

#include <cmath>
#include <limits>

#include "dsl/compute.h"
#include "base/error.h"

namespace kiln {

namespace {
template <typename T>
std::shared_ptr<T> new_node(Type t) {
  return std::make_shared<T>(t);
}
template <typename T>
std::shared_ptr<T> new_stmt() {
  return std::make_shared<T>();
}
}  // namespace

const char* ir_kind_name(IRKind k) {
  switch (k) {
#define KILN_NAME(N) \
  case IRKind::N:    \
    return #N;
    KILN_FOR_EACH_EXPR_NODE(KILN_NAME)
    KILN_FOR_EACH_STMT_NODE(KILN_NAME)
#undef KILN_NAME
  }
  return "?";
}

const char* intrinsic_name(Intrinsic op) {
  switch (op) {
    case Intrinsic::Exp: return "exp";
    case Intrinsic::Log: return "log";
    case Intrinsic::Sqrt: return "sqrt";
    case Intrinsic::Rsqrt: return "rsqrt";
    case Intrinsic::Tanh: return "tanh";
    case Intrinsic::Erf: return "erf";
    case Intrinsic::Pow: return "pow";
    case Intrinsic::Abs: return "abs";
    case Intrinsic::Floor: return "floor";
    case Intrinsic::Ceil: return "ceil";
    case Intrinsic::Fma: return "fma";
    case Intrinsic::Likely: return "likely";
    case Intrinsic::GPUBarrier: return "gpu_barrier";
    case Intrinsic::Prefetch: return "prefetch";
  }
  return "?";
}

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Prod: return "prod";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
  }
  return "?";
}

const char* for_kind_name(ForKind k) {
  switch (k) {
    case ForKind::Serial: return "for";
    case ForKind::Parallel: return "parallel";
    case ForKind::Vectorized: return "vectorized";
    case ForKind::Unrolled: return "unrolled";
    case ForKind::GPUBlockX: return "blockIdx.x";
    case ForKind::GPUBlockY: return "blockIdx.y";
    case ForKind::GPUBlockZ: return "blockIdx.z";
    case ForKind::GPUThreadX: return "threadIdx.x";
    case ForKind::GPUThreadY: return "threadIdx.y";
    case ForKind::GPUThreadZ: return "threadIdx.z";
  }
  return "?";
}

bool is_gpu_block(ForKind k) {
  return k == ForKind::GPUBlockX || k == ForKind::GPUBlockY || k == ForKind::GPUBlockZ;
}

bool is_gpu_thread(ForKind k) {
  return k == ForKind::GPUThreadX || k == ForKind::GPUThreadY || k == ForKind::GPUThreadZ;
}

int gpu_dim(ForKind k) {
  switch (k) {
    case ForKind::GPUBlockX: case ForKind::GPUThreadX: return 0;
    case ForKind::GPUBlockY: case ForKind::GPUThreadY: return 1;
    case ForKind::GPUBlockZ: case ForKind::GPUThreadZ: return 2;
    case ForKind::Serial: case ForKind::Parallel: case ForKind::Vectorized: case ForKind::Unrolled:
      return -1;
  }
  return -1;
}

const std::string& IterVar::name() const {
  const Var* v = var.as<Var>();
  internal_assert(v) << "IterVar without a Var";
  return v->name;
}

Expr::Expr(int v) : Expr(IntImm::make(i32(), v)) {}
Expr::Expr(int64_t v) : Expr(IntImm::make(i64(), v)) {}
Expr::Expr(float v) : Expr(FloatImm::make(f32(), v)) {}
Expr::Expr(double v) : Expr(FloatImm::make(f64(), v)) {}

Expr IntImm::make(Type t, int64_t value) {
  internal_assert(t.is_scalar() && (t.is_int_or_uint() || t.is_bool()))
      << "IntImm of type " << t.str();
  // Wrap to the type's width so constants are canonical.
  if (t.is_bool()) {
    value = value != 0;
  } else if (t.bits < 64) {
    int shift = 64 - t.bits;
    uint64_t u = static_cast<uint64_t>(value) << shift;
    value = t.is_int() ? static_cast<int64_t>(u) >> shift : static_cast<int64_t>(u >> shift);
  }
  auto n = new_node<IntImm>(t);
  n->value = value;
  return Expr(n);
}

Expr FloatImm::make(Type t, double value) {
  internal_assert(t.is_scalar() && t.is_float()) << "FloatImm of type " << t.str();
  auto n = new_node<FloatImm>(t);
  n->value = t.bits == 32 ? static_cast<double>(static_cast<float>(value)) : value;
  return Expr(n);
}

Expr Var::make(Type t, const std::string& name) {
  internal_assert(!name.empty()) << "Var without a name";
  auto n = new_node<Var>(t);
  n->name = name;
  return Expr(n);
}

Expr Cast::make(Type t, Expr value) {
  internal_assert(value.defined()) << "Cast of an undefined Expr";
  internal_assert(t.lanes == value.type().lanes)
      << "Cast from " << value.type().str() << " to " << t.str() << " changes lanes";
  if (value.type() == t) return value;
  auto n = new_node<Cast>(t);
  n->value = std::move(value);
  return Expr(n);
}

namespace {
void check_binary(const char* name, const Expr& a, const Expr& b) {
  internal_assert(a.defined() && b.defined()) << name << " of an undefined Expr";
  internal_assert(a.type() == b.type())
      << name << " of mismatched types " << a.type().str() << " and " << b.type().str();
}
template <typename T>
Expr make_binary(const char* name, Expr a, Expr b, bool logic, bool compare) {
  check_binary(name, a, b);
  if (logic) {
    internal_assert(a.type().is_bool()) << name << " of non-bool " << a.type().str();
  }
  Type t = compare || logic ? boolean().with_lanes(a.type().lanes) : a.type();
  auto n = new_node<T>(t);
  n->a = std::move(a);
  n->b = std::move(b);
  return Expr(n);
}
}  // namespace

#define KILN_MAKE_BINARY(N, logic, compare) \
  Expr N::make(Expr a, Expr b) { return make_binary<N>(#N, std::move(a), std::move(b), logic, compare); }
KILN_MAKE_BINARY(Add, false, false)
KILN_MAKE_BINARY(Sub, false, false)
KILN_MAKE_BINARY(Mul, false, false)
KILN_MAKE_BINARY(Div, false, false)
KILN_MAKE_BINARY(Mod, false, false)
KILN_MAKE_BINARY(Min, false, false)
KILN_MAKE_BINARY(Max, false, false)
KILN_MAKE_BINARY(EQ, false, true)
KILN_MAKE_BINARY(NE, false, true)
KILN_MAKE_BINARY(LT, false, true)
KILN_MAKE_BINARY(LE, false, true)
KILN_MAKE_BINARY(GT, false, true)
KILN_MAKE_BINARY(GE, false, true)
KILN_MAKE_BINARY(And, true, false)
KILN_MAKE_BINARY(Or, true, false)
#undef KILN_MAKE_BINARY

Expr Not::make(Expr a) {
  internal_assert(a.defined() && a.type().is_bool()) << "Not of a non-bool";
  auto n = new_node<Not>(a.type());
  n->a = std::move(a);
  return Expr(n);
}

Expr Select::make(Expr c, Expr t, Expr f) {
  internal_assert(c.defined() && t.defined() && f.defined()) << "Select of an undefined Expr";
  internal_assert(c.type().is_bool()) << "Select condition of type " << c.type().str();
  internal_assert(t.type() == f.type())
      << "Select arms of types " << t.type().str() << " and " << f.type().str();
  internal_assert(c.type().lanes == 1 || c.type().lanes == t.type().lanes)
      << "Select condition lanes " << c.type().lanes << " vs value lanes " << t.type().lanes;
  auto n = new_node<Select>(t.type());
  n->condition = std::move(c);
  n->true_value = std::move(t);
  n->false_value = std::move(f);
  return Expr(n);
}

Expr Call::make(Type t, Intrinsic op, std::vector<Expr> args) {
  size_t want = op == Intrinsic::Fma ? 3 : op == Intrinsic::Pow ? 2 : op == Intrinsic::GPUBarrier ? 0 : 1;
  internal_assert(args.size() == want)
      << intrinsic_name(op) << " takes " << want << " arguments, got " << args.size();
  for (const Expr& a : args) internal_assert(a.defined()) << intrinsic_name(op) << " of undefined";
  auto n = new_node<Call>(t);
  n->op = op;
  n->args = std::move(args);
  return Expr(n);
}

Expr Let::make(const std::string& name, Expr value, Expr body) {
  internal_assert(value.defined() && body.defined()) << "Let of an undefined Expr";
  auto n = new_node<Let>(body.type());
  n->name = name;
  n->value = std::move(value);
  n->body = std::move(body);
  return Expr(n);
}

Expr Ramp::make(Expr base, Expr stride, int lanes) {
  internal_assert(base.defined() && stride.defined()) << "Ramp of an undefined Expr";
  internal_assert(base.type().is_scalar() && base.type() == stride.type())
      << "Ramp base " << base.type().str() << " stride " << stride.type().str();
  internal_assert(lanes > 1) << "Ramp of " << lanes << " lanes";
  auto n = new_node<Ramp>(base.type().with_lanes(lanes));
  n->base = std::move(base);
  n->stride = std::move(stride);
  n->lanes = lanes;
  return Expr(n);
}

Expr Broadcast::make(Expr value, int lanes) {
  internal_assert(value.defined() && value.type().is_scalar()) << "Broadcast of a non-scalar";
  internal_assert(lanes > 1) << "Broadcast of " << lanes << " lanes";
  auto n = new_node<Broadcast>(value.type().with_lanes(lanes));
  n->value = std::move(value);
  n->lanes = lanes;
  return Expr(n);
}

Expr Load::make(Type t, const std::string& buffer, Expr index) {
  internal_assert(index.defined() && index.type().element_of() == index_type())
      << "Load index must be i64, got " << (index.defined() ? index.type().str() : "undefined");
  internal_assert(t.lanes == index.type().lanes) << "Load of " << t.str() << " with index lanes "
                                                 << index.type().lanes;
  auto n = new_node<Load>(t);
  n->buffer = buffer;
  n->index = std::move(index);
  return Expr(n);
}

Expr TensorLoad::make(OpRef op, std::vector<Expr> indices) {
  internal_assert(op) << "TensorLoad of a null op";
  internal_assert(indices.size() == op->shape.size())
      << "TensorLoad of " << op->name << " with " << indices.size() << " indices, rank "
      << op->shape.size();
  for (const Expr& i : indices)
    internal_assert(i.defined() && i.type() == index_type()) << "TensorLoad index not i64";
  auto n = new_node<TensorLoad>(op->dtype);
  n->op = std::move(op);
  n->indices = std::move(indices);
  return Expr(n);
}

Expr Reduce::make(ReduceOp op, Expr source, std::vector<IterVar> axes, Expr condition) {
  internal_assert(source.defined()) << "Reduce of an undefined source";
  internal_assert(!axes.empty()) << "Reduce over no axes";
  internal_assert(!condition.defined() || condition.type().is_bool()) << "Reduce condition not bool";
  auto n = new_node<Reduce>(source.type());
  n->op = op;
  n->source = std::move(source);
  n->axes = std::move(axes);
  n->condition = std::move(condition);
  return Expr(n);
}

Expr reduce_identity(ReduceOp op, Type t) {
  switch (op) {
    case ReduceOp::Sum: return make_zero(t);
    case ReduceOp::Prod: return make_one(t);
    case ReduceOp::Max:
    case ReduceOp::Min: {
      bool lowest = op == ReduceOp::Max;
      if (t.is_float()) {
        double inf = std::numeric_limits<double>::infinity();
        return make_const(t, lowest ? -inf : inf);
      }
      if (t.is_bool()) return make_const(t, int64_t(lowest ? 0 : 1));
      if (t.is_uint()) {
        int64_t hi = t.bits == 64 ? -1 : static_cast<int64_t>((uint64_t(1) << t.bits) - 1);
        return make_const(t, lowest ? int64_t(0) : hi);
      }
      int64_t hi = t.bits == 64 ? std::numeric_limits<int64_t>::max()
                                : (int64_t(1) << (t.bits - 1)) - 1;
      return make_const(t, lowest ? -hi - 1 : hi);
    }
  }
  return Expr();
}

Expr reduce_combine(ReduceOp op, Expr acc, Expr v) {
  switch (op) {
    case ReduceOp::Sum: return Add::make(acc, v);
    case ReduceOp::Prod: return Mul::make(acc, v);
    case ReduceOp::Max: return Max::make(acc, v);
    case ReduceOp::Min: return Min::make(acc, v);
  }
  return Expr();
}

Stmt LetStmt::make(const std::string& name, Expr value, Stmt body) {
  internal_assert(value.defined() && body.defined()) << "LetStmt of undefined";
  auto n = new_stmt<LetStmt>();
  n->name = name;
  n->value = std::move(value);
  n->body = std::move(body);
  return Stmt(n);
}

Stmt For::make(const std::string& name, Expr min, Expr extent, ForKind kind, Stmt body) {
  internal_assert(min.defined() && extent.defined() && body.defined()) << "For of undefined";
  internal_assert(min.type() == index_type() && extent.type() == index_type())
      << "For " << name << " bounds must be i64";
  auto n = new_stmt<For>();
  n->name = name;
  n->min = std::move(min);
  n->extent = std::move(extent);
  n->for_kind = kind;
  n->body = std::move(body);
  return Stmt(n);
}

Stmt IfThenElse::make(Expr condition, Stmt then_case, Stmt else_case) {
  internal_assert(condition.defined() && condition.type() == boolean())
      << "IfThenElse condition must be a scalar bool";
  internal_assert(then_case.defined()) << "IfThenElse without a then case";
  auto n = new_stmt<IfThenElse>();
  n->condition = std::move(condition);
  n->then_case = std::move(then_case);
  n->else_case = std::move(else_case);
  return Stmt(n);
}

Stmt Block::make(std::vector<Stmt> stmts) {
  std::vector<Stmt> flat;
  for (Stmt& s : stmts) {
    if (!s.defined()) continue;
    if (const Block* b = s.as<Block>()) {
      flat.insert(flat.end(), b->stmts.begin(), b->stmts.end());
    } else {
      flat.push_back(std::move(s));
    }
  }
  if (flat.empty()) return Evaluate::make(make_zero(i32()));
  if (flat.size() == 1) return flat[0];
  auto n = new_stmt<Block>();
  n->stmts = std::move(flat);
  return Stmt(n);
}

Stmt Store::make(const std::string& buffer, Expr value, Expr index) {
  internal_assert(value.defined() && index.defined()) << "Store of undefined";
  internal_assert(index.type().element_of() == index_type()) << "Store index must be i64";
  internal_assert(value.type().lanes == index.type().lanes)
      << "Store of " << value.type().str() << " at index lanes " << index.type().lanes;
  auto n = new_stmt<Store>();
  n->buffer = buffer;
  n->value = std::move(value);
  n->index = std::move(index);
  return Stmt(n);
}

Stmt TensorStore::make(OpRef op, std::vector<Expr> indices, Expr value) {
  internal_assert(op && value.defined()) << "TensorStore of undefined";
  internal_assert(indices.size() == op->shape.size()) << "TensorStore rank mismatch on " << op->name;
  internal_assert(value.type().element_of() == op->dtype)
      << "TensorStore of " << value.type().str() << " into " << op->name << " of "
      << op->dtype.str();
  auto n = new_stmt<TensorStore>();
  n->op = std::move(op);
  n->indices = std::move(indices);
  n->value = std::move(value);
  return Stmt(n);
}

Stmt Realize::make(OpRef op, std::vector<Range> bounds, MemoryScope scope, Stmt body) {
  internal_assert(op && body.defined()) << "Realize of undefined";
  internal_assert(bounds.size() == op->shape.size()) << "Realize rank mismatch on " << op->name;
  auto n = new_stmt<Realize>();
  n->op = std::move(op);
  n->bounds = std::move(bounds);
  n->scope = scope;
  n->body = std::move(body);
  return Stmt(n);
}

Stmt Allocate::make(const std::string& buffer, Type type, std::vector<Expr> extents,
                    MemoryScope scope, Stmt body) {
  internal_assert(body.defined()) << "Allocate without a body";
  auto n = new_stmt<Allocate>();
  n->buffer = buffer;
  n->type = type;
  n->extents = std::move(extents);
  n->scope = scope;
  n->body = std::move(body);
  return Stmt(n);
}

Stmt Evaluate::make(Expr value) {
  internal_assert(value.defined()) << "Evaluate of undefined";
  auto n = new_stmt<Evaluate>();
  n->value = std::move(value);
  return Stmt(n);
}

Expr make_index(int64_t v) { return IntImm::make(index_type(), v); }

Expr make_const(Type t, int64_t v) {
  Type e = t.element_of();
  Expr c = e.is_float() ? FloatImm::make(e, static_cast<double>(v)) : IntImm::make(e, v);
  return t.lanes > 1 ? Broadcast::make(c, t.lanes) : c;
}

Expr make_const(Type t, double v) {
  Type e = t.element_of();
  Expr c = e.is_float() ? FloatImm::make(e, v) : IntImm::make(e, static_cast<int64_t>(v));
  return t.lanes > 1 ? Broadcast::make(c, t.lanes) : c;
}

Expr make_zero(Type t) { return make_const(t, int64_t(0)); }
Expr make_one(Type t) { return make_const(t, int64_t(1)); }
Expr make_var(const std::string& name) { return Var::make(index_type(), name); }

bool as_const_int(const Expr& e, int64_t* value) {
  if (const IntImm* i = e.as<IntImm>()) {
    *value = i->value;
    return true;
  }
  if (const Broadcast* b = e.as<Broadcast>()) return as_const_int(b->value, value);
  return false;
}

bool is_const(const Expr& e, int64_t value) {
  int64_t v;
  if (as_const_int(e, &v)) return v == value;
  if (const FloatImm* f = e.as<FloatImm>()) return f->value == static_cast<double>(value);
  return false;
}

Expr const_true(int lanes) { return make_const(boolean().with_lanes(lanes), int64_t(1)); }
Expr const_false(int lanes) { return make_const(boolean().with_lanes(lanes), int64_t(0)); }

}  // namespace kiln
