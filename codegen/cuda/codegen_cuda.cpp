// CUDA C source for the kernels of a GpuProgram.
//
// Values of f16 and bf16 type are floats in the source (kiln's 16-bit
// types are storage types): loads widen, stores and casts round. Integer
// division and modulo are floor operations (kiln's semantics), a shift or
// a mask when the divisor is a power of two. Vector code from
// vectorize_loops is printed lane by lane, except that a contiguous run of
// 2 or 4 floats in global or shared memory moves as one float2/float4 when
// its address is aligned (tested at run time: the row stride of a symbolic
// size is not known here); local arrays are never reinterpreted, so they
// stay in registers.
//
// Loop variables bound to blockIdx/threadIdx and loops of constant extent
// are `int`; other indices are `long long`. Buffers must hold fewer than
// 2^31 elements (the runtime checks).
#include "codegen/cuda/codegen_cuda.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "base/error.h"
#include "dsl/ir_printer.h"
#include "dsl/ir_operators.h"
#include "dsl/ir_visitor.h"
#include "dsl/simplify.h"

namespace kiln {
namespace {

/// The C type a buffer element is stored as.
std::string storage_type(Type t) {
  if (t.is_bool()) return "bool";
  if (t.is_bfloat()) return "__nv_bfloat16";
  if (t.is_float()) return t.bits == 16 ? "__half" : t.bits == 32 ? "float" : "double";
  const char* base = t.bits == 8 ? "char" : t.bits == 16 ? "short" : t.bits == 32 ? "int" : "long long";
  return std::string(t.is_uint() ? "unsigned " : (t.bits == 8 ? "signed " : "")) + base;
}

/// The C type values of t are computed in (16-bit floats: float).
std::string value_type(Type t) {
  t = t.element_of();
  return t.is_half_storage() ? "float" : storage_type(t);
}

bool is_power_of_two(int64_t v, int* log2) {
  if (v <= 0 || (v & (v - 1)) != 0) return false;
  *log2 = 0;
  while ((int64_t(1) << *log2) != v) ++*log2;
  return true;
}

const char* const kLaneNames[4] = {"x", "y", "z", "w"};

/// One lane of a vector index expression as a scalar expression, so it can
/// be simplified before printing (ramps of floor divisions and modulos
/// fold to plain offsets lane by lane).
class LaneOf : public IRMutator {
 public:
  explicit LaneOf(int lane) : lane_(lane) {}

 protected:
  using IRMutator::visit;
  Expr visit(const Ramp* op, const Expr&) override {
    return mutate(op->base) + mutate(op->stride) * make_const(op->base.type(), int64_t(lane_));
  }
  Expr visit(const Broadcast* op, const Expr&) override { return mutate(op->value); }
  Expr visit(const Var* op, const Expr& e) override {
    if (op->type.is_scalar()) return e;
    return Var::make(op->type.element_of(), op->name + "_l" + std::to_string(lane_));
  }
  Expr visit(const Cast* op, const Expr&) override {
    return Cast::make(op->type.element_of(), mutate(op->value));
  }
  Expr visit(const Load* op, const Expr&) override {
    return Load::make(op->type.element_of(), op->buffer, mutate(op->index));
  }

 private:
  int lane_;
};

/// Lane `lane` of an integer index, simplified.
Expr index_lane(const Expr& index, int lane) {
  if (index.type().is_scalar()) return index;
  return simplify(LaneOf(lane).mutate(index));
}

class KernelPrinter {
 public:
  KernelPrinter(const GpuProgram& p, const GpuKernel& k) : kernel_(k) {
    for (const BufferArg& a : p.func.args) buffer_type_[a.name] = a.type;
    for (const GpuTemp& t : p.temps) buffer_type_[t.name] = t.type;
  }

  std::string print() {
    std::ostringstream head;
    head << "extern \"C\" __global__ void __launch_bounds__(" << kernel_.threads() << ")\n"
         << kernel_.name << "(";
    bool first = true;
    for (const std::string& b : kernel_.buffers) {
      bool written = std::count(kernel_.written.begin(), kernel_.written.end(), b) > 0;
      head << (first ? "" : ", ") << (written ? "" : "const ") << storage_type(buffer_type_.at(b))
           << "* __restrict__ " << id(b);
      first = false;
    }
    for (const std::string& v : kernel_.size_vars) {
      head << (first ? "" : ", ") << "const long long " << id(v);
      first = false;
    }
    head << ") {\n";
    indent_ = 1;
    stmt(kernel_.body);
    return head.str() + os_.str() + "}\n";
  }

 private:
  // ------------------------------------------------------------ names

  /// A C identifier for an IR name ("C.i.o" -> "C_i_o"), unique in the kernel.
  std::string id(const std::string& name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    std::string s;
    for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) || reserved(s)) s = "v_" + s;
    std::string unique = s;
    for (int n = 1; taken_.count(unique); ++n) unique = s + "_" + std::to_string(n);
    taken_.insert(unique);
    return ids_[name] = unique;
  }

  static bool reserved(const std::string& s) {
    static const std::set<std::string> words = {
        "int", "float", "double", "char", "short", "long", "bool", "void", "const", "if", "else",
        "for", "while", "do", "return", "auto", "signed", "unsigned", "min", "max", "threadIdx",
        "blockIdx", "blockDim", "gridDim", "half", "float4", "float2", "new", "delete", "this",
        "true", "false", "struct", "class", "union", "static", "register", "default", "switch",
        "case", "break", "continue", "goto", "sizeof", "template", "typename", "namespace"};
    return words.count(s) > 0 || s.compare(0, 5, "kiln_") == 0 || s.compare(0, 2, "__") == 0;
  }

  void line(const std::string& s) { os_ << std::string(2 * indent_, ' ') << s << "\n"; }

  // ------------------------------------------------------------ expressions

  std::string int_literal(Type t, int64_t v, bool force_ll = false) {
    if (t.is_bool()) return v ? "true" : "false";
    if (t.is_uint() && t.bits == 64) return std::to_string(static_cast<uint64_t>(v)) + "ULL";
    if (t.bits == 64 && (force_ll || v >= 65536 || v <= -65536)) return std::to_string(v) + "LL";
    return v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v);
  }

  std::string float_literal(Type t, double v) {
    const bool f64 = t.bits == 64;
    if (std::isnan(v)) return f64 ? "__longlong_as_double(0x7ff8000000000000LL)" : "__int_as_float(0x7fffffff)";
    if (std::isinf(v)) {
      if (f64) return v > 0 ? "__longlong_as_double(0x7ff0000000000000LL)" : "__longlong_as_double(0xfff0000000000000LL)";
      return v > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float(0xff800000)";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, f64 ? "%.17g" : "%.9g", v);
    std::string s = buf;
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    if (!f64) s += "f";
    return v < 0 ? "(" + s + ")" : s;
  }

  /// An operand of min/max: 64-bit literals get a suffix so the overload
  /// is not ambiguous.
  std::string minmax_operand(const Expr& e, int lane) {
    if (const IntImm* i = e.as<IntImm>()) return int_literal(e.type(), i->value, true);
    // Index variables are int in the source; i64 operands are widened so
    // both sides have one type.
    if (e.type().element_of().bits == 64) return "(long long)" + expr(e, lane);
    return expr(e, lane);
  }

  std::string load(const Load* op, int lane) {
    if (op->type.is_vector()) {
      internal_assert(lane >= 0) << "vector load of " << op->buffer << " in scalar context";
      auto h = hoisted_.find(op);
      if (h != hoisted_.end()) return h->second + "." + kLaneNames[lane];
    }
    std::string read = id(op->buffer) + "[" + expr(index_lane(op->index, lane < 0 ? 0 : lane)) + "]";
    Type t = op->type.element_of();
    if (t.is_bfloat()) return "__bfloat162float(" + read + ")";
    if (t.is_half_storage()) return "__half2float(" + read + ")";
    return read;
  }

  std::string cast(const Cast* op, int lane) {
    Type to = op->type.element_of(), from = op->value.type().element_of();
    std::string v = expr(op->value, lane);
    if (to.is_bfloat()) return "__bfloat162float(__float2bfloat16_rn((float)(" + v + ")))";
    if (to.is_half_storage()) return "__half2float(__float2half_rn((float)(" + v + ")))";
    if (to.is_bool()) return "((" + v + ") != 0)";
    if (value_type(to) == value_type(from)) return v;
    return "((" + value_type(to) + ")(" + v + "))";
  }

  std::string call(const Call* op, int lane) {
    std::vector<std::string> a;
    for (const Expr& x : op->args) a.push_back(expr(x, lane));
    Type t = op->type.element_of();
    const bool f64 = t.is_float() && t.bits == 64;
    auto f = [&](const char* name32, const char* name64) {
      std::string s = std::string(f64 ? name64 : name32) + "(";
      for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + a[i];
      return s + ")";
    };
    switch (op->op) {
      case Intrinsic::Exp: return f("__expf", "exp");
      case Intrinsic::Log: return f("__logf", "log");
      case Intrinsic::Sqrt: return f("sqrtf", "sqrt");
      case Intrinsic::Rsqrt: return f("rsqrtf", "rsqrt");
      case Intrinsic::Tanh: return f("tanhf", "tanh");
      case Intrinsic::Erf: return f("erff", "erf");
      case Intrinsic::Pow: return f("__powf", "pow");
      case Intrinsic::Floor: return f("floorf", "floor");
      case Intrinsic::Ceil: return f("ceilf", "ceil");
      case Intrinsic::Fma: return f("fmaf", "fma");
      case Intrinsic::Abs:
        if (t.is_float()) return f("fabsf", "fabs");
        if (t.is_uint() || t.is_bool()) return a[0];
        return (t.bits == 64 ? "llabs(" : "abs(") + a[0] + ")";
      case Intrinsic::Likely: return a[0];
      case Intrinsic::GPUBarrier: break;
      case Intrinsic::Prefetch: break;
    }
    internal_error << "intrinsic " << intrinsic_name(op->op) << " in an expression";
    return "";
  }

  std::string div_mod(const Expr& a, const Expr& b, Type t, bool is_div, int lane) {
    std::string x = expr(a, lane), y = expr(b, lane);
    if (t.is_float()) {
      if (is_div) return "(" + x + " / " + y + ")";
      return std::string(t.bits == 64 ? "fmod(" : "fmodf(") + x + ", " + y + ")";
    }
    if (t.is_uint() || t.is_bool()) return "(" + x + (is_div ? " / " : " % ") + y + ")";
    int64_t c = 0;
    int k = 0;
    // Floor division by 2^k is an arithmetic shift; floor modulo a mask.
    if (as_const_int(b, &c) && is_power_of_two(c, &k)) {
      if (is_div) return k == 0 ? x : "(" + x + " >> " + std::to_string(k) + ")";
      return "(" + x + " & " + int_literal(t, c - 1) + ")";
    }
    std::string cast = "(" + value_type(t) + ")";
    return std::string(is_div ? "kiln_floordiv(" : "kiln_floormod(") + cast + x + ", " + cast + y + ")";
  }

  template <typename T>
  std::string binary(const T* op, const char* sym, int lane) {
    return "(" + expr(op->a, lane) + " " + sym + " " + expr(op->b, lane) + ")";
  }

  std::string minmax(const Expr& a, const Expr& b, Type t, bool is_min, int lane) {
    if (t.is_float()) {
      const char* f = t.bits == 64 ? (is_min ? "fmin(" : "fmax(") : (is_min ? "fminf(" : "fmaxf(");
      return f + expr(a, lane) + ", " + expr(b, lane) + ")";
    }
    return std::string(is_min ? "min(" : "max(") + minmax_operand(a, lane) + ", " +
           minmax_operand(b, lane) + ")";
  }

  /// e printed as a scalar; lane >= 0 selects one lane of a vector e.
  std::string expr(const Expr& e, int lane = -1) {
    internal_assert(e.defined()) << "undefined expression in a CUDA kernel";
    const Type t = e.type();
    if (t.is_scalar()) lane = lane < 0 ? -1 : lane;
    switch (e->kind) {
      case IRKind::IntImm: return int_literal(t, e.as<IntImm>()->value);
      case IRKind::FloatImm: return float_literal(t, e.as<FloatImm>()->value);
      case IRKind::Var: {
        const std::string& n = e.as<Var>()->name;
        return t.is_vector() ? id(n) + "_l" + std::to_string(lane) : id(n);
      }
      case IRKind::Cast: return cast(e.as<Cast>(), lane);
      case IRKind::Add: return binary(e.as<Add>(), "+", lane);
      case IRKind::Sub: return binary(e.as<Sub>(), "-", lane);
      case IRKind::Mul: return binary(e.as<Mul>(), "*", lane);
      case IRKind::Div: return div_mod(e.as<Div>()->a, e.as<Div>()->b, t.element_of(), true, lane);
      case IRKind::Mod: return div_mod(e.as<Mod>()->a, e.as<Mod>()->b, t.element_of(), false, lane);
      case IRKind::Min: return minmax(e.as<Min>()->a, e.as<Min>()->b, t.element_of(), true, lane);
      case IRKind::Max: return minmax(e.as<Max>()->a, e.as<Max>()->b, t.element_of(), false, lane);
      case IRKind::EQ: return binary(e.as<EQ>(), "==", lane);
      case IRKind::NE: return binary(e.as<NE>(), "!=", lane);
      case IRKind::LT: return binary(e.as<LT>(), "<", lane);
      case IRKind::LE: return binary(e.as<LE>(), "<=", lane);
      case IRKind::GT: return binary(e.as<GT>(), ">", lane);
      case IRKind::GE: return binary(e.as<GE>(), ">=", lane);
      case IRKind::And: return binary(e.as<And>(), "&&", lane);
      case IRKind::Or: return binary(e.as<Or>(), "||", lane);
      case IRKind::Not: return "!(" + expr(e.as<Not>()->a, lane) + ")";
      case IRKind::Select: {
        const Select* s = e.as<Select>();
        return "(" + expr(s->condition, lane) + " ? " + expr(s->true_value, lane) + " : " +
               expr(s->false_value, lane) + ")";
      }
      case IRKind::Call: return call(e.as<Call>(), lane);
      case IRKind::Let: {
        const Let* l = e.as<Let>();
        std::string name = l->value.type().is_vector() ? id(l->name) + "_l" + std::to_string(lane) : id(l->name);
        return "([&] { const " + value_type(l->value.type()) + " " + name + " = " +
               expr(l->value, lane) + "; return " + expr(l->body, lane) + "; }())";
      }
      case IRKind::Ramp: {
        const Ramp* r = e.as<Ramp>();
        internal_assert(lane >= 0) << "ramp in scalar context";
        if (lane == 0) return expr(r->base);
        int64_t stride = 0;
        if (as_const_int(r->stride, &stride))
          return "(" + expr(r->base) + " + " + int_literal(r->base.type(), stride * lane) + ")";
        return "(" + expr(r->base) + " + " + expr(r->stride) + " * " + std::to_string(lane) + ")";
      }
      case IRKind::Broadcast: return expr(e.as<Broadcast>()->value);
      case IRKind::Load: return load(e.as<Load>(), lane);
      // Lowering removes these (flatten_storage, build_loop_nests).
      case IRKind::TensorLoad:
      case IRKind::Reduce:
        internal_error << ir_kind_name(e->kind) << " reached the CUDA code generator; lowering must remove it";
        return "";
      // No `default:`: a new expression kind must be handled above (the
      // build turns -Wswitch into an error here). Statement kinds cannot
      // be an Expr's kind.
#define KILN_STMT_CASE(N) case IRKind::N:
      KILN_FOR_EACH_STMT_NODE(KILN_STMT_CASE)
#undef KILN_STMT_CASE
        break;
    }
    internal_error << "statement kind " << ir_kind_name(e->kind) << " in an expression";
    return "";
  }

  // ------------------------------------------------------------ statements

  bool is_local(const std::string& buffer) const { return local_.count(buffer) > 0; }

  /// The float2/float4 type moving `lanes` floats at once, or "".
  static std::string packed_type(Type t) {
    if (!(t.is_float() && !t.is_bfloat() && t.bits == 32)) return "";
    return t.lanes == 4 ? "float4" : t.lanes == 2 ? "float2" : "";
  }

  bool contiguous(const Expr& index) const {
    const Ramp* r = index.as<Ramp>();
    return r && is_const(r->stride, 1);
  }

  /// Hoists the packable vector loads of a stored value into float2/float4
  /// temporaries.
  void hoist_loads(const Expr& value) {
    struct Finder : IRVisitor {
      std::vector<const Load*> loads;
      using IRVisitor::visit;
      void visit(const Load* op) override {
        loads.push_back(op);
        IRVisitor::visit(op);
      }
    } f;
    f.visit_expr(value);
    for (const Load* l : f.loads) {
      std::string packed = packed_type(l->type);
      if (packed.empty() || !contiguous(l->index) || is_local(l->buffer) || hoisted_.count(l)) continue;
      const int n = l->type.lanes;
      std::string name = "packed" + std::to_string(next_temp_++);
      std::string base = name + "_at";
      std::string buf = id(l->buffer);
      line("const long long " + base + " = " + expr(l->index.as<Ramp>()->base) + ";");
      line(packed + " " + name + ";");
      std::string scalar = name + " = make_" + packed + "(";
      for (int i = 0; i < n; ++i) scalar += (i ? ", " : "") + buf + "[" + base + (i ? " + " + std::to_string(i) : "") + "]";
      line("if (kiln_aligned(" + buf + " + " + base + ", " + std::to_string(4 * n) + ")) " + name +
           " = *reinterpret_cast<const " + packed + "*>(" + buf + " + " + base + "); else " + scalar + ");");
      hoisted_[l] = name;
    }
  }

  void store(const Store* op) {
    const Type t = op->value.type();
    const std::string buf = id(op->buffer);
    Type elem = buffer_type_.count(op->buffer) ? buffer_type_.at(op->buffer) : t.element_of();
    auto convert = [&](const std::string& v) {
      if (elem.is_bfloat()) return "__float2bfloat16_rn(" + v + ")";
      if (elem.is_half_storage()) return "__float2half_rn(" + v + ")";
      return v;
    };
    if (t.is_scalar()) {
      line(buf + "[" + expr(op->index) + "] = " + convert(expr(op->value)) + ";");
      return;
    }
    line("{");
    ++indent_;
    hoist_loads(op->value);
    const std::string packed = packed_type(t);
    if (!packed.empty() && contiguous(op->index) && !is_local(op->buffer)) {
      const int n = t.lanes;
      line("const long long store_at = " + expr(op->index.as<Ramp>()->base) + ";");
      std::string v = "const " + packed + " stored = make_" + packed + "(";
      for (int i = 0; i < n; ++i) v += (i ? ", " : "") + expr(op->value, i);
      line(v + ");");
      std::string scalar;
      for (int i = 0; i < n; ++i)
        scalar += " " + buf + "[store_at" + (i ? " + " + std::to_string(i) : "") + "] = stored." + kLaneNames[i] + ";";
      line("if (kiln_aligned(" + buf + " + store_at, " + std::to_string(4 * n) + ")) *reinterpret_cast<" +
           packed + "*>(" + buf + " + store_at) = stored; else {" + scalar + " }");
    } else {
      for (int i = 0; i < t.lanes; ++i)
        line(buf + "[" + expr(index_lane(op->index, i)) + "] = " + convert(expr(op->value, i)) + ";");
    }
    hoisted_.clear();
    --indent_;
    line("}");
  }

  void loop(const For* op) {
    const int dim = gpu_dim(op->for_kind);
    const std::string v = id(op->name);
    int64_t extent = 0;
    const bool constant = as_const_int(op->extent, &extent);
    if (dim >= 0) {
      const bool block = is_gpu_block(op->for_kind);
      std::string index = std::string(block ? "blockIdx." : "threadIdx.") + kLaneNames[dim];
      std::string min = is_const(op->min, 0) ? "" : expr(op->min) + " + ";
      // No braces: a bound loop is a name for the index, and each loop
      // name occurs once in a kernel.
      line("const int " + v + " = " + min + "(int)" + index + ";  // " + op->name);
      // A thread loop shorter than the block leaves the extra threads idle.
      const bool guard = !block && (!constant || extent < kernel_.block[dim]);
      if (guard) {
        line("if (" + v + " < " + (is_const(op->min, 0) ? "" : expr(op->min) + " + ") + expr(op->extent) + ") {");
        ++indent_;
      }
      stmt(op->body);
      if (guard) {
        --indent_;
        line("}");
      }
      return;
    }
    const bool small = constant && is_const(op->min, 0) && extent < (int64_t(1) << 31);
    const std::string type = small ? "int" : "long long";
    std::string end = is_const(op->min, 0) ? expr(op->extent) : expr(op->min) + " + " + expr(op->extent);
    line("for (" + type + " " + v + " = " + expr(op->min) + "; " + v + " < " + end + "; ++" + v + ") {");
    ++indent_;
    stmt(op->body);
    --indent_;
    line("}");
  }

  void allocate(const Allocate* op) {
    int64_t elements = 1;
    for (const Expr& e : op->extents) {
      int64_t c = 0;
      internal_assert(as_const_int(e, &c))
          << "allocation " << op->buffer << " of varying size in a kernel; check_gpu_launch must refuse it";
      elements *= c;
    }
    internal_assert(op->scope != MemoryScope::Heap)
        << "global allocation " << op->buffer << " inside a kernel; check_gpu_schedule must refuse it";
    buffer_type_[op->buffer] = op->type;
    const std::string decl = storage_type(op->type) + " " + id(op->buffer) + "[" + std::to_string(elements) + "];";
    if (op->scope == MemoryScope::Shared) {
      line("__shared__ __align__(16) " + decl);
    } else {
      local_.insert(op->buffer);
      line(decl);
    }
    stmt(op->body);
  }

  void stmt(const Stmt& s) {
    if (!s.defined()) return;
    switch (s->kind) {
      case IRKind::Block:
        for (const Stmt& c : s.as<Block>()->stmts) stmt(c);
        return;
      case IRKind::For: loop(s.as<For>()); return;
      case IRKind::Store: store(s.as<Store>()); return;
      case IRKind::Allocate: allocate(s.as<Allocate>()); return;
      case IRKind::IfThenElse: {
        const IfThenElse* i = s.as<IfThenElse>();
        line("if (" + expr(i->condition) + ") {");
        ++indent_;
        stmt(i->then_case);
        --indent_;
        if (i->else_case.defined()) {
          line("} else {");
          ++indent_;
          stmt(i->else_case);
          --indent_;
        }
        line("}");
        return;
      }
      case IRKind::LetStmt: {
        const LetStmt* l = s.as<LetStmt>();
        // Braces: unrolled copies of a body define the same names again.
        line("{");
        ++indent_;
        const Type t = l->value.type();
        if (t.is_vector()) {
          for (int i = 0; i < t.lanes; ++i)
            line("const " + value_type(t) + " " + id(l->name) + "_l" + std::to_string(i) + " = " + expr(l->value, i) + ";");
        } else {
          line("const " + value_type(t) + " " + id(l->name) + " = " + expr(l->value) + ";");
        }
        stmt(l->body);
        --indent_;
        line("}");
        return;
      }
      case IRKind::Evaluate: {
        const Call* c = s.as<Evaluate>()->value.as<Call>();
        if (c && c->op == Intrinsic::GPUBarrier) line("__syncthreads();");
        return;
      }
      // Lowering removes these (flatten_storage).
      case IRKind::TensorStore:
      case IRKind::Realize:
        internal_error << ir_kind_name(s->kind) << " reached the CUDA code generator; lowering must remove it";
        return;
      // No `default:`: a new statement kind must be handled above (the
      // build turns -Wswitch into an error here). Expression kinds cannot
      // be a Stmt's kind.
#define KILN_EXPR_CASE(N) case IRKind::N:
      KILN_FOR_EACH_EXPR_NODE(KILN_EXPR_CASE)
#undef KILN_EXPR_CASE
        break;
    }
    internal_error << "expression kind " << ir_kind_name(s->kind) << " in a statement";
  }

  const GpuKernel& kernel_;
  std::ostringstream os_;
  int indent_ = 0;
  std::map<std::string, std::string> ids_;
  std::set<std::string> taken_;
  std::map<std::string, Type> buffer_type_;
  std::set<std::string> local_;
  std::map<const Load*, std::string> hoisted_;
  int next_temp_ = 0;
};

bool uses_type(const GpuProgram& p, bool bf16) {
  struct Finder : IRVisitor {
    bool half = false, bfloat = false;
    using IRVisitor::visit;
    void note(Type t) {
      half |= t.is_half_storage() && !t.is_bfloat();
      bfloat |= t.is_bfloat();
    }
    void visit(const Load* op) override { note(op->type); IRVisitor::visit(op); }
    void visit(const Cast* op) override { note(op->type); IRVisitor::visit(op); }
    void visit(const Allocate* op) override { note(op->type); IRVisitor::visit(op); }
  } f;
  for (const BufferArg& a : p.func.args) f.note(a.type);
  for (const GpuTemp& t : p.temps) f.note(t.type);
  for (const GpuKernel& k : p.kernels) f.visit_stmt(k.body);
  return bf16 ? f.bfloat : f.half;
}

std::string to_string_grid(const GpuKernel& k) {
  return to_string(k.grid[0]) + ", " + to_string(k.grid[1]) + ", " + to_string(k.grid[2]);
}

const char* const kPrelude = R"(// Floor division and modulo (kiln's integer semantics; C++ truncates).
static __device__ __forceinline__ long long kiln_floordiv(long long a, long long b) {
  long long q = a / b;
  return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static __device__ __forceinline__ long long kiln_floormod(long long a, long long b) {
  long long r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
static __device__ __forceinline__ int kiln_floordiv(int a, int b) {
  int q = a / b;
  return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static __device__ __forceinline__ int kiln_floormod(int a, int b) {
  int r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
// Whether a pointer may be read as a float2/float4 (8/16-byte aligned).
static __device__ __forceinline__ bool kiln_aligned(const void* p, unsigned long long bytes) {
  return (reinterpret_cast<unsigned long long>(p) & (bytes - 1)) == 0;
}
)";

}  // namespace

std::string codegen_cuda(const GpuProgram& program, const Target& target) {
  std::ostringstream os;
  os << "// Generated by kiln for " << target.str() << " (sm_" << target.cuda_arch() << "): "
     << program.func.name << ", " << program.kernels.size() << " kernel"
     << (program.kernels.size() == 1 ? "" : "s") << ".\n";
  if (uses_type(program, false)) os << "#include <cuda_fp16.h>\n";
  if (uses_type(program, true)) os << "#include <cuda_bf16.h>\n";
  os << "\n" << kPrelude;
  for (const GpuKernel& k : program.kernels) {
    os << "\n// grid (" << to_string_grid(k) << "), block (" << k.block[0] << ", " << k.block[1]
       << ", " << k.block[2] << ")\n";
    os << KernelPrinter(program, k).print();
  }
  return os.str();
}

}  // namespace kiln
