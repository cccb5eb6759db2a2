#pragma once
/// \file
/// `kiln package` as a library call: plan the package, choose schedules,
/// compile every kernel ahead of time, generate the C header and wrappers,
/// the PyTorch extension, the Python loader, the manifest and the README,
/// and link lib<name>.so and lib<name>.a.
///
///   PackageOptions opt;
///   opt.out_dir = "out/myops";
///   PackageResult r = build_package(load_package_spec("myops.json"), opt);

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "package/plan.h"
#include "package/spec.h"

namespace kiln {

struct PackageOptions {
  std::string out_dir;
  /// The tuning database to take schedules from: a path, or "" for the
  /// default database (used only when it exists).
  std::string db_path;
  /// Tune kernels the database has no schedule for.
  bool tune_missing = false;
  /// Seconds of tuning for the whole package (split over missing kernels).
  double time_budget_s = 60;
  /// Overrides the spec's target when not empty.
  std::string target;
  /// Thread count the database lookups (and tuning) assume (<= 0: kiln's
  /// current thread count).
  int threads = 0;
  /// Progress lines, one per step (may be empty).
  std::function<void(const std::string&)> progress;
};

struct PackageResult {
  PackagePlan plan;
  /// One line per kernel on a default schedule, and other things a user
  /// should know ("M=64,N=N,K=32: default schedule (free sizes are not tuned)").
  std::vector<std::string> notes;
  std::map<std::string, double> compile_ms;  ///< per kernel symbol
  std::string library;                       ///< path of lib<name>.so
};

/// Builds the package into opt.out_dir (created; files of an earlier
/// package there are replaced). Throws UserError for a bad spec, target,
/// database or a failing compiler.
PackageResult build_package(const PackageSpec& spec, const PackageOptions& opt);

}  // namespace kiln
