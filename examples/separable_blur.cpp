// Halide's classic two-stage separable blur: blur_x averages three columns,
// blur_y averages three rows of blur_x. Scheduled so each strip of 32 output
// rows computes the 34 rows of blur_x it needs right before using them
// (compute_at): blur_x never goes to memory in full, yet is computed only
// about 6% more often than once. Compiled with symbolic sizes, run on a
// small image checked in full against the interpreter and a large one that
// is timed (GB/s) and spot-checked. Exits 1 when a result is wrong.
//
//   build/example_separable_blur [height width]     (default 2048 2048)
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

double max_error(const ComputeDef& def, const std::vector<Buffer>& inputs, const Buffer& out,
                 int points) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> pick(0, out.numel() - 1);
  const int64_t n = points > 0 ? points : out.numel();
  double worst = 0;
  for (int64_t s = 0; s < n; ++s) {
    const int64_t pos = points > 0 ? pick(rng) : s;
    const double want = interpret_point(def, inputs, 0, {pos / out.dim(1), pos % out.dim(1)});
    worst = std::max(worst, std::abs(out.get_f64(pos) - want));
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t height = argc > 2 ? std::atoll(argv[1]) : 2048;
  const int64_t width = argc > 2 ? std::atoll(argv[2]) : 2048;

  // The input carries a one-pixel border on each side, so every read is in
  // bounds: output (y, x) reads input rows y..y+2 and columns x..x+2.
  Expr H = size_var("H"), W = size_var("W");
  Tensor in = placeholder({H + 2, W + 2}, f32(), "input");
  Tensor bx = compute(
      {H + 2, W}, [&](Expr y, Expr x) { return (in(y, x) + in(y, x + 1) + in(y, x + 2)) / 3.0f; },
      "blur_x", {"y", "x"});
  Tensor by = compute(
      {H, W}, [&](Expr y, Expr x) { return (bx(y, x) + bx(y + 1, x) + bx(y + 2, x)) / 3.0f; },
      "blur_y", {"y", "x"});
  ComputeDef def("blur", {in}, {by});

  Schedule s(def);
  auto [yo, yi] = s.split("blur_y.y", 32);
  auto [xo, xi] = s.split("blur_y.x", 16);
  s.reorder({yo, yi, xo, xi});
  s.vectorize(xi);
  s.parallel(yo);
  // blur_x for one strip of blur_y, vectorized the same way.
  s.compute_at("blur_x", yo);
  auto [bxo, bxi] = s.split("blur_x.x", 16);
  s.vectorize(bxi);

  double t0 = now_ms();
  std::shared_ptr<const CompiledKernel> kernel = compile_jit(lower(s));
  std::printf("compiled in %.1f ms (threads: %d)\n", now_ms() - t0, num_threads());

  bool ok = true;
  for (const std::vector<int64_t>& hw : {std::vector<int64_t>{45, 67}, {height, width}}) {
    Buffer input(f32(), {hw[0] + 2, hw[1] + 2}), out(f32(), {hw[0], hw[1]});
    input.fill_random(3);
    kernel->run({input, out});
    const bool small = hw[0] * hw[1] < 100000;
    const double err = max_error(def, {input}, out, small ? 0 : 2000);
    std::printf("%lld x %lld: max error %.2g", static_cast<long long>(hw[0]),
                static_cast<long long>(hw[1]), err);
    if (err > 1e-5) {
      std::printf("  WRONG\n");
      ok = false;
      continue;
    }
    if (small) {
      std::printf("\n");
      continue;
    }
    std::vector<double> times;
    kernel->run({input, out});  // warm-up
    for (int r = 0; r < 10; ++r) {
      t0 = now_ms();
      kernel->run({input, out});
      times.push_back(now_ms() - t0);
    }
    std::sort(times.begin(), times.end());
    const double median = 0.5 * (times[4] + times[5]);
    const double bytes = static_cast<double>(input.size_bytes() + out.size_bytes());
    std::printf(", median %.3f ms, %.1f GB/s (input read once, output written once)\n", median,
                bytes / (median * 1e6));
  }
  return ok ? 0 : 1;
}
