#pragma once
/// \file
/// Integer arithmetic that folds constants as it builds, for the passes
/// that write index expressions (flatten_storage, partition_tails,
/// vectorize_loops): a unit stride or a zero minimum leaves no trace, so
/// the result stays readable and a later pass can recognize a literal
/// (the vectorizer finds dense accesses by a constant stride of 1). Only
/// these trivial cases fold; everything else is left to the simplifier.
/// Results of two constants have the type of `a`.

#include "dsl/ir.h"

namespace kiln {

/// a + b; folds two constants and a zero on either side.
Expr fold_add(const Expr& a, const Expr& b);
/// a - b; folds two constants and a zero b.
Expr fold_sub(const Expr& a, const Expr& b);
/// a * b; folds two constants, a zero and a one on either side.
Expr fold_mul(const Expr& a, const Expr& b);
/// min(a, b); folds two constants.
Expr fold_min(const Expr& a, const Expr& b);
/// max(a, b); folds two constants.
Expr fold_max(const Expr& a, const Expr& b);

}  // namespace kiln
