// Fork, run, report through a pipe, _exit; the parent waits with a
// deadline. See worker_process.h.
#include "autotune/worker_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "autotune/verify.h"

namespace kiln {

namespace {

void write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return;
    p += n;
    size -= static_cast<size_t>(n);
  }
}

/// Reads up to `size` bytes from fd until the deadline; returns how many
/// came. *timed_out: the deadline passed first.
size_t read_until(int fd, void* out, size_t size, double timeout_s, bool* timed_out) {
  size_t got = 0;
  *timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  while (got < size) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      *timed_out = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready <= 0) continue;  // EINTR or not yet
    const ssize_t n = ::read(fd, static_cast<char*>(out) + got, size - got);
    if (n <= 0) break;  // the worker died without a result
    got += static_cast<size_t>(n);
  }
  return got;
}

/// Why a worker that sent no result ended, from its wait status.
std::string death_reason(int wstatus, const std::string& who) {
  if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    return "the " + who + " was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) +
           ")";
  }
  return "the " + who + " exited with status " +
         std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) + " without a result";
}

}  // namespace

WorkerEnd run_in_worker_raw(const std::function<void(void* result)>& fill, void* result,
                            size_t size, double timeout_s, const std::string& who) {
  int fds[2];
  if (::pipe(fds) != 0) {
    return {WorkerEnd::Kind::NoWorker,
            std::string("cannot create a pipe to the worker: ") + std::strerror(errno)};
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {WorkerEnd::Kind::NoWorker, std::string("cannot fork a worker: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    ::close(fds[0]);
    fill(result);
    write_all(fds[1], result, size);
    ::_exit(0);
  }
  ::close(fds[1]);

  bool timed_out = false;
  const size_t got = read_until(fds[0], result, size, timeout_s, &timed_out);
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return {WorkerEnd::Kind::Timeout, "the " + who + " ran longer than " +
                                          std::to_string(timeout_s) + " s and was killed"};
  }
  if (got < size) return {WorkerEnd::Kind::Crash, death_reason(wstatus, who)};
  return {};
}

MeasureResult measure_result_from_wire(const MeasureWire& w) {
  MeasureResult result;
  result.max_rel_err = w.max_rel_err;
  if (w.invalid) {
    result.status = "invalid";
    result.error = w.error;
  } else if (!w.ok) {
    result.status = "error";
    result.error = w.error;
  } else {
    result.status = "ok";
    result.median_ms = w.median_ms;
    result.min_ms = w.min_ms;
    result.repeats = w.repeats;
  }
  return result;
}

MeasureResult measure_result(const WorkerEnd& end, const MeasureWire& w,
                             const std::string& no_worker_status) {
  MeasureResult result;
  switch (end.kind) {
    case WorkerEnd::Kind::Result:
      return measure_result_from_wire(w);
    case WorkerEnd::Kind::NoWorker:
      result.status = no_worker_status;
      break;
    case WorkerEnd::Kind::Timeout:
      result.status = "timeout";
      break;
    case WorkerEnd::Kind::Crash:
      result.status = "crash";
      break;
  }
  result.error = end.why;
  return result;
}

MeasureArgs make_measure_args(const ComputeDef& def, const OpSizes& sizes) {
  MeasureArgs a;
  a.inputs = random_inputs(def, sizes);
  a.outputs = zero_outputs(def, sizes);
  for (size_t o = 0; o < a.outputs.size(); ++o) a.outputs[o].fill_random(1000 + o, -100, 100);
  a.args = a.inputs;
  a.args.insert(a.args.end(), a.outputs.begin(), a.outputs.end());
  return a;
}

bool check_first_run(const Op& op, const ComputeDef& def, const MeasureArgs& a,
                     const MeasureOptions& options, MeasureWire& w) {
  const Verification v = verify_outputs(op, def, a.inputs, a.outputs, options.expected);
  w.max_rel_err = v.max_rel_err;
  if (v.ok()) return true;
  w.invalid = 1;  // NaN too
  std::snprintf(w.error, sizeof w.error,
                "max relative error %.3g against the reference exceeds the tolerance %.0e",
                w.max_rel_err, op.tolerance(def));
  return false;
}

}  // namespace kiln
