// A random search over the GPU search space on a GPU machine (the tuner's
// GPU rules measured with CUDA events; no cost model):
//   gpu_tune OP SHAPE TRIALS [SEED]
// Prints every candidate's time and the best one's trace, verified against
// the reference interpreter.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "autotune/gpu_space.h"
#include "cli/common.h"
#include "codegen/cuda/cuda_kernel.h"
#include "runtime/cuda_driver.h"

using namespace kiln;

namespace {
std::string describe(const KnobValues& v) {
  std::string s;
  for (const auto& [k, x] : v) s += (s.empty() ? "" : " ") + k + "=" + std::to_string(x);
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: gpu_tune OP SHAPE TRIALS [SEED]\n");
    return 2;
  }
  return cli::run_guarded([&] {
    const cli::Workload w = cli::make_workload(argv[1], argv[2]);
    const Target target = Target::parse("cuda -arch=sm_" + std::to_string(cuda::device_info().sm));
    const GpuSearchSpace space = GpuSearchSpace::generate(w.def, target);
    std::mt19937_64 rng(argc > 4 ? std::atoi(argv[4]) : 1);
    std::vector<KnobValues> candidates = {space.default_values()};
    for (int i = 0; i < std::atoi(argv[3]); ++i) candidates.push_back(space.sample(rng));
    std::vector<Buffer> inputs = random_inputs(w.def, w.sizes);
    std::vector<Buffer> args = inputs;
    for (const Buffer& b : zero_outputs(w.def, w.sizes)) args.push_back(b);
    const double flops = w.op->flops(w.sizes, w.options);
    double best_ms = 1e30;
    KnobValues best;
    std::shared_ptr<const CudaKernel> best_kernel;
    for (size_t i = 0; i < candidates.size(); ++i) {
      const std::string what = describe(candidates[i]);
      try {
        auto k = CudaKernel::compile(space.build(candidates[i]), target);
        const GpuTiming t = k->time(args, 10);
        std::printf("%2zu %s: %.3f ms, %.0f GFLOP/s (nvrtc %.0f ms)\n", i, what.c_str(), t.median_ms,
                    flops / (t.median_ms * 1e6), k->nvrtc_ms());
        if (t.median_ms < best_ms) {
          best_ms = t.median_ms;
          best = candidates[i];
          best_kernel = k;
        }
      } catch (const Error& e) {
        std::printf("%2zu %s: refused: %s\n", i, what.c_str(), e.what());
      }
      std::fflush(stdout);
    }
    if (!best_kernel) return 1;
    std::vector<Buffer> outputs = zero_outputs(w.def, w.sizes);
    std::vector<Buffer> run_args = inputs;
    run_args.insert(run_args.end(), outputs.begin(), outputs.end());
    best_kernel->run(run_args);
    const double err = w.op->check(w.def, inputs, outputs);
    std::printf("best %s: %.3f ms, %.0f GFLOP/s, max relative error %.2g (%s)\n",
                describe(best).c_str(), best_ms, flops / (best_ms * 1e6), err,
                err <= w.op->tolerance(w.def) ? "verified" : "WRONG");
    return err <= w.op->tolerance(w.def) ? 0 : 1;
  });
}
