// JIT compilation with ORC's LLJIT, one JIT instance per kernel (it owns
// the kernel's machine code and frees it with the kernel), and a
// process-wide cache so compiling the same lowered function twice is free.
#include "codegen/llvm/jit.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>

#include "codegen/llvm/codegen_llvm.h"
#include "codegen/llvm/kernel_args.h"
#include "base/error.h"
#include "dsl/ir_equal.h"
#include "runtime/thread_pool.h"

namespace kiln {

namespace {

template <typename T>
T unwrap(llvm::Expected<T> v, const char* what) {
  if (!v) internal_error << what << ": " << llvm::toString(v.takeError());
  return std::move(*v);
}

void check(llvm::Error err, const char* what) {
  if (err) internal_error << what << ": " << llvm::toString(std::move(err));
}

/// JIT code runs here, so the target must describe this machine.
void check_runs_on_host(const Target& target) {
  if (target.kind != Target::Kind::LLVM) {
    user_error << "compile_jit cannot run target '" << target.str()
               << "' on the CPU; use a CPU target ('host' or 'llvm ...') or the CUDA backend";
  }
  std::string host_triple = llvm::sys::getProcessTriple();
  if (target.triple != host_triple) {
    user_error << "compile_jit runs code on this machine (" << host_triple << "), but the target is "
               << target.triple << "; use compile_aot to build for another machine";
  }
  llvm::StringMap<bool> host;
  if (!llvm::sys::getHostCPUFeatures(host)) return;
  std::istringstream in(target.features);
  std::string f;
  while (std::getline(in, f, ',')) {
    if (f.size() < 2 || f[0] != '+') continue;
    auto it = host.find(f.substr(1));
    if (it != host.end() && !it->second) {
      user_error << "target '" << target.str() << "' asks for " << f
                 << ", which this CPU lacks; its code would crash here. Use 'host' to JIT";
    }
  }
}

llvm::orc::JITTargetMachineBuilder jit_machine_builder(const Target& target) {
  llvm::orc::JITTargetMachineBuilder jtmb{llvm::Triple(target.triple)};
  jtmb.setCPU(target.cpu);
  std::vector<std::string> features;
  std::istringstream in(target.features);
  std::string f;
  while (std::getline(in, f, ',')) {
    if (!f.empty()) features.push_back(f);
  }
  jtmb.addFeatures(features);
  jtmb.setCodeGenOptLevel(llvm::CodeGenOpt::Aggressive);
  jtmb.getOptions().AllowFPOpFusion = llvm::FPOpFusion::Standard;
  return jtmb;
}

class JitKernel : public CompiledKernel {
 public:
  using Thunk = int (*)(void**, int64_t*);

  JitKernel(LoweredFunc f, std::unique_ptr<llvm::orc::LLJIT> jit, Thunk thunk, double ms)
      : func_(std::move(f)), jit_(std::move(jit)), thunk_(thunk), compile_ms_(ms) {}

  void run(const std::vector<Buffer>& args) const override {
    std::vector<int64_t> sizes = check_kernel_args(func_, args);
    std::vector<void*> ptrs;
    for (const Buffer& b : args) ptrs.push_back(b.data());
    int rc = thunk_(ptrs.data(), sizes.data());
    if (rc == KILN_ERROR_NO_THREADS) {
      user_error << "kernel '" << func_.name << "': the system refused to start " << num_threads()
                 << " threads for its parallel loops; use fewer (--threads, set_num_threads)";
    }
    const int check = rc - KILN_KERNEL_READ_OUT_OF_BOUNDS;
    if (check >= 0 && check < static_cast<int>(func_.read_checks.size())) {
      // check_kernel_args tested the same condition; reaching this is a bug.
      internal_error << "kernel '" << func_.name << "' refused its sizes: "
                     << describe_read_check(func_.read_checks[check]);
    }
    if (rc != 0) {
      user_error << "kernel '" << func_.name << "' failed to allocate memory for an intermediate "
                 << "buffer (error " << rc << "); use smaller sizes or a schedule with smaller "
                 << "intermediate buffers";
    }
  }
  const LoweredFunc& func() const override { return func_; }
  double compile_ms() const override { return compile_ms_; }

 private:
  LoweredFunc func_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  Thunk thunk_;
  double compile_ms_;
};

/// An LLJIT for one kernel, with the runtime's entry points defined.
std::unique_ptr<llvm::orc::LLJIT> make_kernel_jit(const Target& target) {
  std::unique_ptr<llvm::orc::LLJIT> jit = unwrap(
      llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(jit_machine_builder(target)).create(),
      "creating LLJIT");
  // The runtime entry points, by address: libkiln holds them, and naming
  // them explicitly does not depend on how this process exports symbols.
  // Everything else generated code may call (libm, memset) comes from the
  // process.
  llvm::orc::JITDylib& jd = jit->getMainJITDylib();
  llvm::orc::MangleAndInterner mangle(jit->getExecutionSession(), jit->getDataLayout());
  auto flags = llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
  llvm::orc::SymbolMap runtime;
  runtime[mangle("kiln_parallel_for")] = llvm::JITEvaluatedSymbol::fromPointer(&kiln_parallel_for, flags);
  runtime[mangle("kiln_malloc")] = llvm::JITEvaluatedSymbol::fromPointer(&kiln_malloc, flags);
  runtime[mangle("kiln_free")] = llvm::JITEvaluatedSymbol::fromPointer(&kiln_free, flags);
  check(jd.define(llvm::orc::absoluteSymbols(runtime)), "defining runtime symbols");
  jd.addGenerator(unwrap(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
                             jit->getDataLayout().getGlobalPrefix()),
                         "adding process symbols"));
  return jit;
}

std::shared_ptr<const CompiledKernel> finish_kernel(const LoweredFunc& f,
                                                    std::unique_ptr<llvm::orc::LLJIT> jit,
                                                    double ms) {
  llvm::orc::ExecutorAddr addr = unwrap(jit->lookup(argv_thunk_name(f.name)), "looking up the kernel");
  return std::make_shared<JitKernel>(f, std::move(jit), addr.toPtr<JitKernel::Thunk>(), ms);
}

std::shared_ptr<const CompiledKernel> compile_uncached(const LoweredFunc& f, const Target& target) {
  auto start = std::chrono::steady_clock::now();
  initialize_llvm();
  llvm::orc::JITTargetMachineBuilder jtmb = jit_machine_builder(target);
  std::unique_ptr<llvm::TargetMachine> tm =
      unwrap(jtmb.createTargetMachine(), "creating the JIT target machine");
  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> module = codegen_llvm(f, target, *tm, *ctx);
  optimize_module(*module, *tm);
  std::unique_ptr<llvm::orc::LLJIT> jit = make_kernel_jit(target);
  check(jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(ctx))),
        "adding the kernel module");
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return finish_kernel(f, std::move(jit), ms);
}

/// Everything that decides the generated code, apart from the body's
/// structure (hashed here, compared on a hit).
std::string cache_key(const LoweredFunc& f, const Target& target) {
  std::ostringstream key;
  key << std::hex << structural_hash(f.body) << std::dec << '|' << f.name << '|';
  for (const BufferArg& a : f.args) {
    key << a.name << ':' << a.type.str() << shape_str(a.shape) << (a.is_output ? "out" : "in")
        << (a.nontemporal ? " nontemporal" : "") << ',';
  }
  key << '|';
  for (const std::string& s : f.size_vars) key << s << ',';
  key << '|' << target.str();
  return key.str();
}

/// The compiled kernels, most recent last; bounded so a long tuning run
/// does not keep every candidate's machine code alive.
class KernelCache {
 public:
  std::shared_ptr<const CompiledKernel> find(const std::string& key, const LoweredFunc& f) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = kernels_.find(key);
    if (it == kernels_.end()) return nullptr;
    // The hash identified a candidate; structural equality confirms it.
    return equal(it->second->func().body, f.body) ? it->second : nullptr;
  }
  void insert(const std::string& key, std::shared_ptr<const CompiledKernel> k) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!kernels_.count(key)) order_.push_back(key);
    kernels_[key] = std::move(k);
    while (order_.size() > kCapacity) {
      kernels_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  static constexpr size_t kCapacity = 256;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const CompiledKernel>> kernels_;
  std::deque<std::string> order_;
};

KernelCache& kernel_cache() {
  static KernelCache* cache = new KernelCache();  // never destroyed: kernels may outlive main
  return *cache;
}

}  // namespace

std::shared_ptr<const CompiledKernel> load_compiled_object(const LoweredFunc& f,
                                                           const Target& target,
                                                           const std::string& object_bytes,
                                                           double compile_ms) {
  check_runs_on_host(target);
  initialize_llvm();
  std::unique_ptr<llvm::orc::LLJIT> jit = make_kernel_jit(target);
  check(jit->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(object_bytes, f.name + ".o")),
        "adding the kernel's object file");
  std::shared_ptr<const CompiledKernel> k = finish_kernel(f, std::move(jit), compile_ms);
  kernel_cache().insert(cache_key(f, target), k);
  return k;
}

std::shared_ptr<const CompiledKernel> find_compiled(const LoweredFunc& f, const Target& target) {
  return kernel_cache().find(cache_key(f, target), f);
}

std::shared_ptr<const CompiledKernel> compile_jit(const LoweredFunc& f, const Target& target) {
  check_runs_on_host(target);
  std::string key = cache_key(f, target);
  if (auto k = kernel_cache().find(key, f)) return k;
  // Compiled outside the lock: compiles run in parallel; two threads racing
  // on the same kernel both compile and one result is kept.
  std::shared_ptr<const CompiledKernel> k = compile_uncached(f, target);
  kernel_cache().insert(key, k);
  return k;
}

}  // namespace kiln
