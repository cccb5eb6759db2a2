#pragma once
/// \file
/// Replacing variables, and asking which variables an expression uses.

#include <map>
#include <set>
#include <string>

#include "dsl/ir.h"

namespace kiln {

/// Replaces free uses of each named Var (by name) with its expression.
/// Bindings (Let, LetStmt, For) of the same name shadow the replacement.
Expr substitute(const Expr& e, const std::map<std::string, Expr>& replacements);
Stmt substitute(const Stmt& s, const std::map<std::string, Expr>& replacements);
Expr substitute(const Expr& e, const std::string& name, const Expr& value);

/// Whether a Var of that name occurs in e.
bool expr_uses_var(const Expr& e, const std::string& name);
bool stmt_uses_var(const Stmt& s, const std::string& name);
/// Names of Vars used but not bound inside.
std::set<std::string> free_vars(const Expr& e);
std::set<std::string> free_vars(const Stmt& s);

}  // namespace kiln
