// Workload keys and the host's hardware fingerprint. The digest is FNV-1a
// over fixed fields (no pointers, no std::hash), so it is the same in every
// process and on every run, as the database needs.
#include "autotune/workload.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "dsl/error.h"
#include "dsl/ir_equal.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

class Fnv1a {
 public:
  void add(const std::string& s) {
    for (unsigned char c : s) byte(c);
    byte(0);  // field separator: ("ab","c") and ("a","bc") differ
  }
  void add(uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  void byte(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The CPU's marketing name from /proc/cpuinfo ("model name" on x86, "Model"
// or "Hardware" elsewhere); empty when there is none.
std::string cpu_model_from_proc() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    if (key == "model name" || key == "Model" || key == "Hardware") {
      return trim(line.substr(colon + 1));
    }
  }
  return "";
}

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
  const Target t = Target::host();
  HardwareFingerprint hw;
  hw.cpu_model = cpu_model_from_proc();
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
  h.add(std::string("kiln-workload-v1"));
  h.add(w.op);
  h.add(structural_hash(def));
  h.add(w.shape);
  h.add(w.options);
  h.add(w.target);
  h.add(w.hardware);
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
