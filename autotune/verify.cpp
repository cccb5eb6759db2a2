// The one output check. See verify.h.
#include "autotune/verify.h"

#include "autotune/measure.h"

namespace kiln {

Verification verify_outputs(const Op& op, const ComputeDef& def, const std::vector<Buffer>& inputs,
                            const std::vector<Buffer>& outputs,
                            const std::vector<Buffer>* expected) {
  Verification v;
  v.tolerance = op.tolerance(def);
  v.max_rel_err = expected ? compare_outputs(outputs, *expected) : op.check(def, inputs, outputs);
  return v;
}

Verification verify_kernel(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                           const std::function<void(const std::vector<Buffer>&)>& run,
                           std::vector<Buffer>* args) {
  const MeasureArgs a = make_measure_args(def, sizes);
  run(a.args);
  if (args) *args = a.args;
  return verify_outputs(op, def, a.inputs, a.outputs);
}

}  // namespace kiln
