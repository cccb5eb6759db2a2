#pragma once
/// \file
/// `kiln bench --target cuda`: the GPU half of the bench command.

#include <string>

namespace kiln::cli {

/// What `kiln bench` passes on for a CUDA target.
struct GpuBenchArgs {
  std::string op, shape, schedule = "default", dtype, target;
  int repeat = 0;
  bool json = false;
  std::string db;  ///< the tuning database for schedule "tuned" ("" = the default)
};

/// Compiles the op's kernel (schedule "default", "tuned": the tuning
/// database's best for this workload on this GPU, or a trace file) for the
/// CUDA target (NVRTC, timed), checks it
/// against the reference interpreter on random inputs, then times it with
/// CUDA events (one warm-up, repeats, median). Throws UserError ("no CUDA
/// device/driver found") when there is no GPU.
int run_gpu_bench(const GpuBenchArgs& a);

}  // namespace kiln::cli
