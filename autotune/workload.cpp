// Workload keys and the host's hardware fingerprint. The digest is FNV-1a
// over fixed fields (no pointers, no std::hash), so it is the same in every
// process and on every run, as the database needs.
#include "autotune/workload.h"

#include <sstream>

#include "base/error.h"
#include "base/hash.h"
#include "base/machine.h"
#include "codegen/llvm/host_target.h"
#include "dsl/ir_equal.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

// Only the enabled features: the disabled ones add length, not information.
std::string enabled_features(const std::string& features) {
  std::stringstream ss(features);
  std::string f, out;
  while (std::getline(ss, f, ',')) {
    if (!f.empty() && f[0] == '+') out += (out.empty() ? "" : ",") + f;
  }
  return out;
}

}  // namespace

std::string HardwareFingerprint::str() const {
  return "cpu=" + cpu_model + ";features=" + features + ";threads=" + std::to_string(threads);
}

HardwareFingerprint HardwareFingerprint::host(int threads) {
  const Target t = host_target();
  HardwareFingerprint hw;
  hw.cpu_model = host_cpu().model_name;
  if (hw.cpu_model.empty()) hw.cpu_model = t.cpu;
  hw.features = enabled_features(t.features);
  hw.threads = threads > 0 ? threads : num_threads();
  return hw;
}

std::string shape_key(const Op& op, const OpSizes& sizes) {
  std::string s;
  for (const OpParam& p : op.params()) {
    auto it = sizes.find(p.name);
    internal_assert(it != sizes.end()) << "shape_key: parameter " << p.name << " of op "
                                       << op.name() << " has no value; resolve the sizes first";
    s += (s.empty() ? "" : ",") + p.name + "=" + std::to_string(it->second);
  }
  return s;
}

std::string options_key(const OpOptions& options) {
  std::string s;
  for (const auto& [name, value] : options) s += (s.empty() ? "" : ",") + name + "=" + value;
  return s;
}

namespace {

/// The key of a workload on the machine `hardware` describes (a
/// HardwareFingerprint or GpuFingerprint string), run with `threads`
/// threads (0 for a GPU).
WorkloadKey workload_key(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                         const OpOptions& options, const Target& target,
                         const std::string& hardware, int threads) {
  WorkloadKey w;
  w.op = op.name();
  w.shape = shape_key(op, sizes);
  w.options = options_key(options);
  w.target = target.str();
  w.hardware = hardware;
  // The strings above name every parameter of op; these say the same.
  for (const OpParam& p : op.params()) w.sizes[p.name] = sizes.at(p.name);
  w.op_options = options;
  w.threads = threads;
  Fnv1a h;
  // A version tag for the key's recipe: changing what goes in must not
  // silently match keys made the old way.
  h.terminated_string("kiln-workload-v1");
  h.terminated_string(w.op);
  h.u64(structural_hash(def));
  h.terminated_string(w.shape);
  h.terminated_string(w.options);
  h.terminated_string(w.target);
  h.terminated_string(w.hardware);
  w.key = h.hex();
  return w;
}

}  // namespace

WorkloadKey make_workload_key(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                              const OpOptions& options, const Target& target, int threads) {
  const HardwareFingerprint hw = HardwareFingerprint::host(threads);
  return workload_key(op, def, sizes, options, target, hw.str(), hw.threads);
}

std::string GpuFingerprint::str() const {
  return "gpu=" + device + ";sm=" + std::to_string(sm) + ";driver=" + std::to_string(driver_version);
}

WorkloadKey make_gpu_workload_key(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                                  const OpOptions& options, const Target& target,
                                  const GpuFingerprint& gpu) {
  internal_assert(target.kind == Target::Kind::CUDA)
      << "make_gpu_workload_key for the non-CUDA target " << target.str();
  return workload_key(op, def, sizes, options, target, gpu.str(), 0);
}

ComputeDef define_stored_workload(const Op& op, const WorkloadKey& w) {
  if (!w.typed_error.empty()) user_error << "workload " << w.key << ": " << w.typed_error;
  return op.define(w.sizes, w.op_options);
}

}  // namespace kiln
