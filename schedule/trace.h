#pragma once
/// \file
/// A trace: the primitives applied to a schedule, in order, as plain data.
/// It serializes to JSON:
///   {"kiln_trace": 1, "op": "matmul",
///    "steps": [{"primitive": "split", "loop": "C.i", "factor": 32}, ...]}
/// Each step names its primitive and its arguments by the primitive's
/// parameter names: loop, loops, factor, nparts, outer, inner, stage,
/// tensor, readers, x, y, fx, fy.

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// The most steps a trace read from JSON may have: kiln's own schedules take
/// fewer than 100, and replaying thousands of nested splits takes minutes.
constexpr size_t kMaxTraceSteps = 512;

/// One primitive with its arguments.
struct TraceStep {
  std::string primitive;             ///< "split", "reorder", "compute_at", ...
  std::vector<std::string> names;    ///< loop / stage / tensor names, in parameter order
  std::vector<int64_t> ints;         ///< factors, in parameter order
  bool operator==(const TraceStep& o) const {
    return primitive == o.primitive && names == o.names && ints == o.ints;
  }
};

struct Trace {
  std::vector<TraceStep> steps;
  bool operator==(const Trace& o) const { return steps == o.steps; }

  /// The JSON text of this trace; op names the definition it was made for.
  std::string to_json(const std::string& op = "") const;
  /// Parses JSON text; throws UserError naming the bad field and step.
  static Trace from_json(const std::string& text);
  /// Reads a trace file; throws UserError when it is missing or bad.
  static Trace load(const std::string& path);
};

}  // namespace kiln
