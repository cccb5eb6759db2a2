#pragma once
/// \file
/// The DLPack header a package ships (include/dlpack.h): kiln's
/// runtime/dlpack.h with the include guard of the reference dlpack.h
/// (DLPACK_DLPACK_H_), so a translation unit that also includes another
/// framework's dlpack.h (PyTorch's ATen/dlpack.h) sees one definition.

#include <string>

namespace kiln {

/// The text of include/dlpack.h (runtime/dlpack.h, embedded at build time).
const std::string& package_dlpack_header();

}  // namespace kiln
