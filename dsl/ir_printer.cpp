// Pseudo-C printing of the IR. The output is for people (kiln show, pass
// logs, test failures), so it favors reading over re-parsing: infix
// operators with parentheses only around nested infix operands, loops as
// `for (C.i, 0, M) {`, tensors as `A[i, k]` and flat buffers as `A[index]`.
#include "dsl/ir_printer.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "dsl/compute.h"
#include "base/error.h"
#include "dsl/ir_visitor.h"

namespace kiln {

namespace {

/// Type names in casts, as in Halide: float32, int64, bfloat16, bool.
std::string c_type_name(Type t) {
  std::string s;
  switch (t.code) {
    case TypeCode::Int: s = "int" + std::to_string(t.bits); break;
    case TypeCode::UInt: s = "uint" + std::to_string(t.bits); break;
    case TypeCode::Float: s = "float" + std::to_string(t.bits); break;
    case TypeCode::BFloat: s = "bfloat" + std::to_string(t.bits); break;
    case TypeCode::Bool: s = "bool"; break;
  }
  if (t.lanes > 1) s += "x" + std::to_string(t.lanes);
  return s;
}

/// The shortest decimal that reads back as the same value.
std::string shortest_decimal(double v, bool single) {
  char buf[64];
  int max_digits = single ? 9 : 17;
  for (int p = 1; p <= max_digits; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*g", p, v);
    double back = std::strtod(buf, nullptr);
    if (single ? static_cast<float>(back) == static_cast<float>(v) : back == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

/// The infix spelling of a binary node, or nullptr for calls like min.
const char* infix_op(IRKind k) {
  switch (k) {
    case IRKind::Add: return " + ";
    case IRKind::Sub: return " - ";
    case IRKind::Mul: return "*";
    case IRKind::Div: return "/";
    case IRKind::Mod: return " % ";
    case IRKind::EQ: return " == ";
    case IRKind::NE: return " != ";
    case IRKind::LT: return " < ";
    case IRKind::LE: return " <= ";
    case IRKind::GT: return " > ";
    case IRKind::GE: return " >= ";
    case IRKind::And: return " && ";
    case IRKind::Or: return " || ";
    default: return nullptr;
  }
}

const char* scope_name(MemoryScope s) {
  switch (s) {
    case MemoryScope::Auto: return "auto";
    case MemoryScope::Stack: return "stack";
    case MemoryScope::Heap: return "heap";
    case MemoryScope::Shared: return "shared";
    case MemoryScope::Local: return "local";
  }
  return "?";
}

class Printer : public IRVisitor {
 public:
  explicit Printer(std::ostream& os) : os_(os) {}

  void print(const Expr& e) {
    if (!e.defined()) {
      os_ << "<undefined>";
      return;
    }
    visit_expr(e);
  }
  void print(const Stmt& s) {
    if (!s.defined()) {
      indent();
      os_ << "<undefined>\n";
      return;
    }
    visit_stmt(s);
  }

 protected:
  using IRVisitor::visit;

  void visit(const IntImm* op) override {
    Type t = op->type;
    if (t.is_bool()) {
      os_ << (op->value ? "true" : "false");
    } else if (t == i32() || t == i64()) {
      os_ << op->value;
    } else if (t.is_uint() && t.bits == 64) {
      os_ << "(uint64)" << static_cast<uint64_t>(op->value);
    } else {
      os_ << "(" << c_type_name(t) << ")" << op->value;
    }
  }

  void visit(const FloatImm* op) override {
    Type t = op->type;
    double v = op->value;
    if (!std::isfinite(v)) {
      os_ << "(" << c_type_name(t) << ")" << (std::isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
      return;
    }
    if (t.bits == 32) {
      os_ << shortest_decimal(v, true) << "f";
    } else if (t.bits == 64) {
      os_ << shortest_decimal(v, false);
    } else {
      os_ << "(" << c_type_name(t) << ")" << shortest_decimal(v, true);
    }
  }

  void visit(const Var* op) override { os_ << op->name; }

  void visit(const Cast* op) override {
    os_ << "(" << c_type_name(op->type) << ")";
    operand(op->value, false);
  }

#define KILN_PRINT_INFIX(N) \
  void visit(const N* op) override { infix(op->kind, op->a, op->b); }
  KILN_PRINT_INFIX(Add)
  KILN_PRINT_INFIX(Sub)
  KILN_PRINT_INFIX(Mul)
  KILN_PRINT_INFIX(Div)
  KILN_PRINT_INFIX(Mod)
  KILN_PRINT_INFIX(EQ)
  KILN_PRINT_INFIX(NE)
  KILN_PRINT_INFIX(LT)
  KILN_PRINT_INFIX(LE)
  KILN_PRINT_INFIX(GT)
  KILN_PRINT_INFIX(GE)
  KILN_PRINT_INFIX(And)
  KILN_PRINT_INFIX(Or)
#undef KILN_PRINT_INFIX

  void visit(const Min* op) override { call("min", {op->a, op->b}); }
  void visit(const Max* op) override { call("max", {op->a, op->b}); }

  void visit(const Not* op) override {
    os_ << "!";
    operand(op->a, false);
  }

  void visit(const Select* op) override {
    call("select", {op->condition, op->true_value, op->false_value});
  }

  void visit(const Call* op) override { call(intrinsic_name(op->op), op->args); }

  void visit(const Let* op) override {
    os_ << "(let " << op->name << " = ";
    print(op->value);
    os_ << " in ";
    print(op->body);
    os_ << ")";
  }

  void visit(const Ramp* op) override {
    os_ << "ramp(";
    print(op->base);
    os_ << ", ";
    print(op->stride);
    os_ << ", " << op->lanes << ")";
  }

  void visit(const Broadcast* op) override {
    os_ << "x" << op->lanes << "(";
    print(op->value);
    os_ << ")";
  }

  void visit(const Load* op) override {
    os_ << op->buffer << "[";
    print(op->index);
    os_ << "]";
  }

  void visit(const TensorLoad* op) override {
    os_ << op->op->name;
    indices(op->indices);
  }

  void visit(const Reduce* op) override {
    os_ << reduce_op_name(op->op) << "(";
    print(op->source);
    for (const IterVar& iv : op->axes) {
      os_ << ", " << iv.name() << " in [";
      print(iv.dom.min);
      os_ << ", ";
      // The end of the range reads better than its extent: [0, K).
      int64_t mn, ext;
      if (is_const(iv.dom.min, 0)) {
        print(iv.dom.extent);
      } else if (as_const_int(iv.dom.min, &mn) && as_const_int(iv.dom.extent, &ext)) {
        os_ << mn + ext;
      } else {
        operand(iv.dom.min, false);
        os_ << " + ";
        operand(iv.dom.extent, false);
      }
      os_ << ")";
    }
    if (op->condition.defined()) {
      os_ << ", where ";
      print(op->condition);
    }
    os_ << ")";
  }

  void visit(const LetStmt* op) override {
    indent();
    os_ << "let " << op->name << " = ";
    print(op->value);
    os_ << "\n";
    print(op->body);
  }

  void visit(const For* op) override {
    indent();
    os_ << for_kind_name(op->for_kind) << " (" << op->name << ", ";
    print(op->min);
    os_ << ", ";
    print(op->extent);
    os_ << ") {\n";
    nested(op->body);
    indent();
    os_ << "}\n";
  }

  void visit(const IfThenElse* op) override {
    indent();
    os_ << "if (";
    print(op->condition);
    os_ << ") {\n";
    nested(op->then_case);
    // else-if chains print flat instead of marching right.
    Stmt rest = op->else_case;
    while (rest.defined()) {
      indent();
      const IfThenElse* elif = rest.as<IfThenElse>();
      if (!elif) {
        os_ << "} else {\n";
        nested(rest);
        break;
      }
      os_ << "} else if (";
      print(elif->condition);
      os_ << ") {\n";
      nested(elif->then_case);
      rest = elif->else_case;
    }
    indent();
    os_ << "}\n";
  }

  void visit(const Block* op) override {
    for (const Stmt& s : op->stmts) print(s);
  }

  void visit(const Store* op) override {
    indent();
    os_ << op->buffer << "[";
    print(op->index);
    os_ << "] = ";
    print(op->value);
    os_ << "\n";
  }

  void visit(const TensorStore* op) override {
    indent();
    os_ << op->op->name;
    indices(op->indices);
    os_ << " = ";
    print(op->value);
    os_ << "\n";
  }

  void visit(const Realize* op) override {
    indent();
    os_ << "realize " << op->op->name << "(";
    for (size_t d = 0; d < op->bounds.size(); ++d) {
      if (d) os_ << ", ";
      os_ << "[";
      print(op->bounds[d].min);
      os_ << ", ";
      print(op->bounds[d].extent);
      os_ << "]";
    }
    os_ << ") " << scope_name(op->scope) << " {\n";
    nested(op->body);
    indent();
    os_ << "}\n";
  }

  void visit(const Allocate* op) override {
    indent();
    os_ << "allocate " << op->buffer << "[" << op->type.str();
    for (const Expr& e : op->extents) {
      os_ << " * ";
      operand(e, false);
    }
    os_ << "] " << scope_name(op->scope) << " {\n";
    nested(op->body);
    indent();
    os_ << "}\n";
  }

  void visit(const Evaluate* op) override {
    indent();
    print(op->value);
    os_ << "\n";
  }

 private:
  void indent() {
    for (int i = 0; i < depth_; ++i) os_ << "  ";
  }
  void nested(const Stmt& s) {
    ++depth_;
    print(s);
    --depth_;
  }

  /// Prints an operand of an infix operator, parenthesized when it is
  /// itself infix, except the left operand of the same associative
  /// operator: (a + b) + c prints as a + b + c.
  void operand(const Expr& e, bool left_of_same_assoc) {
    bool wrap = e.defined() && infix_op(e->kind) != nullptr && !left_of_same_assoc;
    if (e.defined() && e.as<Let>()) wrap = false;  // prints its own parentheses
    if (wrap) os_ << "(";
    print(e);
    if (wrap) os_ << ")";
  }

  void infix(IRKind k, const Expr& a, const Expr& b) {
    bool assoc = k == IRKind::Add || k == IRKind::Mul || k == IRKind::And || k == IRKind::Or ||
                 k == IRKind::Sub;
    operand(a, assoc && a.defined() && a->kind == k);
    os_ << infix_op(k);
    operand(b, false);
  }

  void call(const char* name, const std::vector<Expr>& args) {
    os_ << name << "(";
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) os_ << ", ";
      print(args[i]);
    }
    os_ << ")";
  }

  void indices(const std::vector<Expr>& idx) {
    os_ << "[";
    for (size_t i = 0; i < idx.size(); ++i) {
      if (i) os_ << ", ";
      print(idx[i]);
    }
    os_ << "]";
  }

  std::ostream& os_;
  int depth_ = 0;
};

std::string shape_str(Type dtype, const std::vector<Expr>& shape) {
  std::ostringstream os;
  os << dtype.str() << "[";
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d) os << ", ";
    os << shape[d];
  }
  os << "]";
  return os.str();
}

}  // namespace

std::string to_string(const Expr& e) {
  std::ostringstream os;
  Printer(os).print(e);
  return os.str();
}

std::string to_string(const Stmt& s) {
  std::ostringstream os;
  Printer(os).print(s);
  return os.str();
}

std::string to_string(const ComputeDef& def) {
  std::ostringstream os;
  os << def.name() << "(";
  for (size_t i = 0; i < def.inputs().size(); ++i) os << (i ? ", " : "") << def.inputs()[i].name();
  os << ") -> (";
  for (size_t i = 0; i < def.outputs().size(); ++i) os << (i ? ", " : "") << def.outputs()[i].name();
  os << ")\n";
  for (const Tensor& t : def.inputs()) {
    os << "  " << t.name() << ": " << shape_str(t.dtype(), t.shape()) << "  placeholder\n";
  }
  for (const OpRef& op : def.stages()) {
    os << "  " << op->name << "[";
    for (size_t d = 0; d < op->axis.size(); ++d) os << (d ? ", " : "") << op->axis[d].name();
    os << "] = " << op->body << "  // " << shape_str(op->dtype, op->shape);
    for (const Tensor& t : def.outputs()) {
      if (t.op() == op) os << ", output";
    }
    os << "\n";
  }
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Expr& e) {
  Printer(os).print(e);
  return os;
}

std::ostream& operator<<(std::ostream& os, const Stmt& s) {
  Printer(os).print(s);
  return os;
}

}  // namespace kiln
