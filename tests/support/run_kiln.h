#pragma once
/// \file
/// Running the built kiln command (KILN_CLI_PATH) from a test, the way a
/// user runs it: through the shell, with its exit code and what it printed.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

namespace kiln::test_support {

/// What one run of the kiln command gave.
struct KilnRun {
  /// The exit status; 128 + n when killed by signal n; -1 when it could
  /// not be started.
  int exit_code = -1;
  /// What it printed on stdout, and on stderr too unless KilnRunOptions::
  /// separate_stderr.
  std::string output;
  /// What it printed on stderr, with separate_stderr (empty otherwise).
  std::string err;
};

struct KilnRunOptions {
  /// What the shell line holds before the command: environment
  /// assignments ("KILN_CALIBRATION_CACHE='/tmp/x.json' ") or a command
  /// that runs it ("env HOME=/tmp/h ", "sudo -u nobody ").
  std::string prefix;
  /// Collect stderr apart in KilnRun::err (where progress goes) instead of
  /// mixing it into output.
  bool separate_stderr = false;
};

/// Runs `kiln args` (args as the shell reads them, quotes included).
inline KilnRun run_kiln(const std::string& args, const KilnRunOptions& options = {}) {
  const std::string err_path = ::testing::TempDir() + "kiln_run_" + std::to_string(::getpid()) + ".err";
  const std::string cmd = options.prefix + KILN_CLI_PATH + " " + args +
                          (options.separate_stderr ? " 2>" + err_path : " 2>&1");
  KilnRun r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> chunk;
  size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) r.output.append(chunk.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (options.separate_stderr) {
    if (FILE* err = std::fopen(err_path.c_str(), "r")) {
      while ((n = std::fread(chunk.data(), 1, chunk.size(), err)) > 0) r.err.append(chunk.data(), n);
      std::fclose(err);
    }
    std::remove(err_path.c_str());
  }
  return r;
}

}  // namespace kiln::test_support
