// `--schedule tuned`: the tuning database's best schedule for a workload,
// on the host (with the current thread count) or on a GPU.
#include "autotune/tuner.h"
#include "cli/common.h"

namespace kiln::cli {

Schedule tuned_schedule(const Workload& w, const Target& target, const MeasuredOn& on,
                        const std::string& db_path) {
  TuningDatabase db = TuningDatabase::open(default_database_path(db_path));
  const std::optional<TuningRecord> best =
      tuned_record(db, *w.op, w.sizes, w.options, target, on);
  const std::string db_flag = db_path.empty() ? "" : " --db " + db_path;
  if (!best && on.gpu) {
    user_error << w.op->name() << " " << shape_string(w) << " for " << target.str() << " on "
               << on.gpu->device << " (driver " << on.gpu->driver_version << ") is not tuned in "
               << db.path() << "; run `kiln tune " << w.op->name() << " --shape "
               << shape_string(w) << " --target '" << target.str() << "'" << db_flag
               << "` first (the GPU and its driver are part of the workload)";
  }
  if (!best) {
    user_error << w.op->name() << " " << shape_string(w) << " with " << on.threads << " thread"
               << (on.threads == 1 ? "" : "s") << " is not tuned in " << db.path()
               << "; run `kiln tune " << w.op->name() << " --shape " << shape_string(w)
               << " --threads " << on.threads << db_flag
               << "` first (the thread count is part of the workload)";
  }
  try {
    return Schedule::replay(w.def, Trace::from_json(best->trace_json));
  } catch (const ScheduleError& e) {
    user_error << "the tuned " << (on.gpu ? "GPU " : "") << "schedule of " << w.op->name() << " "
               << shape_string(w) << " in " << db.path() << " (record " << best->id
               << ") no longer applies: " << e.short_message() << "; retune with `kiln tune ..."
               << (on.gpu ? " --target cuda" : "") << " --retune`";
  }
  return Schedule(w.def);  // not reached: user_error throws
}

}  // namespace kiln::cli
