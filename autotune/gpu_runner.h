#pragma once
/// \file
/// The GPU Runner: measures compiled CUDA candidates (GpuLaunchPlans) in a
/// runner process of its own (autotune/runner_service.h).
///
/// Why a process started with exec, and why one that lives across
/// candidates: a process forked after the tuner has compiled anything with
/// NVRTC cannot initialize CUDA (cuInit fails with "initialization error";
/// measured on an H200, see DEVICE.md), so the runner is a fresh image,
/// started with posix_spawn. Creating a CUDA context and uploading the
/// inputs costs far more than timing a small kernel, so the runner keeps
/// both across candidates. A candidate that kills the runner (a crash), makes
/// it overrun its time limit (a hang: the runner is killed) or loses its
/// context (an illegal address) costs one trial: the next measurement
/// starts a new runner and sends it the workload again.
///
///   GpuRunner runner;                       // starts nothing yet
///   GpuFingerprint gpu = runner.device();   // starts it; throws without a GPU
///   runner.set_workload(op, sizes, options, &reference_outputs);
///   MeasureResult m = runner.measure(kernel->plan(args), options);
///
/// The runner dies with the thread that started it (PR_SET_PDEATHSIG), so
/// a GpuRunner must be used from one long-lived thread, as the tuner does.

#include <sys/types.h>

#include <string>
#include <vector>

#include "autotune/builder.h"
#include "autotune/measure.h"
#include "autotune/workload.h"
#include "codegen/cuda/launch_plan.h"
#include "ops/op.h"

namespace kiln {

/// The runner executable: $KILN_RUNNER when set, else `kiln-runner` next to
/// libkiln (the build tree) or in ../bin or ../libexec/kiln beside it (an
/// install). Throws UserError naming the places tried when none exists.
std::string runner_executable();

class GpuRunner : public Runner {
 public:
  /// `device`: "cuda", or "fake" for tests (runner_device.h).
  explicit GpuRunner(std::string device = "cuda");
  ~GpuRunner() override;
  GpuRunner(const GpuRunner&) = delete;
  GpuRunner& operator=(const GpuRunner&) = delete;

  /// The runner's GPU, starting the runner if needed. Throws UserError
  /// ("no CUDA device/driver found: ...") when it has none, and when the
  /// runner cannot be started.
  GpuFingerprint device();

  /// The workload later measurements run on: inputs from random_inputs,
  /// outputs compared with `expected` (kept by pointer; null: the runner
  /// checks with op.check, the interpreter). Sent to every runner started.
  void set_workload(const Op& op, const OpSizes& sizes, const OpOptions& options,
                    const std::vector<Buffer>* expected);

  /// Measures one candidate: its first run checked (options.check), then
  /// timed with CUDA events (options.timing, repeat, budget_ms), all within
  /// options.timeout_s. options.fault ("crash", "hang") is passed on for
  /// tests. Statuses: "ok", "invalid", "compile_error" (the driver refused
  /// the module), "crash" (the runner died, or the driver failed the launch or
  /// the kernel), "timeout", "error" (no runner or no workload).
  MeasureResult measure(const GpuLaunchPlan& plan, const MeasureOptions& options);
  /// The Runner interface: measure() of a GpuArtifact's plan.
  MeasureResult run(const Artifact& artifact, const MeasureOptions& options) override {
    return measure(dynamic_cast<const GpuArtifact&>(artifact).plan, options);
  }

  /// The running runner's pid (0 when none) and how many were started.
  pid_t pid() const { return pid_; }
  int starts() const { return starts_; }

  /// Seconds a runner may take to start and to receive a workload.
  static constexpr double kStartTimeoutS = 60, kSetupTimeoutS = 120;

 private:
  /// Starts a runner and reads its hello; "" or why it failed.
  std::string start();
  /// Sends the workload; "" or why it failed.
  std::string send_workload();
  /// Kills (when running) and reaps the runner; returns how it ended.
  std::string stop(bool kill_it);

  std::string device_kind_;
  pid_t pid_ = 0;
  int fd_ = -1;
  int starts_ = 0;
  bool has_device_ = false;
  std::string no_device_;  ///< the runner's error when it found no GPU
  GpuFingerprint gpu_;
  bool has_workload_ = false, workload_sent_ = false;
  std::string op_;
  OpSizes sizes_;
  OpOptions options_;
  const std::vector<Buffer>* expected_ = nullptr;
};

}  // namespace kiln
