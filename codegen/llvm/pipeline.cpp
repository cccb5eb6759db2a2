// LLVM setup shared by the JIT and AOT paths: target registration, target
// machines, and the O3 pipeline.
#include <llvm/Analysis/TargetTransformInfo.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <mutex>

#include "codegen/llvm/codegen_llvm.h"
#include "base/error.h"

namespace kiln {

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

std::unique_ptr<llvm::TargetMachine> make_target_machine(const Target& target) {
  if (target.kind != Target::Kind::LLVM) {
    user_error << "target '" << target.str()
               << "' is not a CPU target; the LLVM backend compiles for 'host' or 'llvm ...' targets";
  }
  initialize_llvm();
  std::string err;
  const llvm::Target* t = llvm::TargetRegistry::lookupTarget(target.triple, err);
  if (!t) {
    user_error << "LLVM cannot compile for triple '" << target.triple << "': " << err;
  }
  llvm::TargetOptions options;
  // Fusion follows the IR: only operations flagged `contract` become FMAs.
  options.AllowFPOpFusion = llvm::FPOpFusion::Standard;
  llvm::TargetMachine* tm = t->createTargetMachine(target.triple, target.cpu, target.features,
                                                   options, llvm::Reloc::PIC_, std::nullopt,
                                                   llvm::CodeGenOpt::Aggressive);
  internal_assert(tm) << "LLVM made no target machine for " << target.str();
  return std::unique_ptr<llvm::TargetMachine>(tm);
}

void optimize_module(llvm::Module& m, llvm::TargetMachine& tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;

  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  tuning.LoopUnrolling = true;
  llvm::PassBuilder pb(&tm, tuning);
  // Registered first, so it wins over the default registration: the cost
  // models must see the real vector registers (AVX-512), not a generic CPU.
  fam.registerPass([&] { return tm.getTargetIRAnalysis(); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);

  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(m, mam);
}

std::string argv_thunk_name(const std::string& kernel_name) { return kernel_name + "_argv"; }

}  // namespace kiln
