// run_in_worker: a result, an exception, a crash, an early exit and a hang
// each end as the tuner expects, and measure_result names them.
#include "autotune/worker_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

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

/// A kernel that writes only the first element of its last argument.
class WritesOneElement : public CompiledKernel {
 public:
  explicit WritesOneElement(std::shared_ptr<const CompiledKernel> real) : real_(std::move(real)) {}
  void run(const std::vector<Buffer>& args) const override {
    args.back().data_as<float>()[0] = 1.0f;
  }
  const LoweredFunc& func() const override { return real_->func(); }
  double compile_ms() const override { return 0; }

 private:
  std::shared_ptr<const CompiledKernel> real_;
};

// Inputs and outputs made once by the tuning process: workers inherit them,
// and each one still finds the outputs garbage-filled, so a kernel that
// skips elements fails its check every time, not only the first.
TEST(WorkerProcess, PreparedArgumentsStayGarbageForEveryWorker) {
  const Op& op = find_op("softmax");
  const OpSizes sizes = {{"M", 7}, {"N", 37}};
  const ComputeDef def = op.define(sizes);
  const auto kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  const MeasureArgs prepared = make_measure_args(def, sizes);
  const std::vector<float> garbage(prepared.outputs[0].data_as<float>(),
                                   prepared.outputs[0].data_as<float>() + 7 * 37);
  // The reference: the same kernel on inputs made the same way.
  const MeasureArgs fresh = make_measure_args(def, sizes);
  kernel->run(fresh.args);
  MeasureOptions o;
  o.prepared = &prepared;
  o.expected = &fresh.outputs;
  o.repeat = 3;
  const MeasureResult good = measure_in_worker(*kernel, op, def, sizes, o);
  EXPECT_EQ(good.status, "ok") << good.error;
  EXPECT_LT(good.max_rel_err, 1e-6);
  const WritesOneElement lazy(kernel);
  for (int twice = 0; twice < 2; ++twice) {
    const MeasureResult bad = measure_in_worker(lazy, op, def, sizes, o);
    EXPECT_EQ(bad.status, "invalid") << bad.error;
  }
  // The workers wrote their own copies; this process's stay as made.
  EXPECT_TRUE(std::equal(garbage.begin(), garbage.end(), prepared.outputs[0].data_as<float>()));
}

}  // namespace
}  // namespace kiln
