#pragma once
/// \file
/// The simplifier: constant folding, canonical linear forms (sums of
/// constant * term, constants last), min/max/select rules, and conditions
/// proved true or false from the ranges of loop variables.

#include "dsl/interval.h"
#include "dsl/ir.h"

namespace kiln {

/// Simplifies e, using known ranges of variables.
Expr simplify(const Expr& e, const Scope& scope = {});
/// Simplifies a statement: tracks For ranges and Let values as it descends,
/// removes ifs whose condition it proves, drops loops of extent 0, turns
/// loops of extent 1 into lets.
Stmt simplify(const Stmt& s, const Scope& scope = {});
/// True when cond is provably true for every value of the vars in scope.
bool can_prove(const Expr& cond, const Scope& scope = {});

}  // namespace kiln
