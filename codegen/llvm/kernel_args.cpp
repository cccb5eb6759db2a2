// Argument checks for compiled kernels. Generated code trusts its
// arguments completely (noalias, dense, exact shapes), so everything a
// caller can get wrong is checked here, before the call, with a message
// that names the argument and says what was expected.
#include "codegen/llvm/kernel_args.h"

#include <map>
#include <sstream>

#include "dsl/compute.h"
#include "base/error.h"

namespace kiln {

namespace {

std::string dims_str(const std::vector<int64_t>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); i++) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// Where a size var's value came from.
struct SizeSource {
  int64_t value = 0;
  std::string from;  ///< "argument 'A' dim 1"
};

/// The value of a shape expression over derived sizes.
int64_t eval_shape(const Expr& e, const std::map<std::string, SizeSource>& sizes,
                   const std::string& kernel) {
  int64_t c;
  if (as_const_int(e, &c)) return c;
  if (const Var* v = e.as<Var>()) {
    auto it = sizes.find(v->name);
    if (it == sizes.end()) {
      user_error << "kernel '" << kernel << "' needs size '" << v->name
                 << "', but no argument has a dimension that is exactly '" << v->name
                 << "'; give one input that dimension";
    }
    return it->second.value;
  }
  auto bin = [&](const Expr& a, const Expr& b) {
    return std::make_pair(eval_shape(a, sizes, kernel), eval_shape(b, sizes, kernel));
  };
  if (const Add* op = e.as<Add>()) { auto p = bin(op->a, op->b); return p.first + p.second; }
  if (const Sub* op = e.as<Sub>()) { auto p = bin(op->a, op->b); return p.first - p.second; }
  if (const Mul* op = e.as<Mul>()) { auto p = bin(op->a, op->b); return p.first * p.second; }
  if (const Min* op = e.as<Min>()) { auto p = bin(op->a, op->b); return std::min(p.first, p.second); }
  if (const Max* op = e.as<Max>()) { auto p = bin(op->a, op->b); return std::max(p.first, p.second); }
  if (const Div* op = e.as<Div>()) {
    auto p = bin(op->a, op->b);
    if (p.second == 0) user_error << "shape " << shape_expr_str(e) << " of kernel '" << kernel << "' divides by zero";
    return floor_div(p.first, p.second);
  }
  if (const Mod* op = e.as<Mod>()) {
    auto p = bin(op->a, op->b);
    if (p.second == 0) user_error << "shape " << shape_expr_str(e) << " of kernel '" << kernel << "' divides by zero";
    return p.first - floor_div(p.first, p.second) * p.second;
  }
  // Sizes written with 32-bit integers (`W - 2` with an int literal) carry
  // a widening cast to the index type.
  if (const Cast* op = e.as<Cast>()) {
    if (op->type.is_int() || op->type.is_uint()) {
      int64_t v = eval_shape(op->value, sizes, kernel);
      if (op->type.bits >= 64) return v;
      int shift = 64 - op->type.bits;
      return op->type.is_int() ? static_cast<int64_t>(static_cast<uint64_t>(v) << shift) >> shift
                               : static_cast<int64_t>(static_cast<uint64_t>(v) << shift >> shift);
    }
  }
  internal_error << "shape expression " << ir_kind_name(e->kind) << " of kernel " << kernel
                 << " cannot be evaluated";
  return 0;
}

std::string binary_str(const Expr& a, const char* op, const Expr& b) {
  auto operand = [](const Expr& x) {
    bool leaf = x.as<Var>() || x.as<IntImm>();
    return leaf ? shape_expr_str(x) : "(" + shape_expr_str(x) + ")";
  };
  return operand(a) + " " + op + " " + operand(b);
}

}  // namespace

std::string shape_expr_str(const Expr& e) {
  if (const IntImm* i = e.as<IntImm>()) return std::to_string(i->value);
  if (const Var* v = e.as<Var>()) return v->name;
  if (const Add* op = e.as<Add>()) return binary_str(op->a, "+", op->b);
  if (const Sub* op = e.as<Sub>()) return binary_str(op->a, "-", op->b);
  if (const Mul* op = e.as<Mul>()) return binary_str(op->a, "*", op->b);
  if (const Div* op = e.as<Div>()) return binary_str(op->a, "/", op->b);
  if (const Mod* op = e.as<Mod>()) return binary_str(op->a, "%", op->b);
  if (const Min* op = e.as<Min>()) return "min(" + shape_expr_str(op->a) + ", " + shape_expr_str(op->b) + ")";
  if (const Max* op = e.as<Max>()) return "max(" + shape_expr_str(op->a) + ", " + shape_expr_str(op->b) + ")";
  if (const Cast* op = e.as<Cast>()) return shape_expr_str(op->value);
  return std::string("<") + ir_kind_name(e->kind) + ">";
}

std::string shape_str(const std::vector<Expr>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); i++) s += (i ? ", " : "") + shape_expr_str(shape[i]);
  return s + "]";
}

std::vector<int64_t> check_kernel_args(const LoweredFunc& f, const std::vector<Buffer>& args) {
  if (args.size() != f.args.size()) {
    std::string names;
    for (const BufferArg& a : f.args) names += (names.empty() ? "" : ", ") + a.name;
    user_error << "kernel '" << f.name << "' takes " << f.args.size() << " buffers (" << names
               << ", inputs then outputs) but got " << args.size();
  }
  for (size_t i = 0; i < args.size(); i++) {
    const BufferArg& a = f.args[i];
    const Buffer& b = args[i];
    if (b.dtype() != a.type) {
      user_error << "argument '" << a.name << "' of " << f.name << " has dtype " << b.dtype().str()
                 << "; the kernel expects " << a.type.str();
    }
    if (b.ndim() != static_cast<int>(a.shape.size())) {
      user_error << "argument '" << a.name << "' of " << f.name << " has rank " << b.ndim()
                 << " (shape " << dims_str(b.shape()) << "); the kernel expects rank "
                 << a.shape.size() << " " << shape_str(a.shape);
    }
    if (!b.is_dense()) {
      user_error << "argument '" << a.name << "' of " << f.name
                 << " is not dense row-major (shape " << dims_str(b.shape()) << ", strides "
                 << dims_str(b.strides()) << "); pass a contiguous copy";
    }
    if (b.data() == nullptr && b.numel() > 0) {
      user_error << "argument '" << a.name << "' of " << f.name << " has no storage";
    }
  }

  // Size vars come from the first dimension that is the var plus or minus
  // a constant; every other dimension is then checked against them.
  std::map<std::string, SizeSource> sizes;
  for (size_t i = 0; i < args.size(); i++) {
    for (size_t d = 0; d < f.args[i].shape.size(); d++) {
      std::string name;
      int64_t value = 0;
      if (size_from_extent(f.args[i].shape[d], args[i].dim(static_cast<int>(d)), &name, &value) &&
          !sizes.count(name)) {
        if (value < 0) {
          user_error << "argument '" << f.args[i].name << "' of " << f.name << ": dim " << d
                     << " is " << args[i].dim(static_cast<int>(d)) << ", which makes " << name
                     << " = " << value << " (dim is " << shape_expr_str(f.args[i].shape[d])
                     << "); sizes cannot be negative";
        }
        sizes[name] = SizeSource{value, "argument '" + f.args[i].name + "' dim " + std::to_string(d)};
      }
    }
  }
  for (size_t i = 0; i < args.size(); i++) {
    const BufferArg& a = f.args[i];
    for (size_t d = 0; d < a.shape.size(); d++) {
      int64_t got = args[i].dim(static_cast<int>(d));
      int64_t want = eval_shape(a.shape[d], sizes, f.name);
      if (got == want) continue;
      std::ostringstream why;
      if (const Var* v = a.shape[d].as<Var>()) {
        why << v->name << " is " << want << " (from " << sizes.at(v->name).from << ")";
      } else if (a.shape[d].as<IntImm>()) {
        why << "the kernel expects " << want;
      } else {
        why << shape_expr_str(a.shape[d]) << " is " << want;
      }
      user_error << "argument '" << a.name << "' of " << f.name << ": dim " << d << " is " << got
                 << " but " << why.str();
    }
  }

  // Generated code declares its buffers noalias: an output sharing memory
  // with another argument would be silently wrong.
  for (size_t i = 0; i < args.size(); i++) {
    for (size_t j = i + 1; j < args.size(); j++) {
      if (!f.args[i].is_output && !f.args[j].is_output) continue;
      if (args[i].size_bytes() == 0 || args[j].size_bytes() == 0) continue;
      auto lo_i = static_cast<const char*>(args[i].data());
      auto lo_j = static_cast<const char*>(args[j].data());
      if (lo_i < lo_j + args[j].size_bytes() && lo_j < lo_i + args[i].size_bytes()) {
        user_error << "arguments '" << f.args[i].name << "' and '" << f.args[j].name << "' of "
                   << f.name << " share memory; an output must not overlap another argument";
      }
    }
  }

  std::vector<int64_t> values;
  for (const std::string& s : f.size_vars) {
    auto it = sizes.find(s);
    if (it == sizes.end()) {
      user_error << "kernel '" << f.name << "' needs size '" << s
                 << "', but no argument has a dimension that is '" << s << "' or '" << s
                 << " + c'; give one input that dimension";
    }
    values.push_back(it->second.value);
  }
  std::map<std::string, int64_t> size_values;
  for (const auto& [name, source] : sizes) size_values[name] = source.value;
  enforce_read_checks(f.read_checks, size_values);
  return values;
}

}  // namespace kiln
