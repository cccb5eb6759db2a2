// The GPU runner protocol without a GPU: a real kiln-runner process, started
// with exec, over its fake device (autotune/runner_device.h). Every way a
// candidate can end (ok, wrong, crash, hang, lost context, refused PTX)
// costs one trial and the next candidate measures fine; garbage on the
// socket and a killed tuner end the runner.
#include "autotune/gpu_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <thread>

#include "autotune/runner_wire.h"
#include "base/error.h"

extern char** environ;

namespace kiln {
namespace {

/// relu 5x7: one input, one output (buffer 1); the reference output is 2.
struct FakeWorkload {
  const Op& op = find_op("relu");
  OpSizes sizes = op.resolve_sizes({{"M", 5}, {"N", 7}});
  OpOptions options = op.resolve_options({});
  std::vector<Buffer> expected;
  FakeWorkload() {
    expected.emplace_back(f32(), std::vector<int64_t>{5, 7});
    for (int64_t i = 0; i < 35; ++i) expected[0].set_f64(i, 2.0);
  }
};

/// A plan of one launch of the fake kernel `kernel` writing the output.
GpuLaunchPlan fake_plan(const std::string& kernel, const std::string& ptx = "fake module") {
  GpuLaunchPlan p;
  p.image = ptx;
  p.num_args = 2;
  GpuLaunch l;
  l.kernel = kernel;
  l.buffers = {1};
  p.launches.push_back(l);
  return p;
}

MeasureOptions quick(double timeout_s = 10) {
  MeasureOptions o;
  o.timeout_s = timeout_s;
  o.repeat = 3;
  return o;
}

/// Whether process pid is gone (or a zombie nobody reaped yet).
bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string pid_s, comm, state;
  stat >> pid_s >> comm >> state;
  return state == "Z" || state == "X";
}

TEST(GpuRunner, IsAFreshImageStartedWithExec) {
  GpuRunner runner("fake");
  const GpuFingerprint gpu = runner.device();
  EXPECT_EQ(gpu.device, "kiln fake GPU");
  EXPECT_EQ(gpu.sm, 90);
  ASSERT_GT(runner.pid(), 0);
  // Not a fork of this test process: its executable is kiln-runner.
  const std::filesystem::path exe =
      std::filesystem::read_symlink("/proc/" + std::to_string(runner.pid()) + "/exe");
  EXPECT_EQ(exe.filename(), "kiln-runner") << exe;
  EXPECT_EQ(exe, std::filesystem::canonical(runner_executable()));
  std::ifstream cmdline("/proc/" + std::to_string(runner.pid()) + "/cmdline");
  const std::string args((std::istreambuf_iterator<char>(cmdline)), {});
  EXPECT_NE(args.find("--socket-fd"), std::string::npos);
  EXPECT_EQ(runner.starts(), 1);
}

TEST(GpuRunner, ChecksAgainstTheReferenceAndTimes) {
  FakeWorkload w;
  GpuRunner runner("fake");
  runner.set_workload(w.op, w.sizes, w.options, &w.expected);
  MeasureResult m = runner.measure(fake_plan("fill_2"), quick());
  EXPECT_EQ(m.status, "ok") << m.error;
  EXPECT_EQ(m.max_rel_err, 0.0);
  EXPECT_EQ(m.repeats, 3);
  m = runner.measure(fake_plan("sleep_2000"), quick());
  // The outputs were reset to garbage before the check: skipping them fails.
  EXPECT_EQ(m.status, "invalid") << m.error;
  EXPECT_NE(m.error.find("exceeds the tolerance"), std::string::npos) << m.error;
  m = runner.measure(fake_plan("fill_3"), quick());
  EXPECT_EQ(m.status, "invalid");
  EXPECT_NEAR(m.max_rel_err, 0.5, 1e-6);
  // Timing only: a kernel of 2 ms times at about 2 ms.
  MeasureOptions timing_only = quick();
  timing_only.check = false;
  m = runner.measure(fake_plan("sleep_2000"), timing_only);
  EXPECT_EQ(m.status, "ok") << m.error;
  EXPECT_GE(m.median_ms, 1.9);
  EXPECT_EQ(runner.starts(), 1) << "one runner for every candidate";
}

TEST(GpuRunner, WithoutReferenceOutputsTheRunnerChecksWithTheInterpreter) {
  FakeWorkload w;
  GpuRunner runner("fake");
  runner.set_workload(w.op, w.sizes, w.options, nullptr);
  // relu of random inputs in [-1, 1] is never 2 everywhere.
  const MeasureResult m = runner.measure(fake_plan("fill_2"), quick());
  EXPECT_EQ(m.status, "invalid") << m.error;
}

TEST(GpuRunner, ACrashCostsOneTrialAndTheNextRunnerMeasures) {
  FakeWorkload w;
  GpuRunner runner("fake");
  runner.set_workload(w.op, w.sizes, w.options, &w.expected);
  const MeasureResult crash = runner.measure(fake_plan("segv"), quick());
  EXPECT_EQ(crash.status, "crash");
  EXPECT_NE(crash.error.find("signal 11"), std::string::npos) << crash.error;
  EXPECT_EQ(runner.pid(), 0);
  const MeasureResult next = runner.measure(fake_plan("fill_2"), quick());
  EXPECT_EQ(next.status, "ok") << next.error;
  EXPECT_EQ(runner.starts(), 2);
  // The test hook for a crash before the kernel runs, as the tuner uses it.
  MeasureOptions fault = quick();
  fault.fault = "crash";
  EXPECT_EQ(runner.measure(fake_plan("fill_2"), fault).status, "crash");
  EXPECT_EQ(runner.measure(fake_plan("fill_2"), quick()).status, "ok");
  EXPECT_EQ(runner.starts(), 3);
}

TEST(GpuRunner, AHangIsKilledAtTheTimeLimit) {
  FakeWorkload w;
  GpuRunner runner("fake");
  runner.set_workload(w.op, w.sizes, w.options, &w.expected);
  ASSERT_EQ(runner.measure(fake_plan("fill_2"), quick()).status, "ok");
  const pid_t hung = runner.pid();
  const auto t0 = std::chrono::steady_clock::now();
  const MeasureResult m = runner.measure(fake_plan("hang"), quick(1.0));
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(m.status, "timeout");
  EXPECT_NE(m.error.find("runner was killed"), std::string::npos) << m.error;
  EXPECT_LT(s, 5.0);
  EXPECT_TRUE(gone(hung));
  EXPECT_EQ(runner.measure(fake_plan("fill_2"), quick()).status, "ok");
  EXPECT_EQ(runner.starts(), 2);
}

TEST(GpuRunner, ALostContextRestartsTheRunner) {
  FakeWorkload w;
  GpuRunner runner("fake");
  runner.set_workload(w.op, w.sizes, w.options, &w.expected);
  const MeasureResult m = runner.measure(fake_plan("trap"), quick());
  EXPECT_EQ(m.status, "crash");
  EXPECT_NE(m.error.find("illegal memory access"), std::string::npos) << m.error;
  EXPECT_NE(m.error.find("context was lost"), std::string::npos) << m.error;
  EXPECT_EQ(runner.measure(fake_plan("fill_2"), quick()).status, "ok");
  EXPECT_EQ(runner.starts(), 2);
}

TEST(GpuRunner, RefusedPtxIsACompileErrorAndKeepsTheRunner) {
  FakeWorkload w;
  GpuRunner runner("fake");
  runner.set_workload(w.op, w.sizes, w.options, &w.expected);
  const MeasureResult m = runner.measure(fake_plan("fill_2", "fake_compile_error"), quick());
  EXPECT_EQ(m.status, "compile_error");
  EXPECT_NE(m.error.find("module load"), std::string::npos) << m.error;
  // A plan that does not fit the workload is refused the same way.
  GpuLaunchPlan bad = fake_plan("fill_2");
  bad.num_args = 1;
  bad.launches[0].buffers = {0};
  EXPECT_EQ(runner.measure(bad, quick()).status, "compile_error");
  EXPECT_EQ(runner.measure(fake_plan("fill_2"), quick()).status, "ok");
  EXPECT_EQ(runner.starts(), 1);
}

TEST(GpuRunner, AWorkloadTheRunnerCannotSetUpFailsTheTrial) {
  FakeWorkload w;
  std::vector<Buffer> wrong_size = {Buffer(f32(), {3})};
  GpuRunner runner("fake");
  runner.set_workload(w.op, w.sizes, w.options, &wrong_size);
  const MeasureResult m = runner.measure(fake_plan("fill_2"), quick());
  EXPECT_EQ(m.status, "crash");
  EXPECT_NE(m.error.find("reference output 0 has 12 bytes"), std::string::npos) << m.error;
  GpuRunner none("fake");
  EXPECT_EQ(none.measure(fake_plan("fill_2"), quick()).status, "error");
}

/// Starts kiln-runner by hand on a socket; returns its pid and our end.
std::pair<pid_t, int> spawn_runner(pid_t parent) {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const int child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 100);
  ::close(sv[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, child_end, 3);
  const std::string exe = runner_executable(), parent_s = std::to_string(parent);
  std::vector<std::string> args = {exe, "--socket-fd", "3", "--parent-pid", parent_s,
                                   "--device", "fake"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(child_end);
  return {pid, sv[0]};
}

/// The exit status of pid within timeout_s, or -1.
int exit_status_within(pid_t pid, double timeout_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < end) {
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

TEST(GpuRunner, GarbageOnTheSocketEndsTheRunnerWithAnError) {
  for (const std::string garbage :
       {std::string("hello there, runner\n"), std::string("KRN1\xff\xff\xff\xff\0\0\0\0", 12)}) {
    auto [pid, fd] = spawn_runner(::getpid());
    WireMessage hello;
    std::string why;
    ASSERT_EQ(receive_message(fd, 10, &hello, &why), WireRead::Ok) << why;
    EXPECT_EQ(hello.kind(), "hello");
    ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
    EXPECT_EQ(exit_status_within(pid, 5), 2);
    ::close(fd);
  }
}

TEST(GpuRunner, DiesWithTheTunerThatStartedIt) {
  // A tuner process (a fork of this test, which has no CUDA to break)
  // starts a runner, reports its pid, and is killed with SIGKILL.
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t tuner = ::fork();
  ASSERT_GE(tuner, 0);
  if (tuner == 0) {
    ::close(report[0]);
    GpuRunner runner("fake");
    runner.device();
    const pid_t pid = runner.pid();
    if (::write(report[1], &pid, sizeof pid) != sizeof pid) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(report[1]);
  pid_t runner_pid = 0;
  ASSERT_EQ(::read(report[0], &runner_pid, sizeof runner_pid), static_cast<ssize_t>(sizeof runner_pid));
  ::close(report[0]);
  ASSERT_GT(runner_pid, 0);
  EXPECT_FALSE(gone(runner_pid));
  ::kill(tuner, SIGKILL);
  ::waitpid(tuner, nullptr, 0);
  const auto t0 = std::chrono::steady_clock::now();
  while (!gone(runner_pid) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(gone(runner_pid)) << "the runner outlived its tuner by 1 s";
  // A runner whose parent is not the one named exits at once.
  auto [pid, fd] = spawn_runner(::getpid() + 1000000);
  EXPECT_EQ(exit_status_within(pid, 5), 3);
  ::close(fd);
}

TEST(RunnerWire, FramesRoundTripAndMalformedOnesAreRefused) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::string why;
  WireMessage out{{{"kind", "measure"}, {"x", 3}}, {"abc", std::string(100000, 'z')}};
  std::thread writer([&] { EXPECT_TRUE(send_message(sv[0], out, &why)); });
  WireMessage in;
  ASSERT_EQ(receive_message(sv[1], 10, &in, &why), WireRead::Ok) << why;
  writer.join();
  EXPECT_EQ(in.meta, out.meta);
  EXPECT_EQ(in.blobs, out.blobs);
  // Nothing comes: a timeout, not a hang.
  EXPECT_EQ(receive_message(sv[1], 0.2, &in, &why), WireRead::Timeout);
  // 2^32-1 bytes of JSON announced: refused before allocating.
  const std::string huge("KRN1\xff\xff\xff\xff\x01\0\0\0", 12);
  ASSERT_EQ(::write(sv[0], huge.data(), huge.size()), 12);
  EXPECT_EQ(receive_message(sv[1], 1, &in, &why), WireRead::Garbage);
  EXPECT_NE(why.find("at most"), std::string::npos) << why;
  // A truncated frame then a closed socket.
  ::close(sv[1]);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(::write(sv[0], "KRN1\x05", 5), 5);
  ::close(sv[0]);
  EXPECT_EQ(receive_message(sv[1], 1, &in, &why), WireRead::Closed);
  ::close(sv[1]);
  // Writing to a closed peer is an error, not SIGPIPE.
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ::close(sv[1]);
  EXPECT_FALSE(send_message(sv[0], out, &why));
  ::close(sv[0]);
}

TEST(RunnerWire, LaunchPlansRoundTripAndBadOnesAreRefused) {
  GpuLaunchPlan p = fake_plan("k");
  p.temp_bytes = {64};
  p.launches[0].grid = {7, 1, 1};
  p.launches[0].block = {256, 1, 1};
  p.launches[0].buffers = {0, 2};
  p.launches[0].sizes = {5, 7};
  const GpuLaunchPlan back = plan_from_json(plan_to_json(p), "ptx");
  EXPECT_EQ(plan_to_json(back), plan_to_json(p));
  EXPECT_EQ(back.image, "ptx");
  auto refused = [&](const std::function<void(nlohmann::json&)>& spoil, const std::string& what) {
    nlohmann::json j = plan_to_json(p);
    spoil(j);
    try {
      plan_from_json(j, "");
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  refused([](nlohmann::json& j) { j["launches"][0]["buffers"][0] = 3; }, "buffer index is 3");
  refused([](nlohmann::json& j) { j["launches"][0]["block"][0] = 0; }, "block dimension is 0");
  refused([](nlohmann::json& j) { j["launches"][0]["grid"] = {1, 2}; }, "3 dimensions");
  refused([](nlohmann::json& j) { j["launches"][0]["kernel"] = 5; }, "no kernel name");
  refused([](nlohmann::json& j) { j["num_args"] = "two"; }, "not an integer");
  refused(
      [](nlohmann::json& j) {
        nlohmann::json many = nlohmann::json::array();
        for (int i = 0; i < 65; ++i) many.push_back(j["launches"][0]);
        j["launches"] = many;
      },
      "at most 64");
}

}  // namespace
}  // namespace kiln
