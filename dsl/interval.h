#pragma once
/// \file
/// Interval arithmetic over expressions, for bounds inference and the
/// simplifier. An Interval is inclusive [min, max]; an undefined end means
/// unbounded on that side. Bounds may be symbolic (size vars, outer loops).

#include <map>
#include <string>

#include "dsl/ir.h"

namespace kiln {

struct Interval {
  Expr min, max;  ///< inclusive; undefined = unbounded
  static Interval point(const Expr& e) { return {e, e}; }
  static Interval everything() { return {}; }
  bool is_bounded() const { return min.defined() && max.defined(); }
  bool is_point() const;  ///< min and max are the same expression
};

/// Variables with known ranges (by name). Vars absent from a scope are
/// treated as unknown symbols (points).
using Scope = std::map<std::string, Interval>;

/// The range an expression takes when each var in scope ranges over its
/// interval. Results are simplified. Sound (may over-approximate).
Interval bounds_of(const Expr& e, const Scope& scope);

/// The smallest interval containing both.
Interval interval_union(const Interval& a, const Interval& b);

}  // namespace kiln
