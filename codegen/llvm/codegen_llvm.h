#pragma once
/// \file
/// The LLVM code generator's entry points, shared by the JIT, the AOT writer
/// and the target description. LLVM types are only forward-declared here so
/// that including this header does not pull in LLVM's headers.
///
/// The generated module holds, for a LoweredFunc named N:
/// - `i32 @N(ptr noalias A, ..., i64 M, ...)`: buffers in LoweredFunc::args
///   order, then size vars in order; returns 0, or non-zero when an
///   intermediate heap allocation failed;
/// - `i32 @N_argv(ptr buffers, ptr sizes)`: the same, with the buffers in a
///   `void*[]` and the sizes in an `int64_t[]` (what the JIT calls);
/// - internal closure functions for parallel loop bodies.

#include <memory>

#include "base/target.h"
#include "schedule/lowered_func.h"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
}  // namespace llvm

namespace kiln {

/// Registers LLVM's native target, assembly printer and parser (once).
void initialize_llvm();

/// A TargetMachine for an LLVM target (position-independent code,
/// aggressive optimization). Throws UserError for a CUDA target.
std::unique_ptr<llvm::TargetMachine> make_target_machine(const Target& target);

/// Translates f into a new module in ctx, laid out for tm. The module is
/// verified, not optimized.
std::unique_ptr<llvm::Module> codegen_llvm(const LoweredFunc& f, const Target& target,
                                           const llvm::TargetMachine& tm, llvm::LLVMContext& ctx);

/// Runs LLVM's O3 pipeline (new pass manager) with tm's cost models, so the
/// vectorizers see the target's vector registers.
void optimize_module(llvm::Module& m, llvm::TargetMachine& tm);

/// The name of the argv thunk of a kernel: "<name>_argv".
std::string argv_thunk_name(const std::string& kernel_name);

/// What a generated kernel returns when kiln_malloc fails.
constexpr int kAllocationFailed = 1;

}  // namespace kiln
