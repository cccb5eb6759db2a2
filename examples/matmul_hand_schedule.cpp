// A matrix multiply written in kiln's DSL and scheduled by hand, compiled
// once with symbolic sizes and run on two shapes: an awkward small one,
// checked in full against the reference interpreter, and a large one, timed
// and spot-checked. Exits 1 when a result is wrong.
//
//   build/example_matmul_hand_schedule [size]     (default 1024)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "kiln.h"

using namespace kiln;

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// The largest |got - want| / max(|want|, 1) over `points` random elements
// of C (every element when points <= 0).
double spot_check(const ComputeDef& def, const std::vector<Buffer>& inputs, const Buffer& c,
                  int points) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> pick(0, c.numel() - 1);
  const int64_t n = points > 0 ? points : c.numel();
  double worst = 0;
  for (int64_t s = 0; s < n; ++s) {
    const int64_t pos = points > 0 ? pick(rng) : s;
    const std::vector<int64_t> point = {pos / c.dim(1), pos % c.dim(1)};
    const double want = interpret_point(def, inputs, 0, point);
    worst = std::max(worst, std::abs(c.get_f64(pos) - want) / std::max(std::abs(want), 1.0));
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t size = argc > 1 ? std::atoll(argv[1]) : 1024;

  // What to compute: C = A * B, sizes unknown until the kernel runs.
  Expr M = size_var("M"), N = size_var("N"), K = size_var("K");
  Tensor A = placeholder({M, K}, f32(), "A");
  Tensor B = placeholder({K, N}, f32(), "B");
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute(
      {M, N}, [&](Expr i, Expr j) { return sum(A(i, k.var) * B(k.var, j), k); }, "C",
      {"i", "j"});
  ComputeDef def("matmul", {A, B}, {C});

  // How to compute it. The sizes are symbolic, so LLVM cannot tell that
  // two rows of C never overlap and would keep the accumulators in memory;
  // a local 6 x 64 tile (cache_write) is a stack array it turns into 24
  // AVX-512 registers. C's column panels run in parallel; each 6 x 64 tile
  // of C computes its local tile over all of K, then copies it out.
  Schedule s(def);
  const std::string local = s.cache_write("C");
  std::vector<std::string> tile = s.tile("C.i", "C.j", 6, 64);  // io, jo, ii, ji
  s.reorder({tile[1], tile[0], tile[2], tile[3]});                 // jo, io, ii, ji
  s.parallel(tile[1]);
  s.vectorize(s.split(tile[3], 16).second);
  s.compute_at(local, tile[0]);
  const std::vector<std::string> l = s.stage(local).leaf_loops;   // i, j, k
  auto [ljo, lji] = s.split(l[1], 16);
  s.reorder({l[2], l[0], ljo, lji});                              // k, i, j.o, j.i
  s.unroll(l[0]);
  s.unroll(ljo);
  s.vectorize(lji);

  double t0 = now_ms();
  std::shared_ptr<const CompiledKernel> kernel = compile_jit(lower(s));
  std::printf("compiled in %.1f ms (threads: %d)\n", now_ms() - t0, num_threads());

  bool ok = true;
  for (const std::vector<int64_t>& mnk : {std::vector<int64_t>{37, 101, 29}, {size, size, size}}) {
    Buffer a(f32(), {mnk[0], mnk[2]}), b(f32(), {mnk[2], mnk[1]}), c(f32(), {mnk[0], mnk[1]});
    a.fill_random(1);
    b.fill_random(2);
    kernel->run({a, b, c});
    const bool small = mnk[0] * mnk[1] * mnk[2] < 1000000;
    // Small: every element. Large: 500 random ones (the interpreter is slow).
    const double err = spot_check(def, {a, b}, c, small ? 0 : 500);
    std::printf("M=%lld N=%lld K=%lld: max error %.2g", static_cast<long long>(mnk[0]),
                static_cast<long long>(mnk[1]), static_cast<long long>(mnk[2]), err);
    if (err > 1e-4) {
      std::printf("  WRONG\n");
      ok = false;
      continue;
    }
    if (small) {
      std::printf("\n");
      continue;
    }
    std::vector<double> times;
    kernel->run({a, b, c});  // warm-up
    for (int r = 0; r < 10; ++r) {
      t0 = now_ms();
      kernel->run({a, b, c});
      times.push_back(now_ms() - t0);
    }
    std::sort(times.begin(), times.end());
    const double median = 0.5 * (times[4] + times[5]);
    std::printf(", median %.3f ms, %.1f GFLOP/s\n", median,
                2.0 * mnk[0] * mnk[1] * mnk[2] / (median * 1e6));
  }
  return ok ? 0 : 1;
}
