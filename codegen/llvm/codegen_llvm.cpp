// LoweredFunc -> llvm::Module: the kernel's signature, its argv thunk, and
// statements. Expressions are in codegen_expr.cpp, memory in
// codegen_memory.cpp, parallel loops in closure.cpp.
//
// Conventions: opaque pointers; every value of an f16/bf16 expression is an
// f32 in registers (rounded only where stored or cast); bools are i1 in
// registers and i8 in memory; indices and loop variables are i64.
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include "codegen/llvm/codegen_internal.h"
#include "codegen/llvm/host_target.h"
#include "dsl/compute.h"
#include "base/error.h"
#include "runtime/thread_pool.h"

namespace kiln {

CodeGenLLVM::CodeGenLLVM(llvm::LLVMContext& ctx, const Target& target,
                         const llvm::TargetMachine& tm)
    : ctx_(ctx), target_(target), tm_(tm), builder_(ctx) {
  // `contract` alone lets a * b + c become one FMA; no other fast-math
  // flag, so results stay IEEE apart from that single rounding.
  llvm::FastMathFlags fmf;
  fmf.setAllowContract(true);
  builder_.setFastMathFlags(fmf);
  wide_vectors_ = target_has_feature(target, "avx512f");
}

std::unique_ptr<llvm::Module> codegen_llvm(const LoweredFunc& f, const Target& target,
                                           const llvm::TargetMachine& tm, llvm::LLVMContext& ctx) {
  CodeGenLLVM cg(ctx, target, tm);
  return cg.compile(f);
}

// ----------------------------------------------------------------- scopes

void CodeGenLLVM::pop_var(const std::string& name) {
  auto it = vars_.find(name);
  internal_assert(it != vars_.end() && !it->second.empty()) << "pop of unbound var " << name;
  it->second.pop_back();
  if (it->second.empty()) vars_.erase(it);
}

llvm::Value* CodeGenLLVM::lookup_var(const std::string& name) const {
  auto it = vars_.find(name);
  internal_assert(it != vars_.end()) << "codegen: variable '" << name << "' is not bound in "
                                     << kernel_name_;
  return it->second.back();
}

void CodeGenLLVM::pop_buffer(const std::string& name) {
  auto it = buffers_.find(name);
  internal_assert(it != buffers_.end() && !it->second.empty()) << "pop of unbound buffer " << name;
  it->second.pop_back();
  if (it->second.empty()) buffers_.erase(it);
}

const CodeGenLLVM::BufferInfo& CodeGenLLVM::lookup_buffer(const std::string& name) const {
  auto it = buffers_.find(name);
  internal_assert(it != buffers_.end()) << "codegen: buffer '" << name << "' is not bound in "
                                        << kernel_name_;
  return it->second.back();
}

llvm::Value* CodeGenLLVM::codegen(const Expr& e) {
  internal_assert(e.defined()) << "codegen of an undefined Expr";
  value_ = nullptr;
  visit_expr(e);
  internal_assert(value_) << "codegen produced no value for a " << ir_kind_name(e->kind);
  llvm::Value* v = value_;
  value_ = nullptr;
  return v;
}

void CodeGenLLVM::codegen(const Stmt& s) {
  internal_assert(s.defined()) << "codegen of an undefined Stmt";
  visit_stmt(s);
}

// -------------------------------------------------------------- functions

llvm::Function* CodeGenLLVM::new_function(const std::string& name, llvm::FunctionType* type,
                                          llvm::GlobalValue::LinkageTypes linkage) {
  llvm::Function* fn = llvm::Function::Create(type, linkage, name, module_.get());
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  fn->addFnAttr("target-cpu", target_.cpu);
  if (!target_.features.empty()) fn->addFnAttr("target-features", target_.features);
  if (wide_vectors_) {
    // Without these LLVM splits 512-bit vectors into 256-bit halves on
    // CPUs it believes prefer them (and on "generic").
    fn->addFnAttr("prefer-vector-width", "512");
    fn->addFnAttr("min-legal-vector-width", "512");
  }
  return fn;
}

llvm::AllocaInst* CodeGenLLVM::entry_alloca(llvm::Type* type, llvm::Value* count,
                                            const std::string& name, uint64_t align) {
  // At the top of the entry block, so the alloca is static (one stack slot
  // however often the code around it runs) and SROA/mem2reg can promote it.
  llvm::IRBuilder<> b(fs_.entry, fs_.entry->begin());
  llvm::AllocaInst* a = b.CreateAlloca(type, count, name);
  a->setAlignment(llvm::Align(align));
  return a;
}

void CodeGenLLVM::return_if_error(llvm::Value* code) {
  llvm::BasicBlock* err_bb = llvm::BasicBlock::Create(ctx_, "error", fs_.fn);
  llvm::BasicBlock* ok_bb = llvm::BasicBlock::Create(ctx_, "ok", fs_.fn);
  llvm::Value* failed = builder_.CreateICmpNE(code, llvm::ConstantInt::get(code->getType(), 0));
  llvm::MDBuilder md(ctx_);
  builder_.CreateCondBr(failed, err_bb, ok_bb, md.createBranchWeights(1, 1 << 20));
  builder_.SetInsertPoint(err_bb);
  for (auto it = fs_.live_heap.rbegin(); it != fs_.live_heap.rend(); ++it) {
    builder_.CreateCall(free_fn_, {*it});
  }
  builder_.CreateRet(code);
  builder_.SetInsertPoint(ok_bb);
}

std::unique_ptr<llvm::Module> CodeGenLLVM::compile(const LoweredFunc& f) {
  internal_assert(f.body.defined()) << "LoweredFunc " << f.name << " has no body";
  kernel_name_ = f.name;
  module_ = std::make_unique<llvm::Module>(f.name, ctx_);
  module_->setTargetTriple(target_.triple);
  module_->setDataLayout(tm_.createDataLayout());

  llvm::Type* i32 = builder_.getInt32Ty();
  llvm::Type* i64 = builder_.getInt64Ty();
  llvm::Type* ptr = builder_.getPtrTy();
  // The runtime (runtime/thread_pool.h).
  parallel_for_fn_ = llvm::Function::Create(llvm::FunctionType::get(i32, {i64, ptr, ptr}, false),
                                            llvm::Function::ExternalLinkage, "kiln_parallel_for",
                                            module_.get());
  malloc_fn_ = llvm::Function::Create(llvm::FunctionType::get(ptr, {i64}, false),
                                      llvm::Function::ExternalLinkage, "kiln_malloc",
                                      module_.get());
  malloc_fn_->addRetAttr(llvm::Attribute::NoAlias);
  free_fn_ = llvm::Function::Create(llvm::FunctionType::get(builder_.getVoidTy(), {ptr}, false),
                                    llvm::Function::ExternalLinkage, "kiln_free", module_.get());
  create_alias_scopes(f);

  // The kernel: buffers, then size vars.
  std::vector<llvm::Type*> params(f.args.size(), ptr);
  params.insert(params.end(), f.size_vars.size(), i64);
  llvm::Function* fn = new_function(f.name, llvm::FunctionType::get(i32, params, false),
                                    llvm::Function::ExternalLinkage);
  fs_ = FunctionState{fn, llvm::BasicBlock::Create(ctx_, "entry", fn), {}};
  builder_.SetInsertPoint(fs_.entry);
  for (size_t i = 0; i < f.args.size(); i++) {
    llvm::Argument* a = fn->getArg(static_cast<unsigned>(i));
    a->setName(f.args[i].name);
    fn->addParamAttr(a->getArgNo(), llvm::Attribute::NoAlias);
    fn->addParamAttr(a->getArgNo(), llvm::Attribute::NoCapture);
    push_buffer(f.args[i].name, BufferInfo{a, f.args[i].type, f.args[i].nontemporal});
  }
  for (size_t i = 0; i < f.size_vars.size(); i++) {
    llvm::Argument* a = fn->getArg(static_cast<unsigned>(f.args.size() + i));
    a->setName(f.size_vars[i]);
    push_var(f.size_vars[i], a);
  }
  // Reads the shapes do not prove in bounds (schedule/read_checks.h) are
  // tested before anything is touched: a failing check returns its code.
  for (size_t i = 0; i < f.read_checks.size(); i++) {
    llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "read_out_of_bounds", fn);
    llvm::BasicBlock* next = llvm::BasicBlock::Create(ctx_, "read_in_bounds", fn);
    builder_.CreateCondBr(codegen(f.read_checks[i].in_bounds), next, fail);
    builder_.SetInsertPoint(fail);
    builder_.CreateRet(builder_.getInt32(KILN_KERNEL_READ_OUT_OF_BOUNDS + static_cast<int>(i)));
    builder_.SetInsertPoint(next);
  }
  codegen(f.body);
  fence_streaming_stores();
  builder_.CreateRet(builder_.getInt32(0));

  // The thunk: unpacks void*[] and int64_t[] and calls the kernel.
  llvm::Function* thunk = new_function(argv_thunk_name(f.name),
                                       llvm::FunctionType::get(i32, {ptr, ptr}, false),
                                       llvm::Function::ExternalLinkage);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", thunk));
  std::vector<llvm::Value*> args;
  for (size_t i = 0; i < f.args.size(); i++) {
    llvm::Value* slot = builder_.CreateConstInBoundsGEP1_64(ptr, thunk->getArg(0), i);
    args.push_back(builder_.CreateLoad(ptr, slot, f.args[i].name));
  }
  for (size_t i = 0; i < f.size_vars.size(); i++) {
    llvm::Value* slot = builder_.CreateConstInBoundsGEP1_64(i64, thunk->getArg(1), i);
    args.push_back(builder_.CreateLoad(i64, slot, f.size_vars[i]));
  }
  builder_.CreateRet(builder_.CreateCall(fn, args));

  std::string err;
  llvm::raw_string_ostream os(err);
  if (llvm::verifyModule(*module_, &os)) {
    std::string ir;
    llvm::raw_string_ostream irs(ir);
    module_->print(irs, nullptr);
    internal_error << "generated LLVM IR for " << f.name << " is invalid: " << os.str() << "\n"
                   << irs.str();
  }
  return std::move(module_);
}

// ------------------------------------------------------------- statements

void CodeGenLLVM::visit(const LetStmt* op) {
  llvm::Value* v = codegen(op->value);
  v->setName(op->name);
  push_var(op->name, v);
  codegen(op->body);
  pop_var(op->name);
}

void CodeGenLLVM::visit(const For* op) {
  // Vectorized and Unrolled loops were rewritten by lowering; any left
  // (an extent it could not expand) run as ordinary loops.
  if (op->for_kind == ForKind::Parallel) {
    codegen_parallel_for(op);
  } else {
    codegen_serial_for(op);
  }
}

void CodeGenLLVM::codegen_serial_for(const For* op) {
  llvm::Value* min = codegen(op->min);
  llvm::Value* extent = codegen(op->extent);
  llvm::Value* end = builder_.CreateAdd(min, extent, op->name + ".end");
  llvm::BasicBlock* pre_bb = builder_.GetInsertBlock();
  llvm::BasicBlock* loop_bb = llvm::BasicBlock::Create(ctx_, op->name + ".loop", fs_.fn);
  llvm::BasicBlock* after_bb = llvm::BasicBlock::Create(ctx_, op->name + ".after", fs_.fn);
  // Guard, then a bottom-tested loop: the rotated form LLVM's loop passes
  // expect, with one i64 induction variable.
  builder_.CreateCondBr(builder_.CreateICmpSLT(min, end), loop_bb, after_bb);
  builder_.SetInsertPoint(loop_bb);
  llvm::PHINode* iv = builder_.CreatePHI(builder_.getInt64Ty(), 2, op->name);
  iv->addIncoming(min, pre_bb);
  push_var(op->name, iv);
  codegen(op->body);
  pop_var(op->name);
  llvm::Value* next = builder_.CreateAdd(iv, builder_.getInt64(1), op->name + ".next",
                                         /*HasNUW=*/false, /*HasNSW=*/true);
  iv->addIncoming(next, builder_.GetInsertBlock());
  builder_.CreateCondBr(builder_.CreateICmpSLT(next, end), loop_bb, after_bb);
  builder_.SetInsertPoint(after_bb);
}

void CodeGenLLVM::visit(const IfThenElse* op) {
  llvm::Value* cond = codegen(op->condition);
  llvm::BasicBlock* then_bb = llvm::BasicBlock::Create(ctx_, "then", fs_.fn);
  llvm::BasicBlock* after_bb = llvm::BasicBlock::Create(ctx_, "endif", fs_.fn);
  llvm::BasicBlock* else_bb =
      op->else_case.defined() ? llvm::BasicBlock::Create(ctx_, "else", fs_.fn) : after_bb;
  builder_.CreateCondBr(cond, then_bb, else_bb);
  builder_.SetInsertPoint(then_bb);
  codegen(op->then_case);
  builder_.CreateBr(after_bb);
  if (op->else_case.defined()) {
    builder_.SetInsertPoint(else_bb);
    codegen(op->else_case);
    builder_.CreateBr(after_bb);
  }
  builder_.SetInsertPoint(after_bb);
}

void CodeGenLLVM::visit(const Block* op) {
  for (const Stmt& s : op->stmts) codegen(s);
}

void CodeGenLLVM::visit(const Store* op) { codegen_store(op); }

void CodeGenLLVM::visit(const Allocate* op) { codegen_allocate(op); }

void CodeGenLLVM::visit(const Evaluate* op) {
  if (const Call* c = op->value.as<Call>(); c && c->op == Intrinsic::Prefetch) {
    codegen_prefetch(c);
    return;
  }
  // Expressions have no side effects; generating it keeps the node honest
  // (an unbound variable inside still fails loudly).
  codegen(op->value);
}

void CodeGenLLVM::visit(const TensorStore* op) {
  internal_error << "TensorStore to " << op->op->name << " reached codegen; lowering must flatten it";
}

void CodeGenLLVM::visit(const Realize* op) {
  internal_error << "Realize of " << op->op->name << " reached codegen; lowering must flatten it";
}

}  // namespace kiln
