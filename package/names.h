#pragma once
/// \file
/// Which names a package and its functions may take. A name appears in the
/// C header (`<pkg>_<fn>`, `<pkg>_<fn>_output_shapes`), the PyTorch extension
/// (`TORCH_LIBRARY(<pkg>, m)`, C++), the Python loader (`<pkg>.py`, one
/// function per name beside its own helpers) and file names (lib<pkg>.so),
/// so a valid C identifier is not enough: `return`, `np`, `numpy` or
/// `last_error` would each break one of them.

#include <string>

namespace kiln {

/// The longest package or function name accepted.
constexpr size_t kMaxPackageNameLength = 64;

/// Why `name` cannot name a package, or "" when it can.
std::string package_name_problem(const std::string& name);

/// Why `name` cannot name a function of a package, or "" when it can.
std::string function_name_problem(const std::string& name);

}  // namespace kiln
