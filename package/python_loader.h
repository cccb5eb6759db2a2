#pragma once
/// \file
/// The package's Python loader (python/<name>.py): the C functions through
/// ctypes, NumPy arrays passed as DLPack tensors without copying, outputs
/// allocated from <fn>_output_shapes, errors raised as <name>.KilnError.
/// It needs NumPy, not PyTorch; its load_torch() builds and loads the
/// PyTorch extension for those who have PyTorch.

#include <string>

#include "package/plan.h"

namespace kiln {

/// python/<name>.py.
std::string python_loader_source(const PackagePlan& plan);

}  // namespace kiln
