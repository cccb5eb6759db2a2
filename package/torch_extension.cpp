// Generating the PyTorch extension. It holds no checks of its own: every
// tensor goes to the C functions as a DLTensor viewing its memory, and the
// C side rejects what its kernels cannot take. Only the narrow ATen headers
// are included (not torch/extension.h), which keeps the build short.
#include "package/torch_extension.h"

#include <sstream>

#include "base/error.h"
#include "package/c_api.h"
#include "package/c_types.h"

namespace kiln {

namespace {

const char* kHelpers = R"HELPERS(namespace {

/// DLPack's name for a tensor's element type; other types (complex,
/// quantized) get one that matches no kernel, so the C check reports them.
DLDataType dlpack_dtype(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat: return {kDLFloat, 32, 1};
    case at::kDouble: return {kDLFloat, 64, 1};
    case at::kHalf: return {kDLFloat, 16, 1};
    case at::kBFloat16: return {kDLBfloat, 16, 1};
    case at::kChar: return {kDLInt, 8, 1};
    case at::kShort: return {kDLInt, 16, 1};
    case at::kInt: return {kDLInt, 32, 1};
    case at::kLong: return {kDLInt, 64, 1};
    case at::kByte: return {kDLUInt, 8, 1};
    // kDLBool (6) is newer than the DLPack header some PyTorch versions ship.
    case at::kBool: return {6, 8, 1};
    case at::kComplexFloat: return {kDLComplex, 64, 1};
    case at::kComplexDouble: return {kDLComplex, 128, 1};
    default: return {kDLOpaqueHandle, 0, 1};
  }
}

/// A DLTensor viewing t's memory (no copy). t owns the shape and strides
/// it points to, so t must outlive the call.
DLTensor dlpack_view(const at::Tensor& t, const char* arg) {
  TORCH_CHECK(t.defined(), "argument '", arg, "' is an undefined tensor");
  TORCH_CHECK(t.layout() == at::kStrided, "argument '", arg, "' is a ", t.layout(),
              " tensor; the kernels take dense (strided) tensors");
  DLTensor d;
  d.data = t.data_ptr();  // already includes the storage offset
  d.device.device_type = t.is_cpu() ? kDLCPU : t.is_cuda() ? kDLCUDA : kDLExtDev;
  d.device.device_id = t.is_cpu() ? 0 : t.device().index();
  d.ndim = static_cast<int32_t>(t.dim());
  d.dtype = dlpack_dtype(t);
  d.shape = const_cast<int64_t*>(t.sizes().data());
  d.strides = const_cast<int64_t*>(t.strides().data());
  d.byte_offset = 0;
  return d;
}

}  // namespace
)HELPERS";

std::string scalar_type(Type t) {
  switch (t.code) {
    case TypeCode::Bool: return "at::kBool";
    case TypeCode::BFloat: return "at::kBFloat16";
    case TypeCode::Float: return t.bits == 64 ? "at::kDouble" : t.bits == 32 ? "at::kFloat" : "at::kHalf";
    case TypeCode::Int:
      return t.bits == 8 ? "at::kChar" : t.bits == 16 ? "at::kShort" : t.bits == 32 ? "at::kInt" : "at::kLong";
    case TypeCode::UInt: return "at::kByte";
  }
  return "at::kFloat";
}

std::string op_name(const PackagePlan& plan, const PackageFunction& fn) {
  return fn.name.substr(plan.name.size() + 1);
}

std::string return_type(const PackageFunction& fn) {
  if (fn.generic.outputs().size() == 1) return "at::Tensor";
  std::string s = "std::tuple<";
  for (size_t i = 0; i < fn.generic.outputs().size(); i++) s += (i ? ", " : "") + std::string("at::Tensor");
  return s + ">";
}

std::string schema(const PackagePlan& plan, const PackageFunction& fn) {
  std::string s = op_name(plan, fn) + "(";
  for (size_t i = 0; i < fn.generic.inputs().size(); i++) {
    s += (i ? ", " : "") + std::string("Tensor ") + fn.generic.inputs()[i].name();
  }
  s += ") -> ";
  if (fn.generic.outputs().size() == 1) return s + "Tensor";
  s += "(";
  for (size_t i = 0; i < fn.generic.outputs().size(); i++) s += (i ? ", " : "") + std::string("Tensor");
  return s + ")";
}

std::string op_function(const PackagePlan& plan, const PackageFunction& fn) {
  const std::string P = macro_prefix(plan.name);
  std::ostringstream c;
  std::string params;
  for (const Tensor& t : fn.generic.inputs()) {
    params += (params.empty() ? "" : ", ") + std::string("const at::Tensor& ") + t.name();
  }
  c << "/// " << fn.op->description() << "\n"
    << return_type(fn) << " " << op_name(plan, fn) << "(" << params << ") {\n";
  std::string views;
  for (const Tensor& t : fn.generic.inputs()) {
    c << "  DLTensor " << t.name() << "_dl = dlpack_view(" << t.name() << ", \"" << t.name() << "\");\n";
    views += (views.empty() ? "" : ", ") + std::string("&") + t.name() + "_dl";
  }
  std::string shapes;
  for (const Tensor& t : fn.generic.outputs()) {
    c << "  std::vector<int64_t> " << t.name() << "_shape(" << t.ndim() << ");\n";
    shapes += ", " + t.name() + "_shape.data()";
  }
  c << "  int rc = " << fn.name << "_output_shapes(" << views
    << (views.empty() ? shapes.substr(2) : shapes) << ");\n"
    << "  TORCH_CHECK(rc == " << P << "_OK, " << plan.name << "_last_error(), \" (error code \", rc, \")\");\n";
  // Outputs go where the first input lives; a CUDA input is refused by the
  // C check before any kernel runs.
  const std::string where = fn.generic.inputs().empty() ? "at::TensorOptions()"
                                                        : fn.generic.inputs()[0].name() + ".options()";
  std::string outs;
  for (const Tensor& t : fn.generic.outputs()) {
    c << "  at::Tensor " << t.name() << " = at::empty(" << t.name() << "_shape, " << where
      << ".dtype(" << scalar_type(t.dtype()) << "));\n"
      << "  DLTensor " << t.name() << "_dl = dlpack_view(" << t.name() << ", \"" << t.name() << "\");\n";
    views += (views.empty() ? "" : ", ") + std::string("&") + t.name() + "_dl";
    outs += (outs.empty() ? "" : ", ") + t.name();
  }
  c << "  rc = " << fn.name << "(" << views << ");\n"
    << "  TORCH_CHECK(rc == " << P << "_OK, " << plan.name << "_last_error(), \" (error code \", rc, \")\");\n";
  if (fn.generic.outputs().size() == 1) {
    c << "  return " << outs << ";\n}\n\n";
  } else {
    c << "  return {" << outs << "};\n}\n\n";
  }
  return c.str();
}

}  // namespace

std::string torch_extension_source(const PackagePlan& plan) {
  std::ostringstream c;
  c << "// Generated by kiln " << KILN_VERSION << ": the PyTorch operators of package " << plan.name
    << ",\n// torch.ops." << plan.name << ".<op>(...). Build with setup.py, or call load_torch() of\n"
    << "// python/" << plan.name << ".py; tensors are passed to lib" << plan.name
    << ".so without copying.\n"
    << "#include <ATen/core/Tensor.h>\n#include <ATen/ops/empty.h>\n#include <torch/library.h>\n\n"
    << "#include <cstdint>\n#include <tuple>\n#include <vector>\n\n"
    << "// After ATen: its dlpack.h and the package's share one include guard.\n"
    << "#include \"" << plan.name << ".h\"\n\n"
    << kHelpers << "\n";
  for (const PackageFunction& fn : plan.functions) c << op_function(plan, fn);
  c << "TORCH_LIBRARY(" << plan.name << ", m) {\n";
  for (const PackageFunction& fn : plan.functions) {
    c << "  m.def(\"" << schema(plan, fn) << "\", " << op_name(plan, fn) << ");\n";
  }
  c << "}\n";
  return c.str();
}

std::string torch_setup_py(const PackagePlan& plan) {
  const std::string& n = plan.name;
  std::ostringstream p;
  p << "# Generated by kiln " << KILN_VERSION << ": builds the PyTorch operators of package " << n
    << ".\n#   cd torch && python3 setup.py build_ext --inplace\n"
    << "# then in Python: torch.ops.load_library(\"<this dir>/" << n << "_torch....so\");\n"
    << "# torch.ops." << n << ".<op>(...). (python/" << n
    << ".py's load_torch() does both in one call.)\n"
    << "import os\n\nfrom setuptools import setup\n"
    << "from torch.utils.cpp_extension import BuildExtension, CppExtension\n\n"
    << "here = os.path.dirname(os.path.abspath(__file__))\npackage = os.path.dirname(here)\n\n"
    << "setup(\n    name=\"" << n << "_torch\",\n    ext_modules=[\n        CppExtension(\n"
    << "            \"" << n << "_torch\",\n            [os.path.join(here, \"" << n << "_torch.cpp\")],\n"
    << "            include_dirs=[os.path.join(package, \"include\")],\n"
    << "            library_dirs=[package],\n            libraries=[\"" << n << "\"],\n"
    << "            extra_link_args=[\"-Wl,-rpath,\" + package],\n        )\n    ],\n"
    << "    cmdclass={\"build_ext\": BuildExtension},\n)\n";
  return p.str();
}

}  // namespace kiln
