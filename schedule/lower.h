#pragma once
/// \file
/// Lowering: a Schedule becomes a LoweredFunc. The passes, in order, are in
/// lower.cpp; each can be printed after it runs.

#include <functional>
#include <string>

#include "base/target.h"
#include "schedule/lowered_func.h"
#include "schedule/schedule.h"

namespace kiln {

struct LowerOptions {
  /// Called after every pass with its name and the IR; also enabled by the
  /// environment variable KILN_LOG_PASSES=1 (prints to stderr).
  std::function<void(const std::string& pass, const Stmt& s)> on_pass;
  /// Stop after the named pass ("" = run them all). Used by `kiln show`.
  std::string stop_after;
  /// The target: a CUDA target runs the GPU passes (checks, storage
  /// scopes, barriers) and keeps split tails guarded instead of
  /// partitioning them. Default: an LLVM (CPU) target.
  Target target;
};

/// Lowers a schedule to a kernel named `name` (default: the def's name).
LoweredFunc lower(const Schedule& sch, const std::string& name = "",
                  const LowerOptions& options = {});

/// The pass names, in order, for an LLVM (CPU) target (for `kiln show
/// --stage` and logging).
const std::vector<std::string>& lowering_pass_names();
/// The pass names, in order, that run for `target` (CUDA adds GPU checks,
/// storage scopes and barriers, and keeps tails guarded).
std::vector<std::string> lowering_pass_names(const Target& target);

}  // namespace kiln
