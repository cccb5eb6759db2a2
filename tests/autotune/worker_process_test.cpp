// run_in_worker: a result, an exception, a crash, an early exit and a hang
// each end as the tuner expects, and measure_result names them.
#include "autotune/worker_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace kiln {
namespace {

/// What the CPU measurement reports for a worker that runs body.
template <typename Body>
MeasureResult measure_with(Body body) {
  MeasureWire w;
  return measure_result(run_in_worker(body, 10.0, "worker", &w), w, "error");
}

TEST(WorkerProcess, BringsBackTheChildsResult) {
  const MeasureResult m = measure_with([](MeasureWire& x) {
    x.ok = 1;
    x.median_ms = 1.5;
    x.repeats = 7;
  });
  EXPECT_EQ(m.status, "ok") << m.error;
  EXPECT_EQ(m.median_ms, 1.5);
  EXPECT_EQ(m.repeats, 7);
}

TEST(WorkerProcess, AnExceptionInTheChildIsAnError) {
  const MeasureResult m =
      measure_with([](MeasureWire&) { throw std::runtime_error("no memory for 3 buffers"); });
  EXPECT_EQ(m.status, "error");
  EXPECT_EQ(m.error, "no memory for 3 buffers");
}

TEST(WorkerProcess, AnInvalidResultKeepsItsError) {
  const MeasureResult m = measure_with([](MeasureWire& x) {
    x.invalid = 1;
    x.max_rel_err = 0.25;
    std::snprintf(x.error, sizeof x.error, "max relative error 0.25");
  });
  EXPECT_EQ(m.status, "invalid");
  EXPECT_EQ(m.max_rel_err, 0.25);
  EXPECT_EQ(m.error, "max relative error 0.25");
}

TEST(WorkerProcess, ASignalIsACrashNamedWithTheWorker) {
  MeasureWire w;
  const WorkerEnd end = run_in_worker([](MeasureWire&) { ::raise(SIGSEGV); }, 10.0, "GPU worker", &w);
  ASSERT_EQ(end.kind, WorkerEnd::Kind::Crash);
  EXPECT_NE(end.why.find("the GPU worker was killed by signal 11"), std::string::npos) << end.why;
  EXPECT_EQ(measure_result(end, w, "error").status, "crash");
}

TEST(WorkerProcess, AnExitWithoutAResultIsACrash) {
  MeasureWire w;
  const WorkerEnd end = run_in_worker([](MeasureWire&) { ::_exit(3); }, 10.0, "worker", &w);
  ASSERT_EQ(end.kind, WorkerEnd::Kind::Crash);
  EXPECT_EQ(end.why, "the worker exited with status 3 without a result");
}

TEST(WorkerProcess, AHangIsKilledAtTheDeadline) {
  MeasureWire w;
  const WorkerEnd end = run_in_worker(
      [](MeasureWire&) {
        for (;;) ::pause();
      },
      0.2, "worker", &w);
  ASSERT_EQ(end.kind, WorkerEnd::Kind::Timeout);
  EXPECT_NE(end.why.find("the worker ran longer than 0.2"), std::string::npos) << end.why;
  EXPECT_EQ(measure_result(end, w, "error").status, "timeout");
}

TEST(WorkerProcess, NoWorkerTakesTheCallersStatus) {
  const WorkerEnd end{WorkerEnd::Kind::NoWorker, "cannot fork a worker: out of memory"};
  const MeasureWire w;
  EXPECT_EQ(measure_result(end, w, "error").status, "error");
  EXPECT_EQ(measure_result(end, w, "crash").status, "crash");
  EXPECT_EQ(measure_result(end, w, "crash").error, "cannot fork a worker: out of memory");
}

}  // namespace
}  // namespace kiln
