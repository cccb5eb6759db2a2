// Launching a GpuLaunchPlan's kernels in order through the driver API.
#include "codegen/cuda/launch_plan.h"

namespace kiln {

LoadedPlan::LoadedPlan(const GpuLaunchPlan& plan) : plan_(plan), module_(plan.image) {
  for (const GpuLaunch& l : plan.launches) functions_.push_back(module_.function(l.kernel));
}

void LoadedPlan::launch(const std::vector<uint64_t>& buffers) const {
  for (size_t k = 0; k < plan_.launches.size(); ++k) {
    const GpuLaunch& l = plan_.launches[k];
    std::vector<uint64_t> ptrs;
    std::vector<long long> sizes(l.sizes.begin(), l.sizes.end());
    for (int b : l.buffers) ptrs.push_back(buffers.at(static_cast<size_t>(b)));
    std::vector<void*> params;
    for (uint64_t& p : ptrs) params.push_back(&p);
    for (long long& v : sizes) params.push_back(&v);
    cuda::launch(functions_[k], l.grid.data(), l.block.data(), params.data());
  }
}

}  // namespace kiln
