// Compiling a schedule for CUDA and running it through the driver API.
#include "codegen/cuda/cuda_kernel.h"

#include <algorithm>
#include <map>

#include "codegen/cuda/codegen_cuda.h"
#include "codegen/cuda/nvrtc.h"
#include "codegen/llvm/kernel_args.h"
#include "base/error.h"
#include "dsl/simplify.h"
#include "dsl/substitute.h"
#include "runtime/cuda_driver.h"

namespace kiln {
namespace {

/// The value of a size expression (a grid size, a temporary's length).
int64_t evaluate(const Expr& e, const std::map<std::string, Expr>& sizes) {
  int64_t v = 0;
  Expr s = simplify(substitute(e, sizes));
  internal_assert(as_const_int(s, &v)) << "size expression does not fold to a constant";
  return v;
}

/// Device copies of the arguments and temporaries, in the plan's order.
struct DeviceState {
  std::vector<cuda::DeviceMemory> memory;
  std::vector<uint64_t> ptrs;
};

DeviceState upload(const GpuLaunchPlan& plan, const std::vector<Buffer>& args) {
  DeviceState st;
  for (const Buffer& a : args) {
    st.memory.emplace_back(a.size_bytes());
    st.memory.back().upload(a.data(), a.size_bytes());
  }
  for (int64_t bytes : plan.temp_bytes) st.memory.emplace_back(static_cast<size_t>(bytes));
  for (const cuda::DeviceMemory& m : st.memory) st.ptrs.push_back(m.ptr());
  return st;
}

}  // namespace

std::shared_ptr<const CudaKernel> CudaKernel::compile(const Schedule& sch, const Target& target,
                                                      const std::string& name, CudaImage image) {
  std::shared_ptr<CudaKernel> k(new CudaKernel());
  k->target_ = target;
  k->program_ = lower_gpu(sch, target, name);
  k->source_ = codegen_cuda(k->program_, target);
  k->image_kind_ = image;
  k->image_ = image == CudaImage::Ptx
                  ? compile_cuda_to_ptx(k->source_, target.cuda_arch(), &k->nvrtc_ms_)
                  : compile_cuda_to_cubin(k->source_, target.cuda_arch(), &k->nvrtc_ms_);
  return k;
}

GpuLaunchPlan CudaKernel::plan(const std::vector<Buffer>& args) const {
  const std::vector<int64_t> sizes = check_kernel_args(program_.func, args);
  // Generated kernels index with 32-bit loop variables.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].numel() >= (int64_t(1) << 31)) {
      user_error << "argument '" << program_.func.args[i].name << "' of " << program_.func.name
                 << " has " << args[i].numel() << " elements; CUDA kernels from kiln index "
                 << "with 32-bit loop variables and take fewer than 2^31 elements per buffer";
    }
  }
  return plan_for_sizes(sizes);
}

GpuLaunchPlan CudaKernel::plan_for_sizes(const std::vector<int64_t>& sizes) const {
  const GpuProgram& p = program_;
  GpuLaunchPlan plan;
  plan.image = image_;
  plan.num_args = static_cast<int>(p.func.args.size());
  std::map<std::string, int> buffer_index;
  for (const BufferArg& a : p.func.args) buffer_index.emplace(a.name, buffer_index.size());
  for (const GpuTemp& t : p.temps) buffer_index.emplace(t.name, buffer_index.size());
  std::map<std::string, Expr> bindings;
  std::map<std::string, int64_t> size_of;
  for (size_t i = 0; i < p.func.size_vars.size(); ++i) {
    bindings[p.func.size_vars[i]] = make_index(sizes[i]);
    size_of[p.func.size_vars[i]] = sizes[i];
  }
  for (const GpuTemp& t : p.temps) {
    const int64_t n = std::max<int64_t>(evaluate(t.elements, bindings), 0);
    int64_t bytes = 0;
    if (__builtin_mul_overflow(n, static_cast<int64_t>(t.type.bytes()), &bytes) ||
        bytes > (int64_t(1) << 48)) {
      user_error << "intermediate buffer '" << t.name << "' of " << p.func.name << " would need "
                 << n << " elements of " << t.type.str() << " at these sizes, more than 2^48 "
                 << "bytes; use smaller sizes or a schedule that computes it in smaller pieces";
    }
    plan.temp_bytes.push_back(bytes);
  }
  for (const GpuKernel& kernel : p.kernels) {
    GpuLaunch l;
    l.kernel = kernel.name;
    for (const std::string& b : kernel.buffers) l.buffers.push_back(buffer_index.at(b));
    for (const std::string& v : kernel.size_vars) l.sizes.push_back(size_of.at(v));
    for (int d = 0; d < 3; ++d) {
      l.grid[d] = evaluate(kernel.grid[d], bindings);
      l.block[d] = kernel.block[d];
    }
    plan.launches.push_back(std::move(l));
  }
  return plan;
}

void CudaKernel::run(const std::vector<Buffer>& args) const {
  const GpuLaunchPlan p = plan(args);
  const LoadedPlan loaded(p);
  DeviceState st = upload(p, args);
  loaded.launch(st.ptrs);
  cuda::synchronize();
  for (size_t i = 0; i < args.size(); ++i) {
    if (program_.func.args[i].is_output) st.memory[i].download(args[i].data(), args[i].size_bytes());
  }
}

GpuTiming CudaKernel::time(const std::vector<Buffer>& args, int repeats, int warmup) const {
  const GpuLaunchPlan p = plan(args);
  const LoadedPlan loaded(p);
  DeviceState st = upload(p, args);
  for (int i = 0; i < warmup; ++i) loaded.launch(st.ptrs);
  cuda::synchronize();
  std::vector<double> ms;
  cuda::EventTimer timer;
  for (int i = 0; i < std::max(repeats, 1); ++i) {
    timer.start();
    loaded.launch(st.ptrs);
    ms.push_back(timer.stop());
  }
  std::sort(ms.begin(), ms.end());
  GpuTiming t;
  t.repeats = static_cast<int>(ms.size());
  t.median_ms = ms[ms.size() / 2];
  t.min_ms = ms.front();
  return t;
}

}  // namespace kiln
