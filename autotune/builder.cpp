// The CPU and GPU Builders and the CPU Runner. See builder.h; the GPU
// Runner is autotune/gpu_runner.cpp.
#include "autotune/builder.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "autotune/compile_budget.h"
#include "codegen/cuda/nvrtc.h"
#include "dsl/interpreter.h"
#include "schedule/lower.h"

namespace kiln {
namespace {

/// Calls work(i) for every i < n on up to max_threads threads (this one
/// included). Threads are joined before return, so a caller may fork after.
template <typename Work>
void parallel_for(size_t n, unsigned max_threads, Work work) {
  std::atomic<size_t> next{0};
  auto loop = [&] {
    for (size_t i = next++; i < n; i = next++) work(i);
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned count = std::min<unsigned>({hw, max_threads, static_cast<unsigned>(n)});
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < count; ++t) threads.emplace_back(loop);
  loop();
  for (std::thread& t : threads) t.join();
}

}  // namespace

BuildResult Builder::build(const Schedule& schedule) {
  Candidate c;
  c.schedule = std::make_shared<const Schedule>(schedule);
  return build(std::vector<Candidate>{c}).front();
}

std::vector<BuildResult> CpuBuilder::build(const std::vector<Candidate>& batch) {
  std::vector<BuildResult> out(batch.size());
  std::vector<LoweredFunc> funcs;
  std::vector<size_t> index;
  for (size_t i = 0; i < batch.size(); ++i) {
    try {
      const Candidate& c = batch[i];
      funcs.push_back(c.lowered.body.defined() ? c.lowered : lower(*c.schedule));
      index.push_back(i);
    } catch (const std::exception& e) {
      out[i].error = e.what();
    }
  }
  // Two compiles at a time, each in a child with a time budget.
  const std::vector<BudgetedCompile> compiled =
      compile_with_budget(funcs, target_, kCandidateCompileBudgetSeconds, 2);
  for (size_t n = 0; n < index.size(); ++n) {
    BuildResult& r = out[index[n]];
    r.compile_ms = compiled[n].compile_ms;
    if (!compiled[n].error.empty()) {
      r.error = compiled[n].error;
      continue;
    }
    auto a = std::make_shared<CpuArtifact>();
    a->kernel = compiled[n].kernel;
    r.artifact = std::move(a);
  }
  return out;
}

MeasureResult CpuRunner::run(const Artifact& artifact, const MeasureOptions& options) {
  const auto& a = dynamic_cast<const CpuArtifact&>(artifact);
  return measure_in_worker(*a.kernel, op_, def_, sizes_, options);
}

GpuBuilder::GpuBuilder(const Target& target, CudaImage image, const ComputeDef& def,
                       const OpSizes& sizes)
    : target_(target), image_(image) {
  for (const Tensor& t : def.inputs())
    shape_args_.emplace_back(t.dtype(), concrete_shape(t.shape(), sizes));
  for (const Tensor& t : def.outputs())
    shape_args_.emplace_back(t.dtype(), concrete_shape(t.shape(), sizes));
}

std::vector<BuildResult> GpuBuilder::build(const std::vector<Candidate>& batch) {
  std::vector<BuildResult> out(batch.size());
  // NVRTC (with ptxas, for a cubin) in parallel into the module cache; it
  // needs no GPU and the runner is another process, so threads are free.
  const int arch = target_.cuda_arch();
  parallel_for(batch.size(), 16, [&](size_t i) {
    if (batch[i].source.empty()) return;  // generated below, on this thread
    try {
      if (image_ == CudaImage::Cubin) {
        compile_cuda_to_cubin(batch[i].source, arch, &out[i].compile_ms);
      } else {
        compile_cuda_to_ptx(batch[i].source, arch, &out[i].compile_ms);
      }
    } catch (const std::exception& e) {
      out[i].error = e.what();
    }
  });
  // Lowering again finds the module in the cache.
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!out[i].error.empty()) continue;
    try {
      auto a = std::make_shared<GpuArtifact>();
      a->kernel = CudaKernel::compile(*batch[i].schedule, target_, "", image_);
      a->plan = a->kernel->plan(shape_args_);
      if (batch[i].source.empty()) out[i].compile_ms = a->kernel->nvrtc_ms();
      out[i].artifact = std::move(a);
    } catch (const std::exception& e) {
      out[i].error = e.what();
    }
  }
  return out;
}

}  // namespace kiln
