#pragma once
/// \file
/// Compiling tuning candidates with a time budget. LLVM's time is not
/// bounded by the size of what kiln hands it (a 13x17x11 matmul with its
/// fused i, j loop unrolled is 10k IR nodes, yet O3's own unrolling and the
/// passes after it took 9 s), and a compile cannot be interrupted inside
/// a process. So each candidate is compiled in a forked child that writes
/// an object file, killed when it runs past the budget; the object is then
/// linked in memory in this process (load_compiled_object). The tuner
/// forks only while no thread of its own is inside LLVM.

#include <memory>
#include <string>
#include <vector>

#include "codegen/llvm/jit.h"

namespace kiln {

/// The seconds a tuning candidate may spend in LLVM.
constexpr double kCandidateCompileBudgetSeconds = 20.0;

struct BudgetedCompile {
  std::shared_ptr<const CompiledKernel> kernel;  ///< null when error is set
  double compile_ms = 0;
  std::string error;
};

/// Compiles each function for target (the host), at most `parallel`
/// children at a time, each killed past budget_s seconds. Kernels already
/// in compile_jit's cache are reused. One result per function, in order.
std::vector<BudgetedCompile> compile_with_budget(const std::vector<LoweredFunc>& funcs,
                                                 const Target& target, double budget_s,
                                                 int parallel = 2);

}  // namespace kiln
