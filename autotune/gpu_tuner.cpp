// The GPU tuning loop: device, cache lookup, reference, default
// measurement, warm start, then batches of (propose, NVRTC in parallel,
// measure in workers, record, retrain). See gpu_tuner.h.
#include "autotune/gpu_tuner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "autotune/confirm.h"
#include "autotune/cost_model.h"
#include "autotune/gpu_runner.h"
#include "autotune/gpu_search.h"
#include "autotune/trial_loop.h"
#include "autotune/worker_process.h"
#include "codegen/cuda/nvrtc.h"
#include "codegen/llvm/jit.h"
#include "dsl/error.h"
#include "schedule/lower.h"

namespace kiln {
namespace {

/// The knobs stored beside a record's trace, or none.
KnobValues record_knobs(const TuningRecord& r) {
  const nlohmann::json j = nlohmann::json::parse(r.trace_json, nullptr, false);
  if (!j.is_object() || !j.contains("knobs")) return {};
  return SearchSpace::from_json(j["knobs"].dump());
}

/// Trains the model on stored records of the same op, target and GPU
/// (every size) and seeds the search with this workload's records.
void warm_start(TuningDatabase& db, const Op& op, const WorkloadKey& self, const Target& target,
                CostModel& model, GpuEvolutionarySearch& search) {
  auto visit = [&](const WorkloadKey& w, const ComputeDef& def,
                   const std::vector<TuningRecord>& records, size_t left) -> size_t {
    std::optional<GpuSearchSpace> space;
    try {
      space = GpuSearchSpace::generate(def, target);
    } catch (const std::exception&) {
      return 0;  // a workload this kiln cannot tune on the GPU any more
    }
    size_t used = 0;
    for (const TuningRecord& r : records) {
      const KnobValues knobs = record_knobs(r);
      if (knobs.empty() || used >= left) continue;
      const double speed = record_speed(r);
      model.add(w.key, gpu_features(*space, knobs), speed);
      ++used;
      if (w.key == self.key) search.report(knobs, speed);
    }
    return used;
  };
  for_each_warm_start_workload(db, op, self, /*same_hardware=*/true, visit);
}

/// The outputs of the op's default CPU kernel on the inputs every worker
/// uses, checked once against the reference interpreter in a CPU worker
/// with a time limit (large reductions check slowly). Empty when the
/// default fails or its check does: each GPU worker then checks with the
/// interpreter itself. *checked: the interpreter agreed.
std::vector<Buffer> reference_outputs(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                                      const MeasureOptions& base, bool* checked) {
  *checked = false;
  try {
    const Target host = Target::host();
    auto kernel = compile_jit(lower(op.default_schedule(def, host)), host);
    const MeasureArgs a = make_measure_args(def, sizes);
    kernel->run(a.args);
    MeasureOptions verify = base;
    verify.timing = false;
    verify.expected = nullptr;
    verify.fault.clear();
    verify.timeout_s = std::max(base.timeout_s, 60.0);
    const MeasureResult m = measure_in_worker(*kernel, op, def, sizes, verify);
    if (m.status != "ok" && m.status != "timeout") return {};
    *checked = m.status == "ok";
    return a.outputs;
  } catch (const std::exception&) {
    return {};
  }
}

struct Compiled {
  double nvrtc_ms = 0;
  std::string error;  ///< NVRTC's log when the source does not compile
};

/// NVRTC for every candidate on up to 8 threads. The PTX lands in the
/// module cache, where CudaKernel::compile finds it. Threads are joined
/// before return, so the caller may fork afterwards.
std::vector<Compiled> compile_all(const std::vector<GpuCandidate>& batch, int arch) {
  std::vector<Compiled> out(batch.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < batch.size(); i = next++) {
      try {
        compile_cuda_to_ptx(batch[i].source, arch, &out[i].nvrtc_ms);
      } catch (const std::exception& e) {
        out[i].error = e.what();
      }
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned n = std::min<unsigned>({hw, 8u, static_cast<unsigned>(batch.size())});
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return out;
}

}  // namespace

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

std::optional<TuningRecord> tuned_gpu_record(TuningDatabase& db, const Op& op, const OpSizes& sizes,
                                             const OpOptions& options, const Target& target,
                                             const GpuFingerprint& gpu) {
  const OpSizes s = op.resolve_sizes(sizes);
  const OpOptions o = op.resolve_options(options);
  const Target t = resolve_gpu_target(target, gpu);
  return db.best(make_gpu_workload_key(op, op.define(s, o), s, o, t, gpu).key);
}

TuneResult tune_gpu(const Op& op, const OpSizes& sizes_in, const OpOptions& options_in,
                    const Target& target, const TuneOptions& t, const GpuTuneHooks& hooks) {
  const auto t0 = std::chrono::steady_clock::now();
  const OpSizes sizes = op.resolve_sizes(sizes_in);
  const OpOptions options = op.resolve_options(options_in);
  const ComputeDef def = op.define(sizes, options);
  // The device before anything else: without one the database is not
  // even opened. The runner that answers is the one that measures.
  GpuRunner runner;
  const GpuFingerprint gpu = hooks.device ? *hooks.device : runner.device();
  TuneResult result;
  result.target = resolve_gpu_target(target, gpu);
  result.threads = 1;
  result.workload = make_gpu_workload_key(op, def, sizes, options, result.target, gpu);
  TuningDatabase db = TuningDatabase::open(default_database_path(t.db_path));
  if (!t.retune && load_cached_best(db, result.workload.key, t0, result)) return result;
  db.add_workload(result.workload);

  const GpuSearchSpace space = GpuSearchSpace::generate(def, result.target);
  CostModel model;
  SearchOptions so;
  so.batch = std::max(1, t.batch);
  so.seed = t.seed;
  GpuEvolutionarySearch search(space, result.target, op.name(), so);
  warm_start(db, op, result.workload, result.target, model, search);
  model.train();
  TrialLoop loop(db, t, op.flops(sizes, options), t0, result);

  auto measure_fn = [&](const CudaKernel& kernel, const MeasureOptions& mo) {
    MeasureResult m;
    try {
      m = hooks.measure ? hooks.measure(kernel, mo)
                        : runner.measure(workload_plan(kernel, def, sizes), mo);
    } catch (const std::exception& e) {
      m.status = "crash";
      m.error = std::string("the measurement failed: ") + e.what();
    }
    return m;
  };

  // Every candidate's first (and only) run is compared with the reference.
  MeasureOptions measure = t.measure;
  measure.check = true;
  const std::vector<Buffer> reference =
      reference_outputs(op, def, sizes, t.measure, &result.reference_checked);
  if (!reference.empty()) measure.expected = &reference;
  runner.set_workload(op, sizes, options, measure.expected);

  // The op's default GPU schedule: the figure to beat and a safe best.
  std::string default_json;
  {
    const Schedule ds = op.default_gpu_schedule(def, result.target);
    default_json = default_record_json(ds, op.name());
    MeasureResult m;
    double compile_ms = 0;
    try {
      auto kernel = CudaKernel::compile(ds, result.target);
      compile_ms = kernel->nvrtc_ms();
      search.mark_source_seen(kernel->source());  // measured once is enough
      m = measure_fn(*kernel, measure);
    } catch (const std::exception& e) {
      m = compile_error(e.what());
    }
    loop.record_default(default_json, m, compile_ms);
  }
  // 10 s for the context, the copies and the check.
  measure.timeout_s = loop.candidate_timeout_s(measure.timeout_s, 10.0);
  loop.start_from_stored_best();

  std::vector<KnobValues> first = {space.default_values()};
  const auto search_start = std::chrono::steady_clock::now();
  while (!loop.stopped()) {
    const bool ranked = model.trained();
    const std::vector<GpuCandidate> batch = search.next_batch(model, first, &result.trials_rejected);
    first.clear();
    if (batch.empty()) break;  // nothing new left in the space
    const std::vector<Compiled> compiled = compile_all(batch, result.target.cuda_arch());
    for (size_t i = 0; i < batch.size() && !loop.stopped(); ++i) {
      const int trial = loop.next_trial();
      MeasureResult m;
      if (!compiled[i].error.empty()) {
        m = compile_error(compiled[i].error);
      } else {
        try {
          // Lowers again and finds the PTX in the module cache.
          auto kernel = CudaKernel::compile(*batch[i].schedule, result.target);
          MeasureOptions mo = measure;
          mo.fault = test_fault_for_trial(trial);
          m = measure_fn(*kernel, mo);
        } catch (const std::exception& e) {
          m = compile_error(e.what());
        }
      }
      loop.record_candidate(search, model, batch[i], m, compiled[i].nvrtc_ms, ranked);
    }
    model.train();
    loop.set_reserve_s(confirm_reserve_s(
        t.time_budget_s, seconds_since(search_start) / std::max(1, result.trials_measured)));
  }
  // The front-runners and the default, measured again in turns (as tune()).
  auto measure_trace = [&](const std::string& trace_json, double* compile_ms) {
    try {
      auto kernel =
          CudaKernel::compile(Schedule::replay(def, Trace::from_json(trace_json)), result.target);
      *compile_ms = kernel->nvrtc_ms();
      return measure_fn(*kernel, measure);
    } catch (const std::exception& e) {
      return compile_error(e.what());
    }
  };
  result.trials_confirmed = confirm_front_runners(loop, db, default_json, measure_trace, result);
  loop.finish();
  return result;
}

}  // namespace kiln
