#pragma once
/// \file
/// The package's PyTorch extension: C++ source registering every function
/// as torch.ops.<name>.<op> with TORCH_LIBRARY, and a setup.py. The
/// operators allocate their outputs (shapes from <fn>_output_shapes), pass
/// tensors' data pointers to the C functions without copying, and turn an
/// error code into a Python RuntimeError carrying <name>_last_error().

#include <string>

#include "package/plan.h"

namespace kiln {

/// torch/<name>_torch.cpp.
std::string torch_extension_source(const PackagePlan& plan);
/// torch/setup.py (builds <name>_torch against lib<name>.so).
std::string torch_setup_py(const PackagePlan& plan);

}  // namespace kiln
