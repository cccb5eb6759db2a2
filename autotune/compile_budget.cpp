#include "autotune/compile_budget.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  size_t index = 0;
  Clock::time_point start;
  int error_fd = -1;  ///< read end of the child's error pipe
};

/// In the child: compile and exit, never returning to the caller's stack.
[[noreturn]] void compile_in_child(const LoweredFunc& f, const Target& target,
                                   const std::string& object, int error_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  try {
    compile_aot(f, target, object, object + ".h");
    _exit(0);
  } catch (const std::exception& e) {
    const size_t n = std::min<size_t>(std::strlen(e.what()), 4096);
    if (write(error_fd, e.what(), n) < 0) _exit(4);
  }
  _exit(3);
}

std::string read_pipe(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  return text;
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<BudgetedCompile> compile_with_budget(const std::vector<LoweredFunc>& funcs,
                                                 const Target& target, double budget_s,
                                                 int parallel) {
  std::vector<BudgetedCompile> out(funcs.size());
  std::vector<size_t> pending;
  for (size_t i = 0; i < funcs.size(); ++i) {
    if (auto k = find_compiled(funcs[i], target)) {
      out[i].kernel = k;
      out[i].compile_ms = k->compile_ms();
    } else {
      pending.push_back(i);
    }
  }
  if (pending.empty()) return out;

  std::string pattern = (fs::temp_directory_path() / "kiln-compile-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    user_error << "cannot create a scratch directory in " << fs::temp_directory_path().string()
               << " for compiling candidates; set TMPDIR to a writable directory";
  }
  const fs::path dir = pattern;
  auto object_of = [&](size_t i) { return (dir / ("candidate_" + std::to_string(i) + ".o")).string(); };
  std::vector<double> took_ms(funcs.size(), 0.0);

  std::vector<Child> running;
  size_t next = 0;
  while (next < pending.size() || !running.empty()) {
    while (next < pending.size() && static_cast<int>(running.size()) < std::max(1, parallel)) {
      const size_t i = pending[next++];
      int fds[2];
      if (pipe2(fds, O_CLOEXEC) != 0) {
        out[i].error = std::string("cannot make a pipe for the compile: ") + std::strerror(errno);
        continue;
      }
      const pid_t pid = fork();
      if (pid == 0) {
        close(fds[0]);
        compile_in_child(funcs[i], target, object_of(i), fds[1]);
      }
      close(fds[1]);
      if (pid < 0) {
        close(fds[0]);
        out[i].error = std::string("cannot fork a compile: ") + std::strerror(errno);
        continue;
      }
      running.push_back({pid, i, Clock::now(), fds[0]});
    }
    bool any_done = false;
    for (auto it = running.begin(); it != running.end();) {
      int status = 0;
      const double elapsed = std::chrono::duration<double>(Clock::now() - it->start).count();
      pid_t done = waitpid(it->pid, &status, WNOHANG);
      if (done == 0 && elapsed > budget_s) {
        kill(it->pid, SIGKILL);
        waitpid(it->pid, &status, 0);
        out[it->index].error = "compiling took longer than the " +
                               std::to_string(static_cast<int>(budget_s)) +
                               " s a candidate may spend in LLVM; it was stopped and skipped";
        done = it->pid;
      } else if (done == it->pid) {
        took_ms[it->index] = elapsed * 1e3;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          const std::string why = read_pipe(it->error_fd);
          out[it->index].error = why.empty() ? "the compile process failed (status " +
                                                   std::to_string(status) + ")"
                                             : why;
        }
      }
      if (done != 0) {
        close(it->error_fd);
        it = running.erase(it);
        any_done = true;
      } else {
        ++it;
      }
    }
    if (!any_done && !running.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  // Linked here, one at a time, after every child has exited.
  for (size_t i : pending) {
    if (!out[i].error.empty()) continue;
    try {
      out[i].kernel = load_compiled_object(funcs[i], target, read_file_bytes(object_of(i)), took_ms[i]);
      out[i].compile_ms = took_ms[i];
    } catch (const std::exception& e) {
      out[i].error = e.what();
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return out;
}

}  // namespace kiln
