// Generating the package's C wrappers. They are the only line of defence:
// kernels trust their arguments completely (dense, noalias, exact shapes),
// so everything a caller can get wrong is checked here before a kernel
// runs, and reported as a code plus a message that names the function, the
// argument and what was expected.
#include "package/c_api.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "codegen/llvm/kernel_args.h"
#include "base/error.h"
#include "package/c_types.h"
#include "package/cuda_launch.h"
#include "schedule/read_checks.h"

namespace kiln {

namespace {

/// Helpers every wrapper file starts with. @P@_ stands for the macro prefix
/// (and @N@_, in the functions, for the package name).
const char* kPrelude = R"PRELUDE(/* Thread-local, so concurrent callers each see their own failure. */
static _Thread_local char g_error[1024];

static int fail(int code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_error, sizeof g_error, fmt, ap);
  va_end(ap);
  return code;
}

/* Floor division and modulo, as kiln's shape expressions mean them. */
static inline int64_t kiln_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static inline int64_t kiln_floormod(int64_t a, int64_t b) { return a - kiln_floordiv(a, b) * b; }
static inline int64_t kiln_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t kiln_max(int64_t a, int64_t b) { return a > b ? a : b; }

static const char* dtype_text(DLDataType t, char* buf, size_t n) {
  const char* kind = t.code == kDLInt      ? "int"
                     : t.code == kDLUInt   ? "uint"
                     : t.code == kDLFloat  ? "float"
                     : t.code == kDLBfloat ? "bfloat"
                     : t.code == kDLBool   ? "bool"
                     : t.code == kDLComplex ? "complex"
                                           : "type code ";
  if (t.code == kDLBool && t.bits == 8 && t.lanes == 1) {
    snprintf(buf, n, "bool");
  } else if (t.code > kDLBool || t.code == kDLOpaqueHandle) {
    snprintf(buf, n, "type code %u with %u bits", (unsigned)t.code, (unsigned)t.bits);
  } else if (t.lanes != 1) {
    snprintf(buf, n, "%s%u x %u lanes", kind, (unsigned)t.bits, (unsigned)t.lanes);
  } else {
    snprintf(buf, n, "%s%u", kind, (unsigned)t.bits);
  }
  return buf;
}

static const char* dims_text(const int64_t* v, int32_t n, char* buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "[");
  for (int32_t i = 0; v && i < n && used < len; i++) {
    used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? ", " : "", (long long)v[i]);
  }
  if (used < len) snprintf(buf + used, len - used, "]");
  return buf;
}

static void* data_of(const DLTensor* t) { return (char*)t->data + t->byte_offset; }

/* Bytes of a tensor check_tensor accepted (so no product overflows). */
static int64_t bytes_of(const DLTensor* t) {
  int64_t n = (t->dtype.bits * (int64_t)t->dtype.lanes + 7) / 8;
  for (int32_t d = 0; d < t->ndim; d++) n *= t->shape[d];
  return n;
}

/* The largest tensor accepted: 2^48 bytes, as kiln's own buffers. */
#define KILN_MAX_TENSOR_BYTES ((int64_t)1 << 48)

/* What every tensor argument needs, whatever the op: present, on the
   package's device, of the kernel's dtype and rank, dense row-major (a dimension of
   extent 1 may have any stride, as PyTorch gives them), with data. */
static int check_tensor(const char* fn, const char* arg, const DLTensor* t, int device_type,
                        uint8_t code, uint8_t bits, int32_t ndim) {
  char a[96], b[96];
  if (!t) return fail(@P@_ERROR_NULL, "%s: argument '%s' is NULL", fn, arg);
  if ((int)t->device.device_type != device_type) {
    return fail(@P@_ERROR_DEVICE,
                "%s: argument '%s' is on DLPack device type %d; this package runs on %s "
                "(device type %d): copy the tensor there",
                fn, arg, (int)t->device.device_type,
                device_type == kDLCPU ? "the CPU" : "CUDA GPUs", device_type);
  }
  DLDataType want = {code, bits, 1};
  if (t->dtype.code != code || t->dtype.bits != bits || t->dtype.lanes != 1) {
    return fail(@P@_ERROR_DTYPE, "%s: argument '%s' has dtype %s; expected %s", fn, arg,
                dtype_text(t->dtype, a, sizeof a), dtype_text(want, b, sizeof b));
  }
  if (t->ndim != ndim) {
    return fail(@P@_ERROR_SHAPE, "%s: argument '%s' has %d dimensions (shape %s); expected %d",
                fn, arg, (int)t->ndim, dims_text(t->shape, t->ndim, a, sizeof a), (int)ndim);
  }
  if (ndim > 0 && !t->shape) return fail(@P@_ERROR_NULL, "%s: argument '%s' has no shape", fn, arg);
  int64_t numel = 1;
  for (int32_t d = 0; d < ndim; d++) {
    if (t->shape[d] < 0) {
      return fail(@P@_ERROR_SHAPE, "%s: argument '%s' has a negative dimension (shape %s)", fn,
                  arg, dims_text(t->shape, ndim, a, sizeof a));
    }
    if (__builtin_mul_overflow(numel, t->shape[d], &numel)) numel = -1;
    if (numel < 0) break;
  }
  int64_t bytes = 0;
  if (numel < 0 || __builtin_mul_overflow(numel, (int64_t)(bits / 8), &bytes) ||
      bytes > KILN_MAX_TENSOR_BYTES) {
    return fail(@P@_ERROR_SHAPE, "%s: argument '%s' has shape %s, more than 2^48 bytes (its "
                "size overflows): no such tensor can exist", fn, arg,
                dims_text(t->shape, ndim, a, sizeof a));
  }
  /* The data plus the offset must not wrap around the address space. */
  if (t->byte_offset > (uint64_t)KILN_MAX_TENSOR_BYTES ||
      (uintptr_t)t->data > UINTPTR_MAX - (uintptr_t)t->byte_offset - (uintptr_t)bytes) {
    return fail(@P@_ERROR_LAYOUT, "%s: argument '%s' has byte_offset %llu, which puts its data "
                "past the end of the address space", fn, arg,
                (unsigned long long)t->byte_offset);
  }
  if (t->strides) {
    int64_t expect = 1;
    for (int32_t d = ndim - 1; d >= 0; d--) {
      if (t->shape[d] != 1 && t->strides[d] != expect) {
        return fail(@P@_ERROR_LAYOUT,
                    "%s: argument '%s' is not contiguous (shape %s, strides %s); the kernels "
                    "read dense row-major data: pass a contiguous copy (tensor.contiguous() "
                    "in PyTorch, numpy.ascontiguousarray in NumPy)",
                    fn, arg, dims_text(t->shape, ndim, a, sizeof a),
                    dims_text(t->strides, ndim, b, sizeof b));
      }
      if (__builtin_mul_overflow(expect, t->shape[d], &expect)) break;
    }
  }
  if (!t->data && numel > 0) return fail(@P@_ERROR_NULL, "%s: argument '%s' has no data", fn, arg);
  return 0;
}

/* Kernels declare their buffers noalias: an output that overlaps another
   argument would give silently wrong results. */
static int check_disjoint(const char* fn, const char* out, const DLTensor* o, const char* arg,
                          const DLTensor* t) {
  const char* lo_o = (const char*)data_of(o);
  const char* lo_t = (const char*)data_of(t);
  int64_t n_o = bytes_of(o), n_t = bytes_of(t);
  if (n_o == 0 || n_t == 0) return 0;
  if (lo_o < lo_t + n_t && lo_t < lo_o + n_o) {
    return fail(@P@_ERROR_OVERLAP,
                "%s: output '%s' shares memory with argument '%s'; pass a separate output tensor",
                fn, out, arg);
  }
  return 0;
}
)PRELUDE";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

/// A C string literal's contents (the strings here are names and sizes).
std::string c_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool is_cuda(const PackageFunction& fn) { return fn.target.kind == Target::Kind::CUDA; }

/// The DLPack device type the function's tensors must be on.
const char* device_type(const PackageFunction& fn) { return is_cuda(fn) ? "kDLCUDA" : "kDLCPU"; }

int size_index(const PackageFunction& fn, const std::string& var) {
  for (size_t i = 0; i < fn.bindings.size(); i++) {
    if (fn.bindings[i].var == var) return static_cast<int>(i);
  }
  internal_error << "size " << var << " of " << fn.name << " has no binding";
  return 0;
}

std::string size_ref(const PackageFunction& fn, const std::string& var) {
  return "s[" + std::to_string(size_index(fn, var)) + "]";
}

const OpParam& param_of(const Op& op, const std::string& name) {
  for (const OpParam& p : op.params()) {
    if (p.name == name) return p;
  }
  internal_error << "op " << op.name() << " has no parameter " << name;
  return op.params().front();
}

std::string kernel_prototype(const PackageKernel& k) {
  std::string s = "int " + k.symbol + "(";
  bool first = true;
  for (const Tensor& t : kernel_arguments(k.def)) {
    bool out = false;
    for (const Tensor& o : k.def.outputs()) out = out || o.name() == t.name();
    s += (first ? "" : ", ") + std::string(out ? "" : "const ") + c_element_type(t.dtype()) + "*";
    first = false;
  }
  for (size_t i = 0; i < k.def.size_vars().size(); i++) {
    s += (first ? "" : ", ") + std::string("int64_t");
    first = false;
  }
  if (first) s += "void";
  return s + ")";
}

/// The static function reading the sizes from the inputs and checking the
/// inputs: the part the call and the output shapes share.
std::string sizes_function(const PackageFunction& fn) {
  std::ostringstream c;
  const std::string F = "\"" + fn.name + "\"";
  c << "static int " << fn.name << "_sizes(" << c_input_params(fn)
    << (fn.generic.inputs().empty() ? "" : ", ") << "int64_t* s) {\n  int rc;\n";
  for (const Tensor& t : fn.generic.inputs()) {
    c << "  if ((rc = check_tensor(" << F << ", \"" << t.name() << "\", " << t.name() << ", "
      << device_type(fn) << ", " << dlpack_code(t.dtype()) << ", " << int(t.dtype().bits) << ", " << t.ndim() << "))) return rc;\n";
  }
  for (size_t i = 0; i < fn.bindings.size(); i++) {
    const SizeBinding& b = fn.bindings[i];
    const std::string arg = fn.generic.inputs()[b.arg].name();
    const OpParam& p = param_of(*fn.op, b.var);
    c << "  s[" << i << "] = " << arg << "->shape[" << b.dim << "] + INT64_C(" << b.offset << ");\n";
    c << "  if (s[" << i << "] < INT64_C(" << p.min_value << ")";
    if (p.max_value != std::numeric_limits<int64_t>::max()) {
      c << " || s[" << i << "] > INT64_C(" << p.max_value << ")";
    }
    c << ") {\n    return fail(" << "@P@_ERROR_SHAPE, \"%s: " << b.var
      << " is %lld (from argument '" << arg << "' dim " << b.dim << "); " << fn.op->name()
      << " needs " << b.var << " >= " << p.min_value << "\", " << F << ", (long long)s[" << i
      << "]);\n  }\n";
  }
  auto source_of = [&](const std::string& var) {
    const SizeBinding& b = fn.bindings[size_index(fn, var)];
    return "from argument '" + fn.generic.inputs()[b.arg].name() + "' dim " + std::to_string(b.dim);
  };
  for (const Tensor& t : fn.generic.inputs()) {
    for (int d = 0; d < t.ndim(); d++) {
      const Expr& e = t.shape()[d];
      const std::string want = c_size_expr(e, [&](const std::string& v) { return size_ref(fn, v); });
      std::string why = shape_expr_str(e);
      if (const Var* v = e.as<Var>()) why += ", " + source_of(v->name);
      c << "  if (" << t.name() << "->shape[" << d << "] != " << want << ") {\n"
        << "    return fail(@P@_ERROR_SHAPE, \"%s: argument '" << t.name() << "' dim " << d
        << " is %lld but must be %lld (" << c_escape(why) << ")\", " << F << ", (long long)"
        << t.name() << "->shape[" << d << "], (long long)(" << want << "));\n  }\n";
    }
  }
  // A window larger than its (padded) input makes a negative output size.
  for (const Tensor& t : fn.generic.outputs()) {
    for (int d = 0; d < t.ndim(); d++) {
      const std::string dim = c_size_expr(t.shape()[d], [&](const std::string& v) { return size_ref(fn, v); });
      c << "  if (" << dim << " < 0) {\n"
        << "    return fail(@P@_ERROR_SHAPE, \"%s: these inputs make output '" << t.name() << "' dim " << d
        << " negative (%lld = " << c_escape(shape_expr_str(t.shape()[d])) << "); the inputs are too small\", "
        << F << ", (long long)(" << dim << "));\n  }\n";
    }
  }
  // Reads the shapes do not prove in bounds for every size, tested before
  // any kernel runs (the generated kernel tests them again).
  const auto ref = [&](const std::string& v) { return size_ref(fn, v); };
  const auto printf_text = [](const std::string& text) {
    std::string out;
    for (char ch : c_escape(text)) out += ch == '%' ? std::string("%%") : std::string(1, ch);
    return out;
  };
  for (const ReadCheck& r : read_checks(fn.generic)) {
    c << "  if (!" << c_size_expr(r.in_bounds, ref) << ") {\n"
      << "    return fail(@P@_ERROR_SHAPE, \"%s: at these sizes stage '" << r.stage << "' reads '"
      << r.tensor << "' dimension " << r.dim << " at indices %lld to %lld, outside its extent "
      << "%lld (" << printf_text(describe_read_check(r)) << "); " << read_check_advice() << "\", " << F
      << ", (long long)" << c_size_expr(r.lowest, ref) << ", (long long)"
      << c_size_expr(r.highest, ref) << ", (long long)" << c_size_expr(r.extent, ref) << ");\n  }\n";
  }
  c << "  return 0;\n}\n\n";
  return c.str();
}

std::string input_names(const PackageFunction& fn) {
  std::string s;
  for (const Tensor& t : fn.generic.inputs()) s += (s.empty() ? "" : ", ") + t.name();
  return s;
}

std::string size_count(const PackageFunction& fn) {
  // A zero-length array is not C; one unused slot is.
  return std::to_string(std::max<size_t>(1, fn.bindings.size()));
}

std::string output_shapes_function(const PackageFunction& fn) {
  std::ostringstream c;
  c << "int " << fn.name << "_output_shapes(" << c_output_shapes_params(fn) << ") {\n"
    << "  int64_t s[" << size_count(fn) << "];\n"
    << "  int rc = " << fn.name << "_sizes(" << input_names(fn)
    << (fn.generic.inputs().empty() ? "" : ", ") << "s);\n  if (rc) return rc;\n";
  for (const Tensor& t : fn.generic.outputs()) {
    c << "  if (!" << t.name() << "_shape) return fail(@P@_ERROR_NULL, \"" << fn.name
      << "_output_shapes: " << t.name() << "_shape is NULL\");\n";
    for (int d = 0; d < t.ndim(); d++) {
      c << "  " << t.name() << "_shape[" << d << "] = "
        << c_size_expr(t.shape()[d], [&](const std::string& v) { return size_ref(fn, v); }) << ";\n";
    }
  }
  c << "  return 0;\n}\n\n";
  return c.str();
}

std::string call_function(const PackageFunction& fn) {
  std::ostringstream c;
  const std::string F = "\"" + fn.name + "\"";
  c << "int " << fn.name << "(" << c_call_params(fn) << ") {\n"
    << "  int64_t s[" << size_count(fn) << "];\n"
    << "  int rc = " << fn.name << "_sizes(" << input_names(fn)
    << (fn.generic.inputs().empty() ? "" : ", ") << "s);\n  if (rc) return rc;\n";
  for (const Tensor& t : fn.generic.outputs()) {
    c << "  if ((rc = check_tensor(" << F << ", \"" << t.name() << "\", " << t.name() << ", "
      << device_type(fn) << ", " << dlpack_code(t.dtype()) << ", " << int(t.dtype().bits) << ", " << t.ndim() << "))) return rc;\n";
    for (int d = 0; d < t.ndim(); d++) {
      const std::string want =
          c_size_expr(t.shape()[d], [&](const std::string& v) { return size_ref(fn, v); });
      c << "  if (" << t.name() << "->shape[" << d << "] != " << want << ") {\n"
        << "    return fail(@P@_ERROR_SHAPE, \"%s: output '" << t.name() << "' dim " << d
        << " is %lld but must be %lld (" << c_escape(shape_expr_str(t.shape()[d]))
        << "); " << fn.name << "_output_shapes gives the output shapes\", " << F
        << ", (long long)" << t.name() << "->shape[" << d << "], (long long)(" << want << "));\n  }\n";
    }
  }
  const std::vector<Tensor> args = kernel_arguments(fn.generic);
  for (const Tensor& o : fn.generic.outputs()) {
    for (const Tensor& t : args) {
      if (t.name() == o.name()) continue;
      c << "  if ((rc = check_disjoint(" << F << ", \"" << o.name() << "\", " << o.name() << ", \""
        << t.name() << "\", " << t.name() << "))) return rc;\n";
    }
  }
  // One GPU per call: every tensor on the first one's device.
  if (is_cuda(fn)) {
    const std::string first = args.front().name();
    for (const Tensor& t : args) {
      c << "  if (" << t.name() << "->device.device_id != " << first << "->device.device_id) {\n"
        << "    return fail(@P@_ERROR_DEVICE, \"%s: argument '" << t.name() << "' is on CUDA device %d "
        << "but '" << first << "' on %d; put every tensor on one device\", " << F << ", (int)"
        << t.name() << "->device.device_id, (int)" << first << "->device.device_id);\n  }\n";
    }
  }
  // Dispatch: the first kernel whose fixed sizes all match.
  for (size_t i = 0; i < fn.kernels.size(); i++) {
    const PackageKernel& k = fn.kernels[i];
    std::string cond;
    for (const SizeBinding& b : fn.bindings) {
      auto it = k.fixed.find(b.var);
      if (it == k.fixed.end()) continue;
      cond += (cond.empty() ? "" : " && ") + size_ref(fn, b.var) + " == INT64_C(" +
              std::to_string(it->second) + ")";
    }
    std::string call = k.symbol + "(";
    bool first = true;
    if (is_cuda(fn)) {
      // The launcher sets its own message; its code is the function's.
      call = "launch_" + k.symbol + "(" + F + ", " + args.front().name() + "->device.device_id, s";
      for (const Tensor& t : kernel_arguments(k.def)) call += ", (CUdeviceptr)(uintptr_t)data_of(" + t.name() + ")";
      c << (i == 0 ? "  " : "  } else ") << "if (" << (cond.empty() ? "1" : cond) << ") {\n"
        << "    rc = " << call << ");\n    if (rc) return rc;\n";
      continue;
    }
    for (const Tensor& t : kernel_arguments(k.def)) {
      bool out = false;
      for (const Tensor& o : k.def.outputs()) out = out || o.name() == t.name();
      call += (first ? "" : ", ") + std::string("(") + (out ? "" : "const ") +
              c_element_type(t.dtype()) + "*)data_of(" + t.name() + ")";
      first = false;
    }
    for (const std::string& v : k.def.size_vars()) {
      call += (first ? "" : ", ") + size_ref(fn, v);
      first = false;
    }
    call += ")";
    c << (i == 0 ? "  " : "  } else ") << "if (" << (cond.empty() ? "1" : cond) << ") {\n"
      << "    rc = " << call << ";\n";
  }
  std::string known, sizes_fmt, sizes_args;
  for (const PackageKernel& k : fn.kernels) {
    known += (known.empty() ? "" : "; ") + kernel_sizes_text(fn, k);
  }
  for (const SizeBinding& b : fn.bindings) {
    sizes_fmt += (sizes_fmt.empty() ? "" : ",") + b.var + "=%lld";
    sizes_args += ", (long long)" + size_ref(fn, b.var);
  }
  c << "  } else {\n    return fail(@P@_ERROR_NO_KERNEL, \"%s has no kernel for " << sizes_fmt
    << "; the package holds kernels for " << c_escape(known)
    << " (a name is a free size): add these sizes to the spec and rebuild the package\", " << F
    << sizes_args << ");\n  }\n"
    << "  if (rc == 2) {\n    return fail(@P@_ERROR_KERNEL, \"%s: the system refused to start %d "
    << "threads for the kernel's parallel loops; use fewer with @N@_set_num_threads\", " << F
    << ", kiln_num_threads());\n  }\n"
    << "  if (rc != 0) {\n    return fail(@P@_ERROR_KERNEL, \"%s: the kernel failed with code %d "
    << "(an intermediate buffer could not be allocated)\", " << F << ", rc);\n  }\n"
    << "  return @P@_OK;\n}\n\n";
  return c.str();
}

}  // namespace

std::string package_c_wrapper(const PackagePlan& plan, const std::map<std::string, CudaKernelCode>& cuda) {
  const bool gpu = plan.target.kind == Target::Kind::CUDA;
  std::ostringstream c;
  c << "/* Generated by kiln " << KILN_VERSION << ": the checked C entry points of package "
    << plan.name << ". */\n"
    << (gpu ? "#include <dlfcn.h>\n#include <pthread.h>\n" : "")
    << "#include <stdarg.h>\n#include <stdint.h>\n#include <stdio.h>\n\n#include \"" << plan.name
    << ".h\"\n\n/* The kiln runtime (libkiln_runtime.a). */\n"
    << "void kiln_set_num_threads(int n);\nint kiln_num_threads(void);\n\n";
  // (kiln_parallel_for returns KILN_ERROR_NO_THREADS, 2, when its threads
  // could not start: runtime/thread_pool.h.)
  if (!gpu) {
    c << "/* The kernels. */\n";
    for (const PackageFunction& fn : plan.functions) {
      for (const PackageKernel& k : fn.kernels) c << kernel_prototype(k) << ";\n";
    }
  }
  c << "\n" << kPrelude << "\n"
    << "const char* " << plan.name << "_last_error(void) { return g_error; }\n"
    << "int " << plan.name << "_set_num_threads(int n) {\n"
    << "  if (n < 1 || n > 1024) {\n"
    << "    return fail(@P@_ERROR_ARGUMENT, \"" << plan.name << "_set_num_threads: %d threads; use 1 to "
    << "1024\", n);\n  }\n  kiln_set_num_threads(n);\n  return @P@_OK;\n}\n"
    << "int " << plan.name << "_num_threads(void) { return kiln_num_threads(); }\n\n";
  if (gpu) {
    int count = 0;
    for (const PackageFunction& fn : plan.functions) count += static_cast<int>(fn.kernels.size());
    c << cuda_wrapper_prelude(count) << "\n";
    int index = 0;
    for (const PackageFunction& fn : plan.functions) {
      for (const PackageKernel& k : fn.kernels) {
        auto it = cuda.find(k.symbol);
        internal_assert(it != cuda.end()) << "no CUDA code for kernel " << k.symbol;
        c << cuda_launcher(fn, k, it->second, index++);
      }
    }
  }
  for (const PackageFunction& fn : plan.functions) {
    c << "/* ---- " << fn.name << " */\n\n"
      << sizes_function(fn) << output_shapes_function(fn) << call_function(fn);
  }
  return replace_all(replace_all(c.str(), "@P@_", macro_prefix(plan.name) + "_"), "@N@_",
                     plan.name + "_");
}

}  // namespace kiln
