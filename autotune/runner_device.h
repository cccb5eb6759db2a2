#pragma once
/// \file
/// What a runner process (autotune/runner_service.h) measures on: the CUDA
/// driver, or a fake device that lets tests drive every path of the runner
/// protocol (crash, hang, lost context, wrong results) without a GPU.
///
/// The fake device keeps buffers in host memory and reads each launch's
/// kernel name as an instruction:
///   fill_<v>     writes the float v to every element of the launch's buffers
///   sleep_<us>   sleeps that many microseconds
///   segv         dies of SIGSEGV, as a runner hit by a driver bug would
///   hang         never returns
///   trap         a fault that loses the context (as an illegal address
///                does on a GPU): synchronize() throws, usable() is false
/// and a plan whose module image contains "fake_compile_error" fails to load.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codegen/cuda/launch_plan.h"

namespace kiln {

/// Device memory owned by a RunnerDevice.
class RunnerBuffer {
 public:
  virtual ~RunnerBuffer() = default;
  virtual uint64_t address() const = 0;
  virtual void upload(const void* host, size_t bytes) = 0;
  virtual void download(void* host, size_t bytes) const = 0;
};

/// A plan loaded on the device.
class RunnerProgram {
 public:
  virtual ~RunnerProgram() = default;
  /// Launches every kernel, in order, asynchronously.
  virtual void launch(const std::vector<uint64_t>& buffers) = 0;
};

class RunnerDevice {
 public:
  virtual ~RunnerDevice() = default;
  /// The device's name, SM version and driver version; throws UserError
  /// ("no CUDA device/driver found: ...") when there is none.
  virtual void describe(std::string* name, int* sm, int* driver) = 0;
  virtual std::unique_ptr<RunnerBuffer> allocate(size_t bytes) = 0;
  /// Throws UserError when the driver refuses the module (a compile error).
  virtual std::unique_ptr<RunnerProgram> load(const GpuLaunchPlan& plan) = 0;
  /// Waits for the launched work; throws UserError when a kernel failed.
  virtual void synchronize() = 0;
  /// Milliseconds of each of `repeats` launches of program, timed on the
  /// device (CUDA events).
  virtual std::vector<double> time(RunnerProgram& program, const std::vector<uint64_t>& buffers,
                                   int repeats) = 0;
  /// Whether the device can still run work after an error (false once a
  /// kernel fault has lost the context: the runner must then exit).
  virtual bool usable() = 0;
};

/// "cuda" (device 0 through the driver API) or "fake"; throws UserError
/// for another name.
std::unique_ptr<RunnerDevice> make_runner_device(const std::string& kind);

}  // namespace kiln
