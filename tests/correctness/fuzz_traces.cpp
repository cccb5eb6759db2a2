// Differential fuzzing of schedules: random traces over three definitions
// are applied (refused steps are skipped, as the tuner would), lowered,
// JIT-compiled and compared with the reference interpreter on random inputs.
// Invariant 2 of DESIGN.md: any schedule the API accepts computes the right
// answer. KILN_FUZZ_COUNT raises the count for long runs (default 500 traces
// in total); KILN_FUZZ_SEED changes the seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>

#include "kiln.h"

namespace kiln {
namespace {

struct Workload {
  std::string name;
  std::function<ComputeDef()> make;
};

ComputeDef matmul_def() {
  Tensor A = placeholder({13, 11}, f32(), "A");
  Tensor B = placeholder({11, 17}, f32(), "B");
  IterVar k = reduce_axis(11, "k");
  Tensor C = compute({13, 17}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

// Halide's two-stage blur over a valid region: no padding, so every read is
// in bounds and only the schedule decides where blur_x is computed.
ComputeDef blur_def() {
  const int H = 19, W = 23;
  Tensor in = placeholder({H + 2, W + 2}, f32(), "input");
  Tensor bx = compute({H + 2, W},
                      [&](Expr y, Expr x) { return (in(y, x) + in(y, x + 1) + in(y, x + 2)) / 3.0f; },
                      "blur_x", {"y", "x"});
  Tensor by = compute({H, W},
                      [&](Expr y, Expr x) { return (bx(y, x) + bx(y + 1, x) + bx(y + 2, x)) / 3.0f; },
                      "blur_y", {"y", "x"});
  return ComputeDef("blur", {in}, {by});
}

// A row reduction feeding an elementwise epilogue (the core of softmax).
ComputeDef reduce_epilogue_def() {
  const int M = 9, N = 29;
  Tensor X = placeholder({M, N}, f32(), "X");
  IterVar k = reduce_axis(N, "k");
  Tensor mx = compute({M}, [&](Expr i) { return max(X(i, k), k); }, "row_max", {"i"});
  Tensor out = compute({M, N}, [&](Expr i, Expr j) { return exp(X(i, j) - mx(i)); }, "out",
                       {"i", "j"});
  return ComputeDef("reduce_epilogue", {X}, {out});
}

/// Proposes random primitives; a refused one is skipped (and counted).
class TraceFuzzer {
 public:
  explicit TraceFuzzer(uint64_t seed) : rng_(seed) {}

  int refused = 0;

  void random_steps(Schedule& sch, int steps) {
    for (int s = 0; s < steps; ++s) {
      try {
        random_step(sch);
      } catch (const ScheduleError&) {
        ++refused;
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
    const std::string& loop = pick_of(leaves);
    switch (pick(12)) {
      case 0:
      case 1: sch.split(loop, 1 + pick(8)); break;
      case 2: sch.split_nparts(loop, 1 + pick(5)); break;
      case 3: {
        int p = pick(static_cast<int>(leaves.size()));
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
        // Attach a producer somewhere in the loops of some other stage.
        const StageSchedule& target = pick_of(sch.stages());
        sch.compute_at(st.name, pick_of(target.leaf_loops));
        break;
      }
      case 9:
        if (pick(2)) sch.compute_inline(st.name); else sch.compute_root(st.name);
        break;
      case 10: sch.rfactor(loop); break;
      case 11: sch.cache_write(st.name); break;
    }
  }

  std::mt19937_64 rng_;
};

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

void fuzz(const Workload& w, int count, uint64_t seed) {
  ComputeDef def = w.make();
  std::vector<Buffer> inputs;
  for (size_t a = 0; a < def.inputs().size(); ++a) {
    const Tensor& t = def.inputs()[a];
    Buffer b(t.dtype(), concrete_shape(t.shape(), {}));
    b.fill_random(seed + a);
    inputs.push_back(b);
  }
  std::vector<Buffer> expected = interpret(def, inputs);

  TraceFuzzer fuzzer(seed);
  int failures = 0;
  for (int n = 0; n < count && failures < 3; ++n) {
    Schedule sch(def);
    fuzzer.random_steps(sch, 1 + n % 10);
    std::string trace = sch.trace().to_json(def.name());
    try {
      LoweredFunc f = lower(sch);
      auto kernel = compile_jit(f);
      std::vector<Buffer> args = inputs;
      std::vector<Buffer> outputs;
      for (const Buffer& e : expected) outputs.emplace_back(e.dtype(), e.shape());
      args.insert(args.end(), outputs.begin(), outputs.end());
      kernel->run(args);
      for (size_t o = 0; o < outputs.size(); ++o) {
        double err = max_relative_error(outputs[o], expected[o], 1e-3);
        if (err > 1e-4) {
          ADD_FAILURE() << w.name << ": trace " << n << " computes a wrong answer (max relative "
                        << "error " << err << ")\n" << trace;
          ++failures;
        }
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << w.name << ": trace " << n << " was accepted but failed to lower, compile or "
                    << "run: " << e.what() << "\n" << trace;
      ++failures;
    }
  }
  std::cout << "[fuzz] " << w.name << ": " << count << " traces, " << fuzzer.refused
            << " refused steps\n";
}

int total_count() { return env_int("KILN_FUZZ_COUNT", 500); }
uint64_t seed() { return static_cast<uint64_t>(env_int("KILN_FUZZ_SEED", 2026)); }

TEST(FuzzTraces, Matmul) { fuzz({"matmul", matmul_def}, total_count() * 2 / 5, seed()); }
TEST(FuzzTraces, TwoStageBlur) { fuzz({"blur", blur_def}, total_count() * 3 / 10, seed() + 1); }
TEST(FuzzTraces, ReductionWithEpilogue) {
  fuzz({"reduce_epilogue", reduce_epilogue_def}, total_count() * 3 / 10, seed() + 2);
}

}  // namespace
}  // namespace kiln
