// The random-schedule target: an input seeds a random sequence of schedule
// primitives on one of the fuzz definitions (refused steps are skipped, as
// the tuner would); the schedule is lowered, JIT-compiled and run on
// buffers with a guard page after their last byte, then again with one
// before their first, outputs pre-filled with NaN, and compared with the
// reference interpreter. Invariant 2 of DESIGN.md: any schedule the API
// accepts computes the right answer and touches nothing outside its
// tensors.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include "autotune/compile_budget.h"
#include "base/hash.h"
#include "codegen/llvm/host_target.h"
#include "codegen/llvm/jit.h"
#include "dsl/interpreter.h"
#include "fuzz/defs.h"
#include "fuzz/fuzz_target.h"
#include "fuzz/guarded_buffer.h"
#include "schedule/lower.h"
#include "schedule/passes/passes.h"
#include "schedule/schedule.h"

namespace kiln::fuzz {
namespace {

/// Below the driver's per-input time limit (20 s), so a slow compile is
/// counted, not reported as a hang.
constexpr double kScheduleCompileBudgetSeconds = 10.0;

/// Proposes random primitives from a seeded generator.
class PrimitiveFuzzer {
 public:
  explicit PrimitiveFuzzer(uint64_t seed) : rng_(seed) {}

  void random_steps(Schedule& sch, int steps, int64_t* refused) {
    for (int s = 0; s < steps; ++s) {
      try {
        random_step(sch);
      } catch (const ScheduleError&) {
        ++*refused;
      }
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  template <typename T>
  const T& pick_of(const std::vector<T>& v) { return v[pick(static_cast<int>(v.size()))]; }

  void random_step(Schedule& sch) {
    const StageSchedule& st = pick_of(sch.stages());
    const std::vector<std::string>& leaves = st.leaf_loops;
    if (leaves.empty()) return;
    const std::string loop = pick_of(leaves);
    switch (pick(14)) {
      case 0:
      case 1: sch.split(loop, 1 + pick(8)); break;
      case 2: sch.split_nparts(loop, 1 + pick(5)); break;
      case 3: {
        const int p = pick(static_cast<int>(leaves.size()));
        if (p + 1 < static_cast<int>(leaves.size())) sch.fuse(leaves[p], leaves[p + 1]);
        break;
      }
      case 4: {
        std::vector<std::string> order = leaves;
        std::shuffle(order.begin(), order.end(), rng_);
        order.resize(1 + pick(static_cast<int>(order.size())));
        sch.reorder(order);
        break;
      }
      case 5: sch.vectorize(loop); break;
      case 6: sch.unroll(loop); break;
      case 7: sch.parallel(loop); break;
      case 8: {
        const StageSchedule& target = pick_of(sch.stages());
        if (!target.leaf_loops.empty()) sch.compute_at(st.name, pick_of(target.leaf_loops));
        break;
      }
      case 9:
        if (pick(2)) sch.compute_inline(st.name); else sch.compute_root(st.name);
        break;
      case 10: sch.rfactor(loop); break;
      case 11: sch.cache_write(st.name); break;
      case 12: {
        const std::vector<Tensor>& inputs = sch.def().inputs();
        sch.prefetch(pick_of(inputs).name(), loop, pick_of(leaves), 1 + pick(3));
        break;
      }
      case 13: sch.store_nontemporal(st.name); break;
    }
  }

  std::mt19937_64 rng_;
};

uint64_t fnv1a(const uint8_t* data, size_t size) {
  Fnv1a h;
  h.bytes(data, size);
  return h.value();
}

struct Reference {
  std::vector<Buffer> inputs, outputs;
};

const Reference& reference_for(size_t def_index) {
  static std::map<size_t, Reference> cache;
  auto it = cache.find(def_index);
  if (it != cache.end()) return it->second;
  const ComputeDef& def = fuzz_defs()[def_index];
  Reference r;
  for (size_t a = 0; a < def.inputs().size(); ++a) {
    const Tensor& t = def.inputs()[a];
    Buffer b(t.dtype(), concrete_shape(t.shape(), {}));
    b.fill_random(100 + a);
    r.inputs.push_back(b);
  }
  r.outputs = interpret(def, r.inputs);
  return cache.emplace(def_index, std::move(r)).first->second;
}

void run_guarded(const CompiledKernel& kernel, const Reference& ref, GuardSide side,
                 const std::string& what) {
  std::vector<std::unique_ptr<GuardedBuffer>> keep;
  std::vector<Buffer> args;
  for (const Buffer& in : ref.inputs) {
    keep.push_back(std::make_unique<GuardedBuffer>(in.dtype(), in.shape(), side));
    std::copy_n(static_cast<const char*>(in.data()), in.size_bytes(),
                static_cast<char*>(keep.back()->buffer().data()));
    args.push_back(keep.back()->buffer());
  }
  std::vector<Buffer> outputs;
  for (const Buffer& want : ref.outputs) {
    keep.push_back(std::make_unique<GuardedBuffer>(want.dtype(), want.shape(), side));
    Buffer out = keep.back()->buffer();
    for (int64_t i = 0; i < out.numel(); ++i) out.set_f64(i, std::nan(""));
    outputs.push_back(out);
    args.push_back(out);
  }
  kernel.run(args);
  for (size_t o = 0; o < outputs.size(); ++o) {
    const double tolerance = ref.outputs[o].dtype().is_half_storage() ? 1e-2 : 1e-4;
    const double err = max_relative_error(outputs[o], ref.outputs[o], 1e-3);
    if (!(err <= tolerance)) {
      std::ostringstream msg;
      msg << "a wrong answer (max relative error " << err << ") " << what;
      report_bug("schedules", msg.str());
    }
  }
}

}  // namespace

ScheduleStats& schedule_stats() {
  static ScheduleStats stats;
  return stats;
}

void schedules(const uint8_t* data, size_t size) {
  if (size < 2) return;
  ScheduleStats& stats = schedule_stats();
  const size_t def_index = data[0] % fuzz_defs().size();
  const ComputeDef& def = fuzz_defs()[def_index];
  Schedule sch(def);
  PrimitiveFuzzer(fnv1a(data + 1, size - 1)).random_steps(sch, 1 + data[1] % 12, &stats.refused_steps);
  const std::string what = "for " + def.name() + " with trace " + sch.trace().to_json(def.name());
  expect_only_kiln_errors("schedules", [&] {
    const auto start = std::chrono::steady_clock::now();
    std::shared_ptr<const CompiledKernel> kernel;
    try {
      // As the tuner compiles: in a child with a time budget (LLVM's O3
      // can take seconds on a small kernel that unrolls around loops).
      const std::vector<BudgetedCompile> built =
          compile_with_budget({lower(sch)}, host_target(), kScheduleCompileBudgetSeconds, 1);
      if (!built[0].error.empty()) {
        if (built[0].error.find("compiling took longer") == std::string::npos) {
          report_bug("schedules", "accepted, then the compile failed: " + built[0].error + "\n" + what);
        }
        ++stats.over_budget;
        return;
      }
      kernel = built[0].kernel;
    } catch (const UserError& e) {
      // Lowering may refuse what no single primitive could judge (a kernel
      // too large to compile); anything else it refuses is a bug.
      if (std::string(e.what()).find("IR nodes after unrolling") == std::string::npos) {
        report_bug("schedules", std::string("accepted, then lowering refused it: ") + e.what() +
                                    "\n" + what);
      }
      ++stats.refused_lowering;
      return;
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (ms > stats.max_compile_ms) {
      stats.max_compile_ms = ms;
      stats.slowest = what;
      stats.slowest_nodes = kernel_code_size(kernel->func().body);
    }
    const Reference& ref = reference_for(def_index);
    run_guarded(*kernel, ref, GuardSide::After, what);
    run_guarded(*kernel, ref, GuardSide::Before, what);
    ++stats.compiled;
  });
}

}  // namespace kiln::fuzz
