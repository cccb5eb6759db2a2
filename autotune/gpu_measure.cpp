// GPU workers: fork, initialize CUDA in the child, run, report one
// fixed-size result through a pipe, _exit. See gpu_measure.h for why the
// parent never initializes CUDA.
#include "autotune/gpu_measure.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

#include "dsl/error.h"
#include "runtime/cuda_driver.h"

namespace kiln {
namespace {

/// What a probe worker writes.
struct ProbeWire {
  int ok = 0;
  int sm = 0, driver_version = 0;
  char name[256] = {0};
  char error[512] = {0};
};

/// What a measuring worker writes.
struct MeasureWire {
  int ok = 0;  // 1: done; 0: see error
  int invalid = 0;
  double median_ms = 0, min_ms = 0, max_rel_err = 0;
  int repeats = 0;
  char error[512] = {0};
};

/// Seconds a probe may take: creating a context is slow on some machines.
constexpr double kProbeTimeoutS = 60;

void write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return;
    p += n;
    size -= static_cast<size_t>(n);
  }
}

/// Runs body(wire) in a forked child, which writes the wire to a pipe and
/// exits; an exception in body becomes wire.error. Returns "" with *out
/// filled, or "timeout" / "crash" with the reason in *why.
template <typename Wire, typename Body>
std::string run_forked(Body body, double timeout_s, Wire* out, std::string* why) {
  int fds[2];
  if (::pipe(fds) != 0) {
    *why = std::string("cannot create a pipe to the worker: ") + std::strerror(errno);
    return "crash";
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    *why = std::string("cannot fork a worker: ") + std::strerror(errno);
    return "crash";
  }
  if (pid == 0) {
    ::close(fds[0]);
    Wire w;
    try {
      body(w);
    } catch (const std::exception& e) {
      std::snprintf(w.error, sizeof w.error, "%s", e.what());
    }
    write_all(fds[1], &w, sizeof w);
    ::_exit(0);
  }
  ::close(fds[1]);

  size_t got = 0;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  while (got < sizeof(Wire)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready <= 0) continue;  // EINTR or not yet
    const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(out) + got, sizeof(Wire) - got);
    if (n <= 0) break;  // the worker died without a result
    got += static_cast<size_t>(n);
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    *why = "the GPU worker ran longer than " + std::to_string(timeout_s) + " s and was killed";
    return "timeout";
  }
  if (got < sizeof(Wire)) {
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      *why = "the GPU worker was killed by signal " + std::to_string(sig) + " (" +
             strsignal(sig) + ")";
    } else {
      *why = "the GPU worker exited with status " +
             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + " without a result";
    }
    return "crash";
  }
  out->error[sizeof out->error - 1] = 0;
  return "";
}

void probe_body(ProbeWire& w) {
  const cuda::DeviceInfo d = cuda::device_info();
  std::snprintf(w.name, sizeof w.name, "%s", d.name.c_str());
  w.sm = d.sm;
  w.driver_version = d.driver_version;
  w.ok = 1;
}

/// The measurement itself, in a worker or (see gpu_measure.h) in-process.
void measure_body(MeasureWire& r, const CudaKernel& kernel, const Op& op, const ComputeDef& def,
                  const OpSizes& sizes, const MeasureOptions& options) {
  std::vector<Buffer> inputs = random_inputs(def, sizes);
  std::vector<Buffer> outputs = zero_outputs(def, sizes);
  // Garbage in the outputs: a kernel that skips elements must not pass.
  for (size_t o = 0; o < outputs.size(); ++o) outputs[o].fill_random(1000 + o, -100, 100);
  std::vector<Buffer> args = inputs;
  args.insert(args.end(), outputs.begin(), outputs.end());
  if (options.check) {
    kernel.run(args);
    r.max_rel_err = options.expected ? compare_outputs(outputs, *options.expected)
                                     : op.check(def, inputs, outputs);
    if (!(r.max_rel_err <= op.tolerance(def))) {
      r.invalid = 1;
      std::snprintf(r.error, sizeof r.error,
                    "max relative error %.3g against the reference exceeds the tolerance %.0e",
                    r.max_rel_err, op.tolerance(def));
      return;
    }
  }
  if (options.timing) {
    // Without a set count, enough launches to fill about budget_ms (a
    // short timing first): ten 5 us launches are mostly noise.
    int repeat = options.repeat;
    if (repeat <= 0) {
      const GpuTiming first = kernel.time(args, 3, 1);
      repeat = static_cast<int>(
          std::clamp(options.budget_ms / std::max(first.median_ms, 1e-3), 10.0, 200.0));
    }
    const GpuTiming t = kernel.time(args, repeat, 1);
    r.median_ms = t.median_ms;
    r.min_ms = t.min_ms;
    r.repeats = t.repeats;
  }
  r.ok = 1;
}

}  // namespace

GpuFingerprint probe_gpu() {
  if (cuda::initialized()) {  // a fork()ed child could not use CUDA now
    const cuda::DeviceInfo d = cuda::device_info();
    return {d.name, d.sm, d.driver_version};
  }
  ProbeWire w;
  std::string why;
  const std::string failed = run_forked(probe_body, kProbeTimeoutS, &w, &why);
  if (!failed.empty()) {
    user_error << "no CUDA device could be queried: " << why
               << "; check the NVIDIA driver with nvidia-smi";
  }
  // The worker's error is the driver's UserError text ("kiln: no CUDA
  // device/driver found: ..."), which says what to do.
  if (!w.ok) throw UserError(w.error);
  return {w.name, w.sm, w.driver_version};
}

MeasureResult measure_gpu(const CudaKernel& kernel, const Op& op, const ComputeDef& def,
                          const OpSizes& sizes, const MeasureOptions& options) {
  MeasureResult result;
  MeasureWire r;
  std::string why;
  if (cuda::initialized()) {
    // In-process (see gpu_measure.h); the test faults are not simulated.
    try {
      measure_body(r, kernel, op, def, sizes, options);
    } catch (const std::exception& e) {
      std::snprintf(r.error, sizeof r.error, "%s", e.what());
    }
  } else {
    auto body = [&](MeasureWire& w) {
      if (options.fault == "crash") ::raise(SIGSEGV);
      if (options.fault == "hang") {
        for (;;) ::pause();
      }
      measure_body(w, kernel, op, def, sizes, options);
    };
    const std::string failed = run_forked(body, options.timeout_s, &r, &why);
    if (!failed.empty()) {
      result.status = failed;
      result.error = why;
      return result;
    }
  }
  result.max_rel_err = r.max_rel_err;
  if (r.invalid) {
    result.status = "invalid";
    result.error = r.error;
  } else if (!r.ok) {
    result.status = "error";
    result.error = r.error;
  } else {
    result.status = "ok";
    result.median_ms = r.median_ms;
    result.min_ms = r.min_ms;
    result.repeats = r.repeats;
  }
  return result;
}

}  // namespace kiln
