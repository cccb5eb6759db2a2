// Generating the Python loader. Like the torch extension it checks nothing
// itself beyond what Python must (strides NumPy counts in bytes): the C
// functions check every argument and the loader raises their message.
#include "package/python_loader.h"

#include <sstream>

#include "codegen/llvm/kernel_args.h"
#include "base/error.h"
#include "package/c_api.h"
#include "package/c_types.h"

namespace kiln {

namespace {

const char* kCommon = R"PY(import ctypes
import os

import numpy as np

_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_lib = ctypes.CDLL(os.path.join(_DIR, "lib@NAME@.so"))


class KilnError(RuntimeError):
    """A call the package refused; .code is the C error code (@PREFIX@_* in the header)."""

    def __init__(self, code, message):
        super().__init__("%s (error code %d)" % (message, code))
        self.code = code


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", DLDevice),
        ("ndim", ctypes.c_int32),
        ("dtype", DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


_P_DLTENSOR = ctypes.POINTER(DLTensor)
_P_INT64 = ctypes.POINTER(ctypes.c_int64)
_lib.@NAME@_last_error.restype = ctypes.c_char_p
_lib.@NAME@_set_num_threads.argtypes = [ctypes.c_int]
_lib.@NAME@_set_num_threads.restype = ctypes.c_int
_lib.@NAME@_num_threads.restype = ctypes.c_int

# DLPack type codes by NumPy kind: int, uint, float, complex, bool.
_CODES = {"i": 0, "u": 1, "f": 2, "c": 5, "b": 6}
_LAYOUT_ERROR = @LAYOUT@
_DTYPE_ERROR = @DTYPE@


def _view(array, name):
    """A DLTensor viewing a NumPy array's memory, and what keeps it alive."""
    a = np.asarray(array)
    if a.dtype.kind not in _CODES:
        raise KilnError(_DTYPE_ERROR, "argument '%s' has NumPy dtype %s, which no kernel takes"
                        % (name, a.dtype))
    if not a.dtype.isnative:
        # Kernels read this machine's byte order: a '>f4' array would be
        # read as other numbers, silently.
        raise KilnError(_DTYPE_ERROR, "argument '%s' has byte order '%s' (dtype %s), not this "
                        "machine's; pass array.astype(array.dtype.newbyteorder('='))"
                        % (name, a.dtype.byteorder, a.dtype.str))
    itemsize = a.dtype.itemsize
    if any(s % itemsize for s in a.strides):
        raise KilnError(_LAYOUT_ERROR, "argument '%s' has strides %s bytes, not whole elements; "
                        "pass numpy.ascontiguousarray(...)" % (name, a.strides))
    shape = (ctypes.c_int64 * a.ndim)(*a.shape)
    strides = (ctypes.c_int64 * a.ndim)(*[s // itemsize for s in a.strides])
    code = _CODES[a.dtype.kind]
    t = DLTensor(a.ctypes.data, DLDevice(1, 0), a.ndim, DLDataType(code, itemsize * 8, 1),
                 shape, strides, 0)
    return t, (a, shape, strides)


def _check(rc):
    if rc != 0:
        raise KilnError(rc, _lib.@NAME@_last_error().decode())


def set_num_threads(n):
    """Threads the kernels' parallel loops use."""
    _check(_lib.@NAME@_set_num_threads(n))


def num_threads():
    return _lib.@NAME@_num_threads()


def load_torch(build_directory=None, verbose=False):
    """Builds the PyTorch extension in torch/ (once; the first build takes a
    while) and loads it. Returns torch.ops.@NAME@."""
    import torch
    from torch.utils import cpp_extension

    build = build_directory or os.path.join(_DIR, "torch", "build")
    os.makedirs(build, exist_ok=True)
    cpp_extension.load(
        name="@NAME@_torch",
        sources=[os.path.join(_DIR, "torch", "@NAME@_torch.cpp")],
        extra_include_paths=[os.path.join(_DIR, "include")],
        extra_cflags=["-O1", "-w"],
        extra_ldflags=["-L" + _DIR, "-l@NAME@", "-Wl,-rpath," + _DIR],
        build_directory=build,
        is_python_module=False,
        verbose=verbose,
    )
    return getattr(torch.ops, "@NAME@")
)PY";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

std::string numpy_dtype(Type t) {
  internal_assert(!t.is_bfloat()) << "NumPy has no bfloat16";
  return "np." + framework_dtype_name(t);
}

std::string function_source(const PackagePlan& plan, const PackageFunction& fn) {
  const std::string op = fn.name.substr(plan.name.size() + 1);
  std::ostringstream py;
  std::string params, views;
  for (const Tensor& t : fn.generic.inputs()) params += (params.empty() ? "" : ", ") + t.name();
  const size_t n_in = fn.generic.inputs().size(), n_out = fn.generic.outputs().size();
  py << "_lib." << fn.name << ".argtypes = [_P_DLTENSOR] * " << (n_in + n_out) << "\n"
     << "_lib." << fn.name << "_output_shapes.argtypes = [_P_DLTENSOR] * " << n_in
     << " + [_P_INT64] * " << n_out << "\n\n\n"
     << "def " << op << "(" << params << "):\n"
     << "    \"\"\"" << fn.op->description() << "\n\n";
  for (const Tensor& t : fn.generic.inputs()) {
    py << "    " << t.name() << ": " << framework_dtype_name(t.dtype()) << " " << shape_str(t.shape()) << "\n";
  }
  py << "    Returns " << (n_out == 1 ? "" : "a tuple ");
  for (size_t i = 0; i < n_out; i++) {
    const Tensor& t = fn.generic.outputs()[i];
    py << (i ? ", " : "") << t.name() << ": " << framework_dtype_name(t.dtype()) << " " << shape_str(t.shape());
  }
  py << ". Raises KilnError for arrays the kernels cannot take.\"\"\"\n";
  for (const Tensor& t : fn.generic.inputs()) {
    py << "    " << t.name() << "_dl, " << t.name() << "_keep = _view(" << t.name() << ", \"" << t.name() << "\")\n";
    views += (views.empty() ? "" : ", ") + std::string("ctypes.byref(") + t.name() + "_dl)";
  }
  std::string shapes;
  for (const Tensor& t : fn.generic.outputs()) {
    py << "    " << t.name() << "_shape = (ctypes.c_int64 * " << t.ndim() << ")()\n";
    shapes += (views.empty() && shapes.empty() ? "" : ", ") + t.name() + "_shape";
  }
  py << "    _check(_lib." << fn.name << "_output_shapes(" << views << shapes << "))\n";
  std::string outs;
  for (const Tensor& t : fn.generic.outputs()) {
    py << "    " << t.name() << " = np.empty(tuple(" << t.name() << "_shape), dtype=" << numpy_dtype(t.dtype()) << ")\n"
       << "    " << t.name() << "_dl, " << t.name() << "_keep = _view(" << t.name() << ", \"" << t.name() << "\")\n";
    views += (views.empty() ? "" : ", ") + std::string("ctypes.byref(") + t.name() + "_dl)";
    outs += (outs.empty() ? "" : ", ") + t.name();
  }
  py << "    _check(_lib." << fn.name << "(" << views << "))\n"
     << "    return " << outs << "\n\n\n";
  return py.str();
}

int error_code(const std::string& name) {
  const auto& codes = package_error_codes();
  for (size_t i = 0; i < codes.size(); i++) {
    if (codes[i].first == name) return static_cast<int>(i);
  }
  internal_error << "no error code " << name;
  return 0;
}

}  // namespace

std::string python_loader_source(const PackagePlan& plan) {
  std::ostringstream py;
  py << "\"\"\"Package " << plan.name << " (generated by kiln " << KILN_VERSION
     << ") for NumPy: arrays in, arrays out,\nthrough lib" << plan.name
     << ".so's C functions (ctypes, DLPack tensors, no copies).\n\n"
     << "    import sys; sys.path.insert(0, \"<package>/python\")\n    import " << plan.name << "\n";
  for (const PackageFunction& fn : plan.functions) {
    std::string params;
    for (const Tensor& t : fn.generic.inputs()) params += (params.empty() ? "" : ", ") + t.name();
    py << "    " << fn.generic.outputs()[0].name() << " = " << plan.name << "."
       << fn.name.substr(plan.name.size() + 1) << "(" << params << ")\n";
  }
  py << "\nArrays must be C-contiguous with the dtypes the functions list; anything\n"
     << "else raises KilnError. load_torch() builds and loads the PyTorch operators.\n\"\"\"\n";
  std::string common = replace_all(kCommon, "@NAME@", plan.name);
  common = replace_all(common, "@PREFIX@", macro_prefix(plan.name));
  common = replace_all(common, "@LAYOUT@", std::to_string(error_code("ERROR_LAYOUT")));
  common = replace_all(common, "@DTYPE@", std::to_string(error_code("ERROR_DTYPE")));
  py << common << "\n\n";
  if (plan.target.kind == Target::Kind::CUDA) {
    py << "# The functions of this package take CUDA tensors, which NumPy cannot hold: call\n"
       << "# them through load_torch() with CUDA tensors, or from C.\n";
    return py.str();
  }
  for (const PackageFunction& fn : plan.functions) {
    bool bf16 = false;
    for (const Tensor& t : kernel_arguments(fn.generic)) bf16 = bf16 || t.dtype().is_bfloat();
    if (bf16) {
      py << "# " << fn.name << " takes bfloat16, which NumPy lacks: call it through load_torch().\n\n\n";
      continue;
    }
    py << function_source(plan, fn);
  }
  return py.str();
}

}  // namespace kiln
