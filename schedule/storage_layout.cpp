#include "schedule/storage_layout.h"

#include <cstdlib>
#include <map>

#include "base/error.h"
#include "dsl/ir_operators.h"
#include "dsl/simplify.h"
#include "schedule/schedule_error.h"

namespace kiln {
namespace {

using schedule_detail::str;

/// Splits "c/16" into ("c", '/', 16); a plain name gives op 0.
bool split_entry(const std::string& entry, std::string* axis, char* op, int64_t* factor,
                 std::string* problem) {
  const size_t at = entry.find_first_of("/%");
  if (at == std::string::npos) {
    *axis = entry;
    *op = 0;
    return true;
  }
  *axis = entry.substr(0, at);
  *op = entry[at];
  const std::string digits = entry.substr(at + 1);
  bool ok = !digits.empty() && digits.size() <= 9;
  for (char ch : digits) ok = ok && ch >= '0' && ch <= '9';
  if (!ok) {
    *problem = str("'", entry, "': the block size after '", *op, "' must be an integer from 2 to ",
                   kMaxLayoutFactor);
    return false;
  }
  *factor = std::strtoll(digits.c_str(), nullptr, 10);
  if (*factor < 2 || *factor > kMaxLayoutFactor) {
    *problem = str("'", entry, "': the block size must be from 2 to ", kMaxLayoutFactor,
                   " (a block of 1 is the axis itself)");
    return false;
  }
  return true;
}

}  // namespace

std::vector<StorageDim> parse_storage_layout(const std::vector<std::string>& spec,
                                             const std::vector<std::string>& axis_names,
                                             std::string* problem) {
  std::vector<StorageDim> layout;
  // Per axis: how it appeared (whole, or its outer and inner parts).
  std::map<int, int> whole, outer, inner;
  std::map<int, int64_t> factor_of;
  for (const std::string& entry : spec) {
    std::string name;
    char op = 0;
    int64_t factor = 1;
    if (!split_entry(entry, &name, &op, &factor, problem)) return {};
    int axis = -1;
    for (size_t a = 0; a < axis_names.size(); ++a) {
      if (axis_names[a] == name) axis = static_cast<int>(a);
    }
    if (axis < 0) {
      std::string names;
      for (const std::string& n : axis_names) names += (names.empty() ? "" : ", ") + n;
      *problem = str("'", entry, "' names no axis; the axes are ", names);
      return {};
    }
    std::map<int, int>& seen = op == 0 ? whole : op == '/' ? outer : inner;
    if (seen[axis]++ > 0 || (op == 0 && (outer.count(axis) || inner.count(axis))) ||
        (op != 0 && whole.count(axis))) {
      *problem = str("axis '", name, "' appears more than once");
      return {};
    }
    if (op != 0) {
      auto [it, fresh] = factor_of.emplace(axis, factor);
      if (!fresh && it->second != factor) {
        *problem = str("axis '", name, "' is blocked by ", it->second, " and by ", factor,
                       "; both parts need the same block size");
        return {};
      }
    }
    StorageDim d;
    d.axis = axis;
    d.part = op == 0 ? StorageDim::Part::Whole
                     : op == '/' ? StorageDim::Part::Outer : StorageDim::Part::Inner;
    d.factor = factor;
    layout.push_back(d);
  }
  for (size_t a = 0; a < axis_names.size(); ++a) {
    const int axis = static_cast<int>(a);
    const bool blocked = outer.count(axis) || inner.count(axis);
    if (!whole.count(axis) && !blocked) {
      *problem = str("axis '", axis_names[a], "' is missing; every axis is stored, whole ('",
                     axis_names[a], "') or blocked ('", axis_names[a], "/16' and '", axis_names[a],
                     "%16')");
      return {};
    }
    if (blocked && !(outer.count(axis) && inner.count(axis))) {
      const char* missing = outer.count(axis) ? "%" : "/";
      *problem = str("axis '", axis_names[a], "' has one part of a block; add '", axis_names[a],
                     missing, factor_of[axis], "' too");
      return {};
    }
  }
  return layout;
}

bool is_row_major(const std::vector<StorageDim>& layout) {
  for (size_t d = 0; d < layout.size(); ++d) {
    if (layout[d].axis != static_cast<int>(d) || layout[d].part != StorageDim::Part::Whole) {
      return false;
    }
  }
  return true;
}

std::vector<Expr> storage_extents(const std::vector<StorageDim>& layout,
                                  const std::vector<Expr>& logical_extents) {
  std::vector<Expr> out;
  for (const StorageDim& d : layout) {
    internal_assert(d.axis >= 0 && d.axis < static_cast<int>(logical_extents.size()))
        << "storage layout names axis " << d.axis << " of a rank-" << logical_extents.size()
        << " buffer";
    const Expr& e = logical_extents[d.axis];
    const Expr f = make_index(d.factor);
    switch (d.part) {
      case StorageDim::Part::Whole: out.push_back(e); break;
      case StorageDim::Part::Outer: out.push_back(simplify((e + f - 1) / f)); break;
      case StorageDim::Part::Inner: out.push_back(f); break;
    }
  }
  return out;
}

std::vector<Expr> storage_indices(const std::vector<StorageDim>& layout,
                                  const std::vector<Expr>& local) {
  std::vector<Expr> out;
  for (const StorageDim& d : layout) {
    const Expr& i = local.at(d.axis);
    switch (d.part) {
      case StorageDim::Part::Whole: out.push_back(i); break;
      case StorageDim::Part::Outer: out.push_back(i / make_index(d.factor)); break;
      case StorageDim::Part::Inner: out.push_back(i % make_index(d.factor)); break;
    }
  }
  return out;
}

}  // namespace kiln
