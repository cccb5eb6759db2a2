// Kernel selection. A stored trace is replayed on the kernel's definition
// before it is trusted: a database written by another kiln version may hold
// a trace this one refuses, and then the default schedule is used and the
// reason reported, rather than failing the package.
#include "package/select_schedules.h"

#include <filesystem>
#include <memory>

#include "autotune/database.h"
#include "autotune/gpu_measure.h"
#include "autotune/gpu_measure.h"
#include "autotune/tuner.h"
#include "autotune/workload.h"
#include "base/error.h"
#include "package/c_api.h"
#include "package/tune_missing.h"
#include "runtime/thread_pool.h"
#include "schedule/schedule.h"

namespace kiln {

namespace {

/// The database to read, or null: an explicit path is opened (created when
/// missing), the default one only when it already exists.
std::unique_ptr<TuningDatabase> open_database(const ScheduleSelection& sel) {
  if (!sel.db_path.empty()) return std::make_unique<TuningDatabase>(TuningDatabase::open(sel.db_path));
  const std::string path = default_database_path();
  if (!sel.tune_missing && !std::filesystem::exists(path)) return nullptr;
  return std::make_unique<TuningDatabase>(TuningDatabase::open(path));
}

/// The stored schedule of k, if the database has one that still replays.
bool use_stored(PackageKernel& k, const TuningDatabase& db, ScheduleSource source,
                std::string* why_not) {
  std::optional<TuningRecord> best = db.best(k.workload_key);
  if (!best) {
    *why_not = "not in the tuning database";
    return false;
  }
  try {
    Trace trace = Trace::from_json(best->trace_json);
    Schedule::replay(k.def, trace);  // throws when this kiln refuses a step
    k.trace = trace;
    k.source = source;
    k.record = best;
    k.source_note.clear();
    return true;
  } catch (const Error& e) {
    *why_not = std::string("the stored schedule does not replay: ") + e.what();
    return false;
  }
}

/// How a plan's kernels are keyed in the tuning database: by the host's
/// CPU fingerprint and thread count, or, for a CUDA target, by the GPU's.
struct Keying {
  bool gpu = false;
  std::optional<GpuFingerprint> device;  ///< the GPU, when one answered
  Target target;                         ///< a CUDA target resolved on it
  std::string no_key;                    ///< why GPU kernels have no key
};

/// `probe`: ask for the device (false: a CUDA plan has no GPU keys).
Keying keying_for(const Target& target, const ScheduleSelection& sel, bool probe) {
  Keying k;
  k.target = target;
  if (target.kind != Target::Kind::CUDA) return k;
  k.gpu = true;
  if (!probe) return k;
  try {
    k.device = sel.gpu_probe ? sel.gpu_probe() : probe_gpu();
  } catch (const UserError& e) {
    k.no_key = std::string("no CUDA device to key GPU tuning records by: ") + e.what();
    return k;
  }
  try {
    k.target = resolve_gpu_target(target, *k.device);
  } catch (const UserError& e) {
    // Records are measured on this device; none can be for a newer arch.
    k.no_key = std::string("no GPU tuning records can match: ") + e.what();
    k.device.reset();
  }
  return k;
}

/// Whether a plan has a kernel that can be looked up (all sizes fixed).
bool has_concrete_kernel(const PackagePlan& plan) {
  for (const PackageFunction& fn : plan.functions) {
    for (const PackageKernel& k : fn.kernels) {
      if (k.free.empty()) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> select_schedules(PackagePlan& plan, const ScheduleSelection& sel) {
  std::unique_ptr<TuningDatabase> db = open_database(sel);
  const int threads = sel.threads > 0 ? sel.threads : num_threads();
  // The device is asked for only when a kernel may be looked up or tuned.
  const Keying keying = keying_for(plan.target, sel, db && has_concrete_kernel(plan));

  // Concrete kernels the database cannot serve, for tuning.
  std::vector<PackageKernel*> missing;
  std::vector<const PackageFunction*> missing_fn;
  for (PackageFunction& fn : plan.functions) {
    for (PackageKernel& k : fn.kernels) {
      if (!k.free.empty()) continue;
      if (!keying.gpu) {
        k.workload_key = make_workload_key(*fn.op, k.def, k.fixed, fn.options, plan.target, threads).key;
      } else if (keying.device) {
        k.workload_key =
            make_gpu_workload_key(*fn.op, k.def, k.fixed, fn.options, keying.target, *keying.device)
                .key;
      }
      if (!db) {
        k.source_note = "no tuning database (give --db, or tune with --tune-missing)";
        continue;
      }
      if (keying.gpu && !keying.device) {
        k.source_note = keying.no_key;
        // --tune-missing still tries: tune() says clearly what is missing.
        if (sel.tune_missing) {
          missing.push_back(&k);
          missing_fn.push_back(&fn);
        }
        continue;
      }
      std::string why;
      if (use_stored(k, *db, ScheduleSource::Database, &why)) continue;
      k.source_note = why;
      missing.push_back(&k);
      missing_fn.push_back(&fn);
    }
  }

  if (sel.tune_missing && !missing.empty()) {
    const double budget = sel.time_budget_s / static_cast<double>(missing.size());
    for (size_t i = 0; i < missing.size(); i++) {
      PackageKernel& k = *missing[i];
      const PackageFunction& fn = *missing_fn[i];
      if (sel.progress) {
        sel.progress("tuning " + fn.name + " [" + kernel_sizes_text(fn, k) + "] for " +
                     std::to_string(static_cast<int>(budget)) + " s");
      }
      tune_workload(*fn.op, k.fixed, fn.options, plan.target, threads, budget, db->path(),
                    keying.device);
      std::string why;
      if (!use_stored(k, *db, ScheduleSource::Tuned, &why)) {
        k.source_note = "tuning found no valid schedule (" + why + ")";
      }
    }
  }

  std::vector<std::string> notes;
  for (const PackageFunction& fn : plan.functions) {
    for (const PackageKernel& k : fn.kernels) {
      if (k.source != ScheduleSource::Default) continue;
      notes.push_back(fn.name + " [" + kernel_sizes_text(fn, k) + "]: default schedule (" +
                      k.source_note + ")");
    }
  }
  return notes;
}

}  // namespace kiln
