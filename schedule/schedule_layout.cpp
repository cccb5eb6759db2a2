// transform_layout: how a stage's buffer is laid out (see
// schedule/storage_layout.h). The schedule keeps the parsed layout on the
// stage; flatten_storage turns it into addresses.
#include "base/error.h"
#include "schedule/schedule.h"
#include "schedule/schedule_error.h"
#include "schedule/schedule_internal.h"

namespace kiln {

using namespace schedule_detail;

void Schedule::transform_layout(const std::string& stage, const std::vector<std::string>& layout) {
  TraceStep step{"transform_layout", {stage}, {}};
  step.names.insert(step.names.end(), layout.begin(), layout.end());
  int s = require_stage(step, def_, stages_, stage);
  StageSchedule& st = stages_[s];
  for (const Tensor& t : def_.outputs()) {
    if (t.name() == stage) {
      refuse(step, str("'", stage, "' is an output of ", def_.name(),
                       "; its layout is the caller's buffer. Use cache_write(", stage,
                       ") and transform the layout of the new stage, which ", stage,
                       " then copies out"),
             {stage_listing(stages_, stage)});
    }
  }
  if (st.attach == AttachKind::Inline) {
    refuse(step, str("'", stage, "' is inlined, so it has no storage to lay out; compute it at "
                     "root or at a loop first"),
           {stage_listing(stages_, stage)});
  }
  std::vector<std::string> axis_names;
  for (const IterVar& iv : st.op->axis) axis_names.push_back(iv.name());
  std::string problem;
  std::vector<StorageDim> parsed = parse_storage_layout(layout, axis_names, &problem);
  if (parsed.empty()) {
    refuse(step, str("layout {", join(layout), "} of '", stage, "' (axes ", join(axis_names),
                     "): ", problem));
  }
  st.storage_layout = is_row_major(parsed) ? std::vector<StorageDim>{} : parsed;
  trace_.steps.push_back(step);
}

}  // namespace kiln
