#pragma once
/// \file
/// The package's C interface: include/<name>.h (c_header.cpp) and the C
/// source of the wrappers behind it (c_wrapper.cpp). Every function takes
/// DLPack tensors (inputs, then outputs the caller allocated), checks
/// device, dtype, rank, shape, strides and overlap, picks the kernel for the sizes it was given and
/// returns an error code; <name>_last_error() returns the message of the
/// calling thread's last failure. <fn>_output_shapes() computes the output
/// shapes from the inputs, so callers (the torch extension, the Python
/// loader) can allocate outputs.

#include <map>
#include <string>
#include <vector>

#include "package/cuda_launch.h"
#include "package/plan.h"

namespace kiln {

/// The text of include/<name>.h.
std::string package_c_header(const PackagePlan& plan);

/// The C11 source of the wrappers (src/<name>_wrapper.c). For a CPU target
/// it declares the kernels (compiled separately); for a CUDA target it holds
/// each kernel's PTX and launcher, from `cuda` (by kernel symbol).
std::string package_c_wrapper(const PackagePlan& plan,
                              const std::map<std::string, CudaKernelCode>& cuda = {});

/// Every symbol the shared library exports: the functions the header
/// declares. Kernels and the runtime stay hidden.
std::vector<std::string> package_exported_symbols(const PackagePlan& plan);

/// The error codes, in order from 0, as "<NAME>_OK", "<NAME>_ERROR_NULL", ...
/// (without the prefix: "OK", "ERROR_NULL", ...), with what each means.
const std::vector<std::pair<std::string, std::string>>& package_error_codes();

/// The target in one line: "llvm -mcpu=znver4 (x86_64-pc-linux-gnu, 96 CPU
/// feature flags)" (manifest.json has every feature), or the CUDA target.
std::string target_summary(const Target& target);

/// "MYOPS" for "myops": the prefix of the header's macros.
std::string macro_prefix(const std::string& package_name);

/// "myops_matmul(A, B, C)"-style parameter names of fn: inputs then outputs.
std::vector<std::string> function_argument_names(const PackageFunction& fn);

/// "M=64,N=N,K=32": the kernel's sizes, a free size written as its name.
std::string kernel_sizes_text(const PackageFunction& fn, const PackageKernel& k);

/// The C parameter lists of fn's entry points:
/// "const DLTensor* A, const DLTensor* B" (inputs),
/// "const DLTensor* A, const DLTensor* B, int64_t* C_shape" (output shapes),
/// "const DLTensor* A, const DLTensor* B, DLTensor* C" (the call).
std::string c_input_params(const PackageFunction& fn);
std::string c_output_shapes_params(const PackageFunction& fn);
std::string c_call_params(const PackageFunction& fn);

}  // namespace kiln
