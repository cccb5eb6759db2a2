// Compiling a schedule for CUDA and running it through the driver API.
#include "codegen/cuda/cuda_kernel.h"

#include <algorithm>
#include <map>

#include "codegen/cuda/codegen_cuda.h"
#include "codegen/cuda/nvrtc.h"
#include "codegen/llvm/kernel_args.h"
#include "dsl/error.h"
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

/// Device copies of the arguments and temporaries, in the order
/// buffer_index() numbers them.
struct DeviceState {
  std::vector<cuda::DeviceMemory> memory;
  std::vector<uint64_t> ptrs;
  std::vector<int64_t> sizes;
};

DeviceState upload(const GpuProgram& p, const std::vector<Buffer>& args) {
  DeviceState st;
  st.sizes = check_kernel_args(p.func, args);
  std::map<std::string, Expr> bindings;
  for (size_t i = 0; i < p.func.size_vars.size(); ++i)
    bindings[p.func.size_vars[i]] = make_index(st.sizes[i]);
  // Generated kernels index with 32-bit loop variables.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].numel() >= (int64_t(1) << 31)) {
      user_error << "argument '" << p.func.args[i].name << "' of " << p.func.name << " has "
                 << args[i].numel() << " elements; CUDA kernels from kiln index with 32-bit "
                 << "loop variables and take fewer than 2^31 elements per buffer";
    }
    st.memory.emplace_back(args[i].size_bytes());
    st.memory.back().upload(args[i].data(), args[i].size_bytes());
  }
  for (const GpuTemp& t : p.temps) {
    int64_t n = evaluate(t.elements, bindings);
    st.memory.emplace_back(static_cast<size_t>(std::max<int64_t>(n, 0)) * t.type.bytes());
  }
  for (const cuda::DeviceMemory& m : st.memory) st.ptrs.push_back(m.ptr());
  return st;
}

}  // namespace

std::shared_ptr<const CudaKernel> CudaKernel::compile(const Schedule& sch, const Target& target,
                                                      const std::string& name) {
  std::shared_ptr<CudaKernel> k(new CudaKernel());
  k->target_ = target;
  k->program_ = lower_gpu(sch, target, name);
  k->source_ = codegen_cuda(k->program_, target);
  k->ptx_ = compile_cuda_to_ptx(k->source_, target.cuda_arch(), &k->nvrtc_ms_);
  return k;
}

void CudaKernel::launch_all(const std::vector<uint64_t>& buffers, const std::vector<int64_t>& sizes,
                            const std::vector<void*>& functions) const {
  const GpuProgram& p = program_;
  std::map<std::string, size_t> buffer_index;
  for (const BufferArg& a : p.func.args) buffer_index.emplace(a.name, buffer_index.size());
  for (const GpuTemp& t : p.temps) buffer_index.emplace(t.name, buffer_index.size());
  std::map<std::string, Expr> bindings;
  std::map<std::string, int64_t> size_of;
  for (size_t i = 0; i < p.func.size_vars.size(); ++i) {
    bindings[p.func.size_vars[i]] = make_index(sizes[i]);
    size_of[p.func.size_vars[i]] = sizes[i];
  }
  for (size_t k = 0; k < p.kernels.size(); ++k) {
    const GpuKernel& kernel = p.kernels[k];
    std::vector<uint64_t> ptr_values;
    std::vector<long long> size_values;
    for (const std::string& b : kernel.buffers) ptr_values.push_back(buffers.at(buffer_index.at(b)));
    for (const std::string& v : kernel.size_vars) size_values.push_back(size_of.at(v));
    std::vector<void*> params;
    for (uint64_t& ptr : ptr_values) params.push_back(&ptr);
    for (long long& v : size_values) params.push_back(&v);
    int64_t grid[3], block[3];
    for (int d = 0; d < 3; ++d) {
      grid[d] = evaluate(kernel.grid[d], bindings);
      block[d] = kernel.block[d];
    }
    cuda::launch(functions[k], grid, block, params.data());
  }
}

void CudaKernel::run(const std::vector<Buffer>& args) const {
  cuda::Module module(ptx_);
  std::vector<void*> functions;
  for (const GpuKernel& k : program_.kernels) functions.push_back(module.function(k.name));
  DeviceState st = upload(program_, args);
  launch_all(st.ptrs, st.sizes, functions);
  cuda::synchronize();
  for (size_t i = 0; i < args.size(); ++i) {
    if (program_.func.args[i].is_output) st.memory[i].download(args[i].data(), args[i].size_bytes());
  }
}

GpuTiming CudaKernel::time(const std::vector<Buffer>& args, int repeats, int warmup) const {
  cuda::Module module(ptx_);
  std::vector<void*> functions;
  for (const GpuKernel& k : program_.kernels) functions.push_back(module.function(k.name));
  DeviceState st = upload(program_, args);
  for (int i = 0; i < warmup; ++i) launch_all(st.ptrs, st.sizes, functions);
  cuda::synchronize();
  std::vector<double> ms;
  cuda::EventTimer timer;
  for (int i = 0; i < std::max(repeats, 1); ++i) {
    timer.start();
    launch_all(st.ptrs, st.sizes, functions);
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
