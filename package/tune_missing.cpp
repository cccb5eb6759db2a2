// Tuning for packages. kiln's schedule search (autotune/) has no entry
// point to call yet, so asking for tuning is refused with what to do
// instead, rather than silently packaging default schedules.
#include "package/tune_missing.h"

#include "dsl/error.h"

namespace kiln {

void tune_workload(const Op& op, const OpSizes&, const OpOptions&, const Target&, int, double,
                   const std::string&) {
  user_error << "--tune-missing: tuner not available in this kiln build (no schedule search to "
             << "run for " << op.name() << "); package without --tune-missing to use default "
             << "schedules, or fill the database with `kiln tune` first";
}

}  // namespace kiln
