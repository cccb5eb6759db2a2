#pragma once
/// \file
/// Choosing each kernel's schedule: the tuning database's best record for
/// its workload when there is one, else (with tune_missing) a tuning run,
/// else the op's default schedule. Kernels with free sizes always use the
/// default schedule: the database holds concrete workloads only.

#include <functional>
#include <string>
#include <vector>

#include "package/plan.h"

namespace kiln {

struct ScheduleSelection {
  /// A database path, or "" for the default database (only when it exists:
  /// packaging never creates one uninvited).
  std::string db_path;
  bool tune_missing = false;
  double time_budget_s = 60;
  int threads = 0;  ///< <= 0: kiln's current thread count
  std::function<void(const std::string&)> progress;
};

/// Updates every kernel of plan (trace, source, record, workload key) and
/// returns one note per kernel left on its default schedule, saying why.
std::vector<std::string> select_schedules(PackagePlan& plan, const ScheduleSelection& sel);

}  // namespace kiln
