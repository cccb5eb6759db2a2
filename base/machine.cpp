// The host's CPU from /proc/cpuinfo, and the machine fingerprint.
#include "base/machine.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "base/hash.h"

namespace kiln {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

HostCpu read_host_cpu() {
  HostCpu cpu;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  // The first value of each key (every processor repeats them).
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if ((key == "model name" || key == "Model" || key == "Hardware") && cpu.model_name.empty()) {
      cpu.model_name = value;
    } else if (key == "cpu family" && cpu.family.empty()) {
      cpu.family = value;
    } else if (key == "model" && cpu.model.empty()) {
      cpu.model = value;
    }
  }
  cpu.logical_cpus = std::thread::hardware_concurrency();
  return cpu;
}

}  // namespace

const HostCpu& host_cpu() {
  static const HostCpu cpu = read_host_cpu();
  return cpu;
}

std::string machine_fingerprint(const std::string& cpu_features) {
  const HostCpu& cpu = host_cpu();
  Fnv1a features_hash;
  features_hash.string_bytes(cpu_features);
  std::ostringstream os;
  os << (cpu.model_name.empty() ? "unknown cpu" : cpu.model_name) << "; family " << cpu.family
     << " model " << cpu.model << "; " << cpu.logical_cpus << " logical cpus; features "
     << features_hash.hex();
  return os.str();
}

}  // namespace kiln
