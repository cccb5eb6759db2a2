// The worker process: fork, run, report through a pipe, _exit. See
// measure.h for why forking is safe here.
#include "autotune/measure.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "autotune/timing.h"

namespace kiln {

namespace {

/// What the worker writes: plain data, one write() of a fixed size.
struct WireResult {
  int ok = 0;  // 1: timed; 0: see failure
  int invalid = 0;
  double median_ms = 0, min_ms = 0, max_rel_err = 0;
  int repeats = 0;
  char error[512] = {0};
};

void write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n <= 0) return;
    p += n;
    size -= static_cast<size_t>(n);
  }
}

/// The worker's whole life; never returns.
[[noreturn]] void worker(int fd, const CompiledKernel& kernel, const Op& op, const ComputeDef& def,
                         const OpSizes& sizes, const MeasureOptions& options) {
  WireResult r;
  if (options.fault == "crash") ::raise(SIGSEGV);
  if (options.fault == "hang") {
    for (;;) ::pause();
  }
  try {
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
        write_all(fd, &r, sizeof r);
        ::_exit(0);
      }
    }
    if (!options.timing) {
      r.ok = 1;
      write_all(fd, &r, sizeof r);
      ::_exit(0);
    }
    // Without a set count, enough runs to fill about budget_ms (one run
    // timed first): a median of ten 0.1 ms runs is mostly noise.
    int repeat = options.repeat;
    if (repeat <= 0) {
      const auto t0 = std::chrono::steady_clock::now();
      kernel.run(args);
      const double ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - t0).count();
      repeat = static_cast<int>(std::clamp(options.budget_ms / std::max(ms, 1e-3), 3.0, 200.0));
    }
    const Timing t = time_kernel(kernel, args, repeat);
    r.ok = 1;
    r.median_ms = t.median_ms;
    r.min_ms = t.min_ms;
    r.repeats = t.repeats;
  } catch (const std::exception& e) {
    std::snprintf(r.error, sizeof r.error, "%s", e.what());
  }
  write_all(fd, &r, sizeof r);
  ::_exit(0);
}

}  // namespace

double compare_outputs(const std::vector<Buffer>& got, const std::vector<Buffer>& want) {
  if (got.size() != want.size()) return HUGE_VAL;
  double worst = 0;
  for (size_t o = 0; o < got.size(); ++o) {
    if (got[o].shape() != want[o].shape()) return HUGE_VAL;
    const int64_t n = want[o].numel();
    double sum_sq = 0;
    for (int64_t p = 0; p < n; ++p) sum_sq += want[o].get_f64(p) * want[o].get_f64(p);
    const double rms = n > 0 ? std::sqrt(sum_sq / n) : 0.0;
    for (int64_t p = 0; p < n; ++p) {
      const double w = want[o].get_f64(p), g = got[o].get_f64(p);
      const double err = std::abs(g - w) / std::max({std::abs(w), rms, 1e-30});
      // NaN compares false: count it as wrong.
      if (!(err <= worst)) worst = std::isnan(err) ? HUGE_VAL : err;
    }
  }
  return worst;
}

std::string test_fault_for_trial(int trial) {
  const char* env = std::getenv("KILN_TUNE_TEST_FAULT");
  if (!env) return "";
  const std::string spec = env;
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) return "";
  const std::string kind = spec.substr(0, colon);
  if (kind != "crash" && kind != "hang") return "";
  return std::atoi(spec.c_str() + colon + 1) == trial ? kind : "";
}

MeasureResult measure_in_worker(const CompiledKernel& kernel, const Op& op, const ComputeDef& def,
                                const OpSizes& sizes, const MeasureOptions& options) {
  MeasureResult result;
  int fds[2];
  if (::pipe(fds) != 0) {
    result.status = "error";
    result.error = std::string("cannot create a pipe to the worker: ") + std::strerror(errno);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    result.status = "error";
    result.error = std::string("cannot fork a worker: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    ::close(fds[0]);
    worker(fds[1], kernel, op, def, sizes, options);
  }
  ::close(fds[1]);

  // Read the result or give up at the deadline.
  WireResult r;
  size_t got = 0;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  while (got < sizeof r) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (n <= 0) break;  // the worker died without a result
    got += static_cast<size_t>(n);
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }

  if (timed_out) {
    result.status = "timeout";
    result.error = "the worker ran longer than " + std::to_string(options.timeout_s) +
                   " s and was killed";
    return result;
  }
  if (got < sizeof r) {
    result.status = "crash";
    if (WIFSIGNALED(wstatus)) {
      const int sig = WTERMSIG(wstatus);
      result.error = "the worker was killed by signal " + std::to_string(sig) + " (" +
                     strsignal(sig) + ")";
    } else {
      result.error = "the worker exited with status " +
                     std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) +
                     " without a result";
    }
    return result;
  }
  r.error[sizeof r.error - 1] = 0;
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
