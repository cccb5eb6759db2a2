#pragma once
/// \file
/// The C name of a kiln element type, for the C sources kiln writes: the
/// header of an AOT object (codegen/llvm/aot.cpp) and a package's wrapper
/// and header (package/).

#include <string>

#include "dsl/ir.h"

namespace kiln {

/// The C element type a kernel takes for t ("float", "int64_t"; f16 and
/// bf16 as "uint16_t", bool as "uint8_t").
std::string c_element_type(Type t);

}  // namespace kiln
