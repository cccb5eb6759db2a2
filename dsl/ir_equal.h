#pragma once
/// \file
/// Structural equality and hashing: two trees are equal when they have the
/// same node kinds, types, names, constants and operations (tensors compare
/// by name, dtype and shape) in the same places. Used for workload keys,
/// compile caches and pass tests.

#include <cstdint>

#include "dsl/ir.h"

namespace kiln {
class ComputeDef;

bool equal(const Expr& a, const Expr& b);
bool equal(const Stmt& a, const Stmt& b);
uint64_t structural_hash(const Expr& e);
uint64_t structural_hash(const Stmt& s);
/// Covers every stage's name, dtype, shape, axes and body, and the argument order.
uint64_t structural_hash(const ComputeDef& def);
}  // namespace kiln
