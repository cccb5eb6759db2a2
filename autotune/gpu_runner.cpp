// The tuner's side of the runner protocol: spawn (never fork alone),
// hello, setup, measure with a deadline, and starting over after a runner
// is lost. See gpu_runner.h and runner_service.h.
#include "autotune/gpu_runner.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "autotune/runner_wire.h"
#include "base/error.h"

extern char** environ;

namespace kiln {
namespace {

bool is_executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0 &&
         std::filesystem::is_regular_file(path);
}

/// Why a runner that sent nothing more ended, from its wait status.
std::string ending(int wstatus) {
  if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    return "the GPU runner was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) +
           ")";
  }
  return "the GPU runner exited with status " +
         std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
}

MeasureResult failed(const std::string& status, const std::string& why) {
  MeasureResult m;
  m.status = status;
  m.error = why;
  return m;
}

}  // namespace

std::string runner_executable() {
  if (const char* env = std::getenv("KILN_RUNNER"); env && *env) {
    if (!is_executable(env))
      user_error << "KILN_RUNNER is '" << env << "', which is not an executable file";
    return env;
  }
  Dl_info info{};
  std::vector<std::string> tried;
  if (::dladdr(reinterpret_cast<void*>(&runner_executable), &info) && info.dli_fname) {
    const std::filesystem::path lib =
        std::filesystem::weakly_canonical(std::filesystem::path(info.dli_fname)).parent_path();
    for (const std::filesystem::path& p :
         {lib / "kiln-runner", lib / ".." / "bin" / "kiln-runner",
          lib / ".." / "libexec" / "kiln" / "kiln-runner"}) {
      const std::string s = p.lexically_normal().string();
      if (is_executable(s)) return s;
      tried.push_back(s);
    }
  }
  std::string places;
  for (const std::string& t : tried) places += (places.empty() ? "" : ", ") + t;
  user_error << "the GPU runner executable kiln-runner was not found (tried " << places
             << "); build the kiln_runner target or set KILN_RUNNER to its path";
  return "";
}

GpuRunner::GpuRunner(std::string device) : device_kind_(std::move(device)) {}

GpuRunner::~GpuRunner() {
  if (pid_ > 0) {
    std::string why;
    send_message(fd_, {{{"kind", "quit"}}, {}}, &why);
    stop(/*kill_it=*/false);
  }
}

std::string GpuRunner::stop(bool kill_it) {
  if (fd_ >= 0) ::close(fd_);  // a runner reading the socket sees it closed
  fd_ = -1;
  workload_sent_ = false;
  if (pid_ <= 0) return "";
  if (kill_it) ::kill(pid_, SIGKILL);
  // A runner that was told to quit (or lost its socket) exits at once; one
  // that does not within 2 s is killed.
  int wstatus = 0;
  for (int i = 0; i < 200; ++i) {
    const pid_t r = ::waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      pid_ = 0;
      return r == pid_ || r > 0 ? ending(wstatus) : "";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &wstatus, 0);
  pid_ = 0;
  return ending(wstatus);
}

std::string GpuRunner::start() {
  const std::string exe = runner_executable();
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return std::string("cannot create a socket for the GPU runner: ") + std::strerror(errno);
  // The child's end, moved above 3 so that dup2 onto 3 always happens (and
  // clears close-on-exec there).
  const int child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 100);
  ::close(sv[1]);
  if (child_end < 0) {
    ::close(sv[0]);
    return std::string("cannot duplicate the runner's socket: ") + std::strerror(errno);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_end, 3);
  // The tuner's stdout may be JSON for a script: nothing of the runner's
  // (a kernel's printf) goes there.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const std::string parent = std::to_string(::getpid());
  std::vector<std::string> args = {exe, "--socket-fd", "3", "--parent-pid", parent,
                                   "--device", device_kind_};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(child_end);
  if (rc != 0) {
    ::close(sv[0]);
    return "cannot start " + exe + ": " + std::strerror(rc);
  }
  pid_ = pid;
  fd_ = sv[0];
  ++starts_;
  WireMessage hello;
  std::string why;
  const WireRead r = receive_message(fd_, kStartTimeoutS, &hello, &why);
  if (r != WireRead::Ok || hello.kind() != "hello") {
    const bool timed_out = r == WireRead::Timeout;
    const std::string end = stop(/*kill_it=*/true);
    if (timed_out) return "the GPU runner did not answer within " + std::to_string(int(kStartTimeoutS)) + " s";
    return r == WireRead::Ok ? "the GPU runner sent '" + hello.kind() + "' before hello"
           : r == WireRead::Garbage ? "the GPU runner sent garbage: " + why
                                    : end;
  }
  if (hello.meta.contains("error")) {
    no_device_ = hello.meta["error"].get<std::string>();
    stop(/*kill_it=*/true);
    return "";
  }
  gpu_ = {hello.meta.value("device", ""), hello.meta.value("sm", 0), hello.meta.value("driver", 0)};
  has_device_ = true;
  return "";
}

GpuFingerprint GpuRunner::device() {
  if (!has_device_ && no_device_.empty()) {
    const std::string why = start();
    if (!why.empty()) user_error << "no CUDA device could be queried: " << why;
  }
  if (!no_device_.empty()) throw UserError(no_device_);
  return gpu_;
}

void GpuRunner::set_workload(const Op& op, const OpSizes& sizes, const OpOptions& options,
                             const std::vector<Buffer>* expected) {
  op_ = op.name();
  sizes_ = sizes;
  options_ = options;
  expected_ = expected;
  has_workload_ = true;
  workload_sent_ = false;
}

std::string GpuRunner::send_workload() {
  WireMessage m;
  m.meta = {{"kind", "setup"}, {"op", op_}, {"sizes", sizes_}, {"options", options_}};
  if (expected_) {
    for (const Buffer& b : *expected_)
      m.blobs.emplace_back(static_cast<const char*>(b.data()), b.size_bytes());
  }
  std::string why;
  WireMessage ready;
  if (!send_message(fd_, m, &why)) return stop(true) + " while receiving the workload";
  const WireRead r = receive_message(fd_, kSetupTimeoutS, &ready, &why);
  if (r != WireRead::Ok || ready.kind() != "ready") {
    const std::string end = stop(/*kill_it=*/true);
    return r == WireRead::Timeout ? "the GPU runner took more than " +
                                        std::to_string(int(kSetupTimeoutS)) +
                                        " s to set up the workload"
                                  : "the GPU runner failed to set up the workload: " +
                                        (r == WireRead::Garbage ? why : end);
  }
  if (ready.meta.contains("error")) {
    const std::string e = ready.meta["error"].get<std::string>();
    stop(/*kill_it=*/true);
    return "the GPU runner could not set up the workload: " + e;
  }
  workload_sent_ = true;
  return "";
}

MeasureResult GpuRunner::measure(const GpuLaunchPlan& plan, const MeasureOptions& options) {
  if (!has_workload_) return failed("error", "no workload was given to the GPU runner");
  if (pid_ <= 0) {
    std::string why;
    try {
      why = start();
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!why.empty()) return failed("crash", why);
  }
  if (!no_device_.empty()) return failed("error", no_device_);
  if (!workload_sent_) {
    const std::string why = send_workload();
    if (!why.empty()) return failed("crash", why);
  }
  WireMessage m;
  m.meta = {{"kind", "measure"},        {"plan", plan_to_json(plan)},
            {"check", options.check},   {"timing", options.timing},
            {"repeat", options.repeat}, {"budget_ms", options.budget_ms},
            {"fault", options.fault}};
  m.blobs.push_back(plan.image);
  std::string why;
  if (!send_message(fd_, m, &why)) return failed("crash", stop(true));
  WireMessage reply;
  const WireRead r = receive_message(fd_, options.timeout_s, &reply, &why);
  if (r == WireRead::Timeout) {
    stop(/*kill_it=*/true);
    return failed("timeout", "the candidate did not finish within " +
                                 std::to_string(options.timeout_s) +
                                 " s; the GPU runner was killed (the next trial starts another)");
  }
  if (r == WireRead::Closed) return failed("crash", stop(/*kill_it=*/false));
  if (r == WireRead::Garbage || reply.kind() != "result") {
    stop(/*kill_it=*/true);
    return failed("crash", "the GPU runner broke the protocol: " +
                               (r == WireRead::Garbage ? why : "sent '" + reply.kind() + "'"));
  }
  MeasureResult result;
  result.status = reply.meta.value("status", "error");
  result.error = reply.meta.value("error", "");
  result.median_ms = reply.meta.value("median_ms", 0.0);
  result.min_ms = reply.meta.value("min_ms", 0.0);
  result.repeats = reply.meta.value("repeats", 0);
  result.max_rel_err = reply.meta.value("max_rel_err", 0.0);
  if (reply.meta.value("context_lost", false)) {
    stop(/*kill_it=*/false);  // it exits by itself; the next trial starts another
    result.error += " (the CUDA context was lost; the GPU runner was restarted)";
  }
  return result;
}

}  // namespace kiln
