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
/// HardwareFingerprint or GpuFingerprint string).
WorkloadKey workload_key(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                         const OpOptions& options, const Target& target,
                         const std::string& hardware) {
  WorkloadKey w;
  w.op = op.name();
  w.shape = shape_key(op, sizes);
  w.options = options_key(options);
  w.target = target.str();
  w.hardware = hardware;
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
  return workload_key(op, def, sizes, options, target, HardwareFingerprint::host(threads).str());
}

std::string GpuFingerprint::str() const {
  return "gpu=" + device + ";sm=" + std::to_string(sm) + ";driver=" + std::to_string(driver_version);
}

WorkloadKey make_gpu_workload_key(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                                  const OpOptions& options, const Target& target,
                                  const GpuFingerprint& gpu) {
  internal_assert(target.kind == Target::Kind::CUDA)
      << "make_gpu_workload_key for the non-CUDA target " << target.str();
  return workload_key(op, def, sizes, options, target, gpu.str());
}

StoredSizes parse_stored_sizes(const WorkloadKey& w) {
  StoredSizes out;
  auto each = [&](const std::string& text, const char* what, auto&& take) {
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
      const size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        user_error << "workload " << w.key << ": " << what << " entry '" << item
                   << "' is not NAME=VALUE";
      take(item.substr(0, eq), item.substr(eq + 1));
    }
  };
  each(w.shape, "shape", [&](const std::string& k, const std::string& v) {
    size_t used = 0;
    int64_t n = 0;
    try {
      n = std::stoll(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != v.size())
      user_error << "workload " << w.key << ": size " << k << "=" << v << " is not an integer";
    out.sizes[k] = n;
  });
  each(w.options, "options", [&](const std::string& k, const std::string& v) { out.options[k] = v; });
  return out;
}

ComputeDef define_stored_workload(const Op& op, const WorkloadKey& w) {
  const StoredSizes s = parse_stored_sizes(w);
  return op.define(s.sizes, s.options);
}

}  // namespace kiln
