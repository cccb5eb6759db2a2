#pragma once
/// \file
/// Compiling a LoweredFunc with LLVM: JIT (ORC LLJIT) into a callable, or
/// ahead of time into an object file and a C header. LLVM's headers stay in
/// the .cpp files.

#include <memory>
#include <string>
#include <vector>

#include "codegen/llvm/host_target.h"
#include "runtime/buffer.h"
#include "schedule/lowered_func.h"

namespace kiln {

/// A compiled kernel. Calls check every buffer's dtype, rank, density and
/// shape against the kernel's arguments (deriving size vars from shapes)
/// and throw UserError naming the argument and the mismatch.
class CompiledKernel {
 public:
  virtual ~CompiledKernel() = default;
  /// Runs on buffers given as inputs then outputs.
  virtual void run(const std::vector<Buffer>& args) const = 0;
  virtual const LoweredFunc& func() const = 0;
  /// Milliseconds spent in LLVM (IR generation, optimization, machine code).
  virtual double compile_ms() const = 0;
};

/// JIT-compiles for the target (must be the host). Results are cached in
/// memory by the structural hash of (lowered IR, target).
std::shared_ptr<const CompiledKernel> compile_jit(const LoweredFunc& f,
                                                  const Target& target = host_target());

/// The kernel compile_jit would return from its cache, or null.
std::shared_ptr<const CompiledKernel> find_compiled(const LoweredFunc& f,
                                                   const Target& target = host_target());

/// A kernel from an object file compile_aot wrote for f (for this host's
/// target), linked in memory and cached as compile_jit's would be.
/// compile_ms is what the object took to build.
std::shared_ptr<const CompiledKernel> load_compiled_object(const LoweredFunc& f,
                                                           const Target& target,
                                                           const std::string& object_bytes,
                                                           double compile_ms);

/// The LLVM IR text (after O3 when optimized).
std::string emit_llvm_ir(const LoweredFunc& f, const Target& target, bool optimized = true);
/// The target assembly text.
std::string emit_assembly(const LoweredFunc& f, const Target& target);

/// Writes an object file and a C header declaring
///   int <name>(T* arg0, ..., int64_t size_var0, ...);
/// returning 0 on success (non-zero when an allocation failed). The object
/// needs the kiln runtime (libkiln or libkiln_runtime) for its thread pool.
void compile_aot(const LoweredFunc& f, const Target& target, const std::string& object_path,
                 const std::string& header_path);

}  // namespace kiln
