// The tuning loop, one for every target: cache lookup, warm start, the
// reference outputs, the default's measurement, then batches of (propose,
// build, run, record, retrain) until a budget runs out, and the
// front-runners measured again. The target's parts are a TuneBackend.
#include "autotune/tuner.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "autotune/confirm.h"
#include "autotune/reference.h"
#include "autotune/trial_loop.h"
#include "autotune/tune_backend.h"
#include "autotune/worker_process.h"
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "runtime/thread_pool.h"
#include "schedule/lower.h"

namespace kiln {

namespace {

/// Seconds the reference interpreter may take to check the reference
/// kernel's output before the tuner trusts it unchecked.
constexpr double kReferenceCheckTimeoutS = 60;

/// A Runner's result; an exception (a test hook's) is a crashed trial.
MeasureResult run_safely(Runner& runner, const Artifact& artifact, const MeasureOptions& o) {
  try {
    return runner.run(artifact, o);
  } catch (const std::exception& e) {
    MeasureResult m;
    m.status = "crash";
    m.error = std::string("the measurement failed: ") + e.what();
    return m;
  }
}

/// The target's backend; for a CPU target, only the host.
std::unique_ptr<TuneBackend> make_backend(const Op& op, const OpSizes& sizes,
                                          const OpOptions& options, const ComputeDef& def,
                                          const Target& target, const TuneOptions& t,
                                          const TuneHooks& hooks) {
  if (target.kind == Target::Kind::CUDA)
    return make_gpu_backend(op, sizes, options, def, target, t, hooks);
  if (target.str() != host_target().str()) {
    user_error << "tuning measures on this machine: the target must be the host ('"
               << host_target().str() << "') or a CUDA target, not '" << target.str() << "'";
  }
  const int threads = t.threads > 0 ? t.threads : num_threads();
  set_num_threads(threads);
  return make_cpu_backend(op, sizes, options, def, threads, t);
}

}  // namespace

TuneResult tune(const Op& op, const OpSizes& sizes_in, const OpOptions& options_in,
                const Target& target, const TuneOptions& t, const TuneHooks& hooks) {
  const auto t0 = std::chrono::steady_clock::now();
  const OpSizes sizes = op.resolve_sizes(sizes_in);
  const OpOptions options = op.resolve_options(options_in);
  const ComputeDef def = op.define(sizes, options);
  // For a GPU the device is asked for here, before the database is opened.
  std::unique_ptr<TuneBackend> backend = make_backend(op, sizes, options, def, target, t, hooks);
  TuneBackend& b = *backend;
  TuneResult result;
  result.target = b.target();
  result.threads = b.threads();
  result.workload = b.workload();
  TuningDatabase db = TuningDatabase::open(default_database_path(t.db_path));
  if (!t.retune && load_cached_best(db, result.workload.key, t0, result)) return result;
  db.add_workload(result.workload);

  CostModel model;
  b.warm_start(db, model);
  model.train();
  TrialLoop loop(db, t, op.flops(sizes, options), t0, result);

  MeasureOptions measure = t.measure;
  measure.budget_ms = b.timing_budget_ms(t.measure.budget_ms);
  // CPU workers inherit these instead of making their own. Never run in
  // this process, so each worker finds the outputs still garbage-filled
  // and a candidate that skips an element fails its check.
  MeasureArgs prepared;
  if (b.wants_prepared_args()) {
    prepared = make_measure_args(def, sizes);
    measure.prepared = &prepared;
  }
  // The default schedule: the figure to beat, a safe best, and the
  // reference every candidate is compared with.
  const std::string default_json = stored_trace_json(b.default_schedule(), op.name());
  Reference ref;
  {
    const BuildResult built = b.builder().build(b.default_schedule());
    const std::shared_ptr<const CompiledKernel> ref_kernel = b.reference_kernel(built);
    ref = make_reference(ref_kernel.get(), op, def, sizes,
                         std::max(t.measure.timeout_s, kReferenceCheckTimeoutS),
                         test_fault_for_trial(0));
    result.reference_checked = ref.checked;
    if (!ref.outputs.empty()) measure.expected = &ref.outputs;
    b.use_reference(measure.expected);
    MeasureResult m;
    if (!built.artifact) {
      m = compile_error(built.error);
    } else if (b.reference_is_the_default() && ref.verdict.status == "invalid") {
      m = ref.verdict;  // the default itself computes a wrong answer
    } else {
      MeasureOptions timed = measure;
      // Without reference outputs the default's own check was the one above.
      timed.check = measure.expected != nullptr || !b.reference_is_the_default();
      m = run_safely(b.runner(), *built.artifact, timed);
    }
    loop.record_default(default_json, m, built.compile_ms);
  }
  measure.timeout_s = loop.candidate_timeout_s(measure.timeout_s, b.setup_s());
  // A retune starts from the stored best, so it never reports worse.
  loop.start_from_stored_best();

  // Batches are proposed on this thread (lowering is not shared between
  // threads); where the backend allows, the next batch builds on another
  // thread while this one is measured, proposed by the model as it was then.
  int empty_rounds = 0;
  std::vector<KnobValues> first = {b.default_knobs()};
  struct BuiltBatch {
    std::vector<Candidate> candidates;
    std::vector<BuildResult> built;
    bool ranked = false;
  };
  // Proposes a batch and starts building it; an invalid future when the
  // search had nothing new this round.
  auto propose_and_build = [&]() -> std::future<BuiltBatch> {
    BuiltBatch next;
    next.ranked = model.trained();
    next.candidates = b.search().next_batch(model, first, &result.trials_rejected);
    first.clear();
    if (next.candidates.empty()) return {};
    const auto policy = b.builds_while_measuring() ? std::launch::async : std::launch::deferred;
    return std::async(policy, [&b, next = std::move(next)]() mutable {
      next.built = b.builder().build(next.candidates);
      return std::move(next);
    });
  };
  std::future<BuiltBatch> pending;
  const auto search_start = std::chrono::steady_clock::now();
  while (!loop.stopped()) {
    if (!pending.valid()) pending = propose_and_build();
    if (!pending.valid()) {
      if (++empty_rounds >= 3) break;  // the space is exhausted
      continue;
    }
    empty_rounds = 0;
    const BuiltBatch current = pending.get();
    if (b.builds_while_measuring() && !loop.out_of_time()) pending = propose_and_build();
    const std::vector<Candidate>& batch = current.candidates;
    const std::vector<BuildResult>& built = current.built;
    const bool ranked = current.ranked;
    for (size_t i = 0; i < batch.size() && !loop.stopped(); ++i) {
      const int trial = loop.next_trial();
      MeasureResult m;
      if (!built[i].artifact) {
        m = compile_error(built[i].error);
      } else {
        MeasureOptions mo = measure;
        mo.fault = test_fault_for_trial(trial);
        m = run_safely(b.runner(), *built[i].artifact, mo);
      }
      loop.record_candidate(b.search(), model, batch[i], m, built[i].compile_ms, ranked);
    }
    model.train();
    loop.set_reserve_s(confirm_reserve_s(
        t.time_budget_s, seconds_since(search_start) / std::max(1, result.trials_measured)));
  }
  if (pending.valid()) pending.wait();  // built, never measured: the budget ran out
  // The front-runners and the default, measured again in turns.
  auto measure_trace = [&](const std::string& trace_json, double* compile_ms) {
    try {
      const BuildResult r = b.builder().build(Schedule::replay(def, Trace::from_json(trace_json)));
      *compile_ms = r.compile_ms;
      if (!r.artifact) return compile_error(r.error);
      return run_safely(b.runner(), *r.artifact, measure);
    } catch (const std::exception& e) {
      return compile_error(e.what());
    }
  };
  result.trials_confirmed = confirm_front_runners(loop, db, default_json, measure_trace, result);
  loop.finish();
  return result;
}

TuneResult tune(const Op& op, const OpSizes& sizes, const OpOptions& options,
                const TuneOptions& t) {
  return tune(op, sizes, options, host_target(), t);
}

Target resolve_gpu_target(const Target& target, const GpuFingerprint& gpu) {
  if (target.kind != Target::Kind::CUDA) {
    user_error << "target '" << target.str() << "' is not a CUDA target; use 'cuda' or "
               << "'cuda -arch=sm_XX'";
  }
  Target t = target;
  if (t.sm == 0) t.sm = gpu.sm;
  if (t.sm > gpu.sm) {
    user_error << "target sm_" << t.sm << " is newer than the GPU " << gpu.device << " (sm_"
               << gpu.sm << "), which cannot load its kernels; use --target cuda (the device's "
               << "arch) or -arch=sm_" << gpu.sm << " or lower";
  }
  return t;
}

WorkloadKey tuning_workload(const Op& op, const OpSizes& sizes, const OpOptions& options,
                            const Target& target, const MeasuredOn& on) {
  const OpSizes s = op.resolve_sizes(sizes);
  const OpOptions o = op.resolve_options(options);
  const ComputeDef def = op.define(s, o);
  if (on.gpu) return make_gpu_workload_key(op, def, s, o, resolve_gpu_target(target, *on.gpu), *on.gpu);
  return make_workload_key(op, def, s, o, target, on.threads);
}

std::optional<TuningRecord> tuned_record(TuningDatabase& db, const Op& op, const OpSizes& sizes,
                                         const OpOptions& options, const Target& target,
                                         const MeasuredOn& on) {
  return db.best(tuning_workload(op, sizes, options, target, on).key);
}

}  // namespace kiln
