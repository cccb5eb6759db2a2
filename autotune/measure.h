#pragma once
/// \file
/// Measuring a compiled candidate in an isolated worker process, so a
/// candidate that crashes or hangs costs one failed trial, never the tuner.
///
/// The parent compiles (the JIT's machine code is in its memory), then
/// forks; the child inherits the code, makes the inputs, runs the kernel,
/// checks the result against the reference when asked, times it with
/// time_kernel and writes one fixed-size result to a pipe before _exit.
/// The parent waits with a timeout and kills a child that overruns.
///
/// Forking is safe here because the tuner forks from a thread that holds
/// no locks and with no other threads running kiln code: compile threads
/// have been joined, and the parent never runs parallel kernels itself.
/// The child gets a fresh thread pool (runtime/thread_pool.cpp resets it in
/// a pthread_atfork handler) and touches neither LLVM nor SQLite.

#include <string>

#include "codegen/llvm/jit.h"
#include "ops/op.h"

namespace kiln {

struct MeasureArgs;

struct MeasureOptions {
  /// Kill the worker after this long (its whole run: inputs, check, timing).
  double timeout_s = 20;
  /// Compare the first run with the reference: with `expected` set, with
  /// those outputs (made once, by a kernel op.check verified); otherwise
  /// with op.check itself (the interpreter, slow for large sizes).
  bool check = true;
  const std::vector<Buffer>* expected = nullptr;
  /// Time the kernel after the check (false: only check it).
  bool timing = true;
  /// Timed runs; 0 = as many as fill about budget_ms (3 to 200).
  int repeat = 0;
  double budget_ms = 150;
  /// Test hook: "crash" makes the worker die of SIGSEGV, "hang" makes it
  /// sleep forever, before it runs the kernel.
  std::string fault;
  /// The inputs and (garbage-filled) outputs, made once by the tuning
  /// process with make_measure_args: each forked worker inherits them
  /// copy-on-write instead of generating them again (64 MiB of random
  /// floats per candidate for a 4096 x 4096 softmax). Null: the worker
  /// makes its own.
  const MeasureArgs* prepared = nullptr;
};

struct MeasureResult {
  /// "ok", "invalid" (wrong result), "crash", "timeout", "error" (the
  /// kernel refused its arguments or failed to allocate).
  std::string status;
  std::string error;  ///< why, when status != "ok"
  double median_ms = 0, min_ms = 0;
  int repeats = 0;
  double max_rel_err = 0;
};

/// The largest |got - want| / max(|want|, rms(want)) over every element
/// of every output (op.check's measure, without the interpreter).
double compare_outputs(const std::vector<Buffer>& got, const std::vector<Buffer>& want);

/// Runs kernel on random_inputs(def, sizes) (the same inputs every time)
/// for (op, def, sizes) in a forked worker.
MeasureResult measure_in_worker(const CompiledKernel& kernel, const Op& op, const ComputeDef& def,
                                const OpSizes& sizes, const MeasureOptions& options);

/// The fault the test hook KILN_TUNE_TEST_FAULT ("crash:N" or "hang:N")
/// asks for on measured trial `trial` (1-based; 0 is the worker that makes
/// the reference outputs), or "".
std::string test_fault_for_trial(int trial);

}  // namespace kiln
