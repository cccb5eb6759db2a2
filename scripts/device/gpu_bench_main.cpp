// `kiln bench --target cuda` without the rest of the kiln command (for a GPU
// machine without LLVM): gpu_bench OP SHAPE [TARGET [SCHEDULE.json]].
#include <cstdio>

#include "cli/bench_gpu.h"
#include "cli/common.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gpu_bench OP SHAPE [TARGET [SCHEDULE.json]]\n");
    return 2;
  }
  kiln::cli::GpuBenchArgs a;
  a.op = argv[1];
  a.shape = argv[2];
  a.target = argc > 3 ? argv[3] : "cuda";
  if (argc > 4) a.schedule = argv[4];
  return kiln::cli::run_guarded([&] { return kiln::cli::run_gpu_bench(a); });
}
