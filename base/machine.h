#pragma once
/// \file
/// The machine kiln runs on, as /proc/cpuinfo describes its CPU: read in
/// one place, for the two fingerprints built from it (the tuning
/// database's HardwareFingerprint and the calibration cache's key).

#include <string>

namespace kiln {

/// What /proc/cpuinfo says about the CPU (the first processor's entry).
struct HostCpu {
  /// The marketing name: "model name" on x86, "Model" or "Hardware"
  /// elsewhere; empty when there is none.
  std::string model_name;
  std::string family;  ///< "cpu family", empty when absent
  std::string model;   ///< "model", empty when absent
  unsigned logical_cpus = 0;  ///< std::thread::hardware_concurrency()
};

/// Read once per process.
const HostCpu& host_cpu();

/// One stable line naming this machine: CPU model, family/model numbers,
/// logical CPU count and a hash of `cpu_features` (the target's feature
/// string, from codegen's host_target()).
std::string machine_fingerprint(const std::string& cpu_features);

}  // namespace kiln
