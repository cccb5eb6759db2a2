#pragma once
/// \file
/// What generated package sources need to name kiln types and write shape
/// expressions in C: element types, DLPack dtype codes, and a size
/// expression (constants, size vars, + - * floor-div floor-mod min max) as
/// a C expression over variables the caller names.

#include <functional>
#include <string>

#include "codegen/c_element_type.h"
#include "dsl/ir.h"

namespace kiln {

/// The DLPack type code (kDLFloat is 2, ...) and bits of t.
int dlpack_code(Type t);
/// The name PyTorch and NumPy give t ("float32", "bfloat16", "bool").
std::string framework_dtype_name(Type t);

/// e as a C expression of type int64_t. `var` maps a size var's name to the
/// C expression holding its value. Division and modulo call the generated
/// helpers kiln_floordiv and kiln_floormod (floor semantics, as in kiln);
/// min and max call kiln_min and kiln_max. Conditions on sizes (comparisons,
/// &&, ||, !, ?:) are C conditions. Throws InternalError for an expression
/// a shape cannot hold.
std::string c_size_expr(const Expr& e, const std::function<std::string(const std::string&)>& var);

}  // namespace kiln
