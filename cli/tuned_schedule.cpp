// `--schedule tuned`: the tuning database's best schedule for a workload.
#include "autotune/tuner.h"
#include "cli/common.h"

namespace kiln::cli {

Schedule tuned_schedule(const Workload& w, const Target& target, const std::string& db_path) {
  TuningDatabase db = TuningDatabase::open(default_database_path(db_path));
  const std::optional<TuningRecord> best =
      tuned_record(db, *w.op, w.sizes, w.options, target, MeasuredOn::host(num_threads()));
  if (!best) {
    user_error << w.op->name() << " " << shape_string(w) << " with " << num_threads()
               << " thread" << (num_threads() == 1 ? "" : "s") << " is not tuned in " << db.path()
               << "; run `kiln tune " << w.op->name() << " --shape " << shape_string(w)
               << " --threads " << num_threads() << (db_path.empty() ? "" : " --db " + db_path)
               << "` first (the thread count is part of the workload)";
  }
  try {
    return Schedule::replay(w.def, Trace::from_json(best->trace_json));
  } catch (const ScheduleError& e) {
    user_error << "the tuned schedule of " << w.op->name() << " " << shape_string(w) << " in "
               << db.path() << " (record " << best->id << ") no longer applies: "
               << e.short_message() << "; retune with `kiln tune ... --retune`";
  }
  return Schedule(w.def);  // not reached: user_error throws
}

}  // namespace kiln::cli
