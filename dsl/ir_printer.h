#pragma once
/// \file
/// Readable pseudo-C for expressions, statements and definitions, used by
/// `kiln show`, KILN_LOG_PASSES and test failure messages.

#include <ostream>
#include <string>

#include "dsl/ir.h"

namespace kiln {
class ComputeDef;

std::string to_string(const Expr& e);
std::string to_string(const Stmt& s);
/// Every stage of a definition: "C[i, j] = sum(A[i, k] * B[k, j], k in [0, K))".
std::string to_string(const ComputeDef& def);
std::ostream& operator<<(std::ostream& os, const Expr& e);
std::ostream& operator<<(std::ostream& os, const Stmt& s);
}  // namespace kiln
