#pragma once
/// \file
/// Running a function in a forked worker process with a time limit, and
/// the one result every measuring worker sends back.
///
/// The child runs the body, writes one fixed-size plain-data result to a
/// pipe and calls _exit; the parent reads it or, at the deadline, kills the
/// child. A body that crashes, hangs or exits early costs the caller one
/// failed run, never its own process. The CPU measurement uses it
/// (autotune/measure.cpp). GPU candidates are not measured in forked
/// workers: a child forked after NVRTC cannot use CUDA, so they go to a
/// process started with exec (autotune/gpu_runner.h).
///
///   MeasureWire wire;
///   WorkerEnd end = run_in_worker([&](MeasureWire& w) { ... }, 20.0, "worker", &wire);
///   if (end.kind == WorkerEnd::Kind::Result) use(wire);

#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "autotune/measure.h"
#include "ops/op.h"

namespace kiln {

/// How a worker ended.
struct WorkerEnd {
  enum class Kind {
    Result,    ///< it sent its whole result
    NoWorker,  ///< no pipe or no fork: the worker never ran
    Timeout,   ///< it overran the time limit and was killed
    Crash,     ///< it died, or exited, without sending its result
  };
  Kind kind = Kind::Result;
  std::string why;  ///< what happened, when kind != Result
};

/// Forks a child that runs fill(result) and sends the `size` bytes at
/// `result` back, then waits at most timeout_s for them. With Kind::Result
/// the parent's `result` holds the child's bytes. `who` names the worker in
/// the reasons ("worker", "GPU worker"). The child never returns from here.
WorkerEnd run_in_worker_raw(const std::function<void(void* result)>& fill, void* result,
                            size_t size, double timeout_s, const std::string& who);

/// run_in_worker_raw for a plain-data Wire with a `char error[N]` member:
/// an exception thrown by body(wire) in the child becomes wire.error, and
/// the parent's copy of error is always terminated.
template <typename Wire, typename Body>
WorkerEnd run_in_worker(Body body, double timeout_s, const std::string& who, Wire* out) {
  auto fill = [&](void* result) {
    Wire& w = *static_cast<Wire*>(result);
    try {
      body(w);
    } catch (const std::exception& e) {
      std::snprintf(w.error, sizeof w.error, "%s", e.what());
    }
  };
  const WorkerEnd end = run_in_worker_raw(fill, out, sizeof(Wire), timeout_s, who);
  if (end.kind == WorkerEnd::Kind::Result) out->error[sizeof out->error - 1] = 0;
  return end;
}

/// What a measuring worker sends: plain data, written once.
struct MeasureWire {
  int ok = 0;  ///< 1: checked (and timed when asked); 0: see invalid, error
  int invalid = 0;
  double median_ms = 0, min_ms = 0, max_rel_err = 0;
  int repeats = 0;
  char error[512] = {0};
};

/// The MeasureResult a worker's wire stands for: "ok", "invalid" (wrong
/// result) or "error" (the kernel failed or refused its arguments).
MeasureResult measure_result_from_wire(const MeasureWire& w);

/// The MeasureResult of a measuring worker that ended with `end`: its
/// wire's when it sent one, else "timeout" or "crash" with the reason, or
/// `no_worker_status` when it never ran (no pipe, no fork).
MeasureResult measure_result(const WorkerEnd& end, const MeasureWire& w,
                             const std::string& no_worker_status);

/// The arguments a measurement runs a kernel on: random_inputs(def, sizes)
/// (the same every time) and outputs filled with garbage, so a kernel that
/// skips elements cannot pass. `args` is inputs then outputs, sharing
/// their storage.
struct MeasureArgs {
  std::vector<Buffer> inputs, outputs, args;
};
MeasureArgs make_measure_args(const ComputeDef& def, const OpSizes& sizes);

/// Compares the outputs of a kernel's first run on `a` with
/// options.expected (or, unset, op.check): sets w.max_rel_err, and when it
/// exceeds op.tolerance(def) marks w invalid with the reason and returns
/// false.
bool check_first_run(const Op& op, const ComputeDef& def, const MeasureArgs& a,
                     const MeasureOptions& options, MeasureWire& w);

}  // namespace kiln
