#pragma once
/// \file
/// The CUDA driver API, loaded at run time: libcuda is opened with dlopen
/// the first time a GPU is asked for, so kiln starts, and every CPU feature
/// works, on machines without an NVIDIA driver. Everything here throws
/// UserError "no CUDA device/driver found: ..." when there is none.
/// One device (ordinal 0) and its primary context are used.

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::cuda {

/// Whether a driver and a device are usable; when not, *why says why.
bool device_available(std::string* why = nullptr);

/// Whether this process has called cuInit (asked for a device before). CUDA
/// cannot be used in a child fork()ed after that (nor after an NVRTC
/// compile), which is why the tuner measures in a process started with exec.
bool initialized();

/// The device kiln uses.
struct DeviceInfo {
  std::string name;         ///< "NVIDIA H100 80GB HBM3"
  int sm = 0;               ///< compute capability as 90
  int driver_version = 0;   ///< as 13000 for 13.0
};
DeviceInfo device_info();

/// Device memory, freed with the object.
class DeviceMemory {
 public:
  explicit DeviceMemory(size_t bytes);
  ~DeviceMemory();
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  DeviceMemory(DeviceMemory&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = 0; o.bytes_ = 0; }

  /// The device address (a CUdeviceptr).
  uint64_t ptr() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  void upload(const void* host, size_t bytes);
  void download(void* host, size_t bytes) const;

 private:
  uint64_t ptr_ = 0;
  size_t bytes_ = 0;
};

/// A loaded PTX module.
class Module {
 public:
  explicit Module(const std::string& ptx);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  /// The __global__ function of that name (a CUfunction).
  void* function(const std::string& name) const;

 private:
  void* module_ = nullptr;
};

/// Launches `function` with kernel parameters `params` (cuLaunchKernel's
/// array of pointers to each argument).
void launch(void* function, const int64_t grid[3], const int64_t block[3], void** params);

/// Waits for all work on the device; throws with the driver's message when a
/// kernel failed.
void synchronize();

/// Milliseconds between two CUDA events around a piece of GPU work.
class EventTimer {
 public:
  EventTimer();
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start();
  /// Records the end, waits for it and returns the elapsed milliseconds.
  double stop();

 private:
  void* start_ = nullptr;
  void* stop_ = nullptr;
};

}  // namespace kiln::cuda
