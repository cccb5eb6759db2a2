#pragma once
/// \file
/// The LLVM code generator's class, shared by its implementation files
/// (codegen_llvm.cpp: functions and statements; codegen_expr.cpp:
/// expressions; codegen_memory.cpp: loads, stores, allocations;
/// closure.cpp: parallel loops; vector_math.cpp: polynomial math). Internal:
/// it includes LLVM headers, so only codegen/llvm/*.cpp include it.

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <map>
#include <string>
#include <vector>

#include "codegen/llvm/codegen_llvm.h"
#include "dsl/ir_visitor.h"

namespace kiln {

class CodeGenLLVM : public IRVisitor {
 public:
  CodeGenLLVM(llvm::LLVMContext& ctx, const Target& target, const llvm::TargetMachine& tm);
  std::unique_ptr<llvm::Module> compile(const LoweredFunc& f);

 private:
  // ---------------------------------------------------------- types
  /// The type a value of t has in registers: f16/bf16 as float, bool as i1.
  llvm::Type* llvm_type(Type t);
  /// The type of one element of t in memory: half, i16 for bf16, i8 for bool.
  llvm::Type* storage_type(Type t);

  // ------------------------------------------------ values and scopes
  llvm::Value* codegen(const Expr& e);
  void codegen(const Stmt& s);

  /// A buffer the body reads or writes: its base pointer and element type.
  struct BufferInfo {
    llvm::Value* ptr = nullptr;
    Type type;
    bool nontemporal = false;  ///< vector stores stream (store_nontemporal)
  };
  /// Names bound to values (loop variables, lets, size vars) and buffers;
  /// a vector per name so inner bindings shadow outer ones.
  std::map<std::string, std::vector<llvm::Value*>> vars_;
  std::map<std::string, std::vector<BufferInfo>> buffers_;
  void push_var(const std::string& name, llvm::Value* v) { vars_[name].push_back(v); }
  void pop_var(const std::string& name);
  llvm::Value* lookup_var(const std::string& name) const;
  void push_buffer(const std::string& name, BufferInfo b) { buffers_[name].push_back(b); }
  void pop_buffer(const std::string& name);
  const BufferInfo& lookup_buffer(const std::string& name) const;

  /// The function being generated: allocas go to the top of its entry
  /// block; heap buffers live at this point are freed on an error return.
  struct FunctionState {
    llvm::Function* fn = nullptr;
    llvm::BasicBlock* entry = nullptr;
    std::vector<llvm::Value*> live_heap;
    bool streamed = false;  ///< has non-temporal stores: fence them before returning
  };
  FunctionState fs_;
  llvm::Function* new_function(const std::string& name, llvm::FunctionType* type,
                               llvm::GlobalValue::LinkageTypes linkage);
  llvm::AllocaInst* entry_alloca(llvm::Type* type, llvm::Value* count, const std::string& name,
                                 uint64_t align);
  /// Returns `code` from the current function (after freeing its live heap
  /// buffers) when it is non-zero.
  void return_if_error(llvm::Value* code);

  // ----------------------------------------------------------- casts
  llvm::Value* cast_value(llvm::Value* v, Type from, Type to);
  /// Rounds f32 register values to f16 / bf16 precision (kept as f32).
  llvm::Value* round_to_half(llvm::Value* v);
  llvm::Value* round_to_bfloat(llvm::Value* v);
  /// f32 <-> bf16 bits (i16), round to nearest even, NaN kept quiet.
  llvm::Value* float_to_bfloat_bits(llvm::Value* v);
  llvm::Value* bfloat_bits_to_float(llvm::Value* bits);
  /// A value of register type t from its in-memory form, and back.
  llvm::Value* from_storage(llvm::Value* v, Type t);
  llvm::Value* to_storage(llvm::Value* v, Type t);

  // ---------------------------------------------------------- memory
  /// The scoped-alias metadata of accesses to one buffer: every buffer is
  /// its own scope, disjoint from all others (arguments are noalias and
  /// allocations are fresh), which survives outlining into closures.
  void add_alias_metadata(llvm::Instruction* inst, const std::string& buffer);
  /// Stores vector v at addr with a non-temporal store when addr is aligned
  /// to the vector's size at run time, with an ordinary store otherwise.
  void streaming_store(llvm::Value* v, llvm::Value* addr, uint64_t vector_bytes,
                       llvm::Align element_align, const std::string& buffer);
  /// Orders the function's non-temporal stores before its return (they are
  /// weakly ordered: without a fence another thread could read stale data
  /// after the parallel loop's join).
  void fence_streaming_stores();
  void create_alias_scopes(const LoweredFunc& f);
  llvm::Value* codegen_load(const Load* op);
  /// A prefetch(Load) statement: llvm.prefetch of the element's address.
  void codegen_prefetch(const Call* op);
  void codegen_store(const Store* op);
  void codegen_allocate(const Allocate* op);
  /// All-true, or the lanes a vector Select's arm is evaluated for: loads
  /// outside it must not touch memory (if_then_else padding).
  llvm::Value* load_mask_ = nullptr;

  // ------------------------------------------------------ arithmetic
  llvm::Value* codegen_div(const Expr& a, const Expr& b, Type t);
  llvm::Value* codegen_mod(const Expr& a, const Expr& b, Type t);
  llvm::Value* codegen_compare(IRKind kind, const Expr& a, const Expr& b);
  llvm::Value* codegen_call(const Call* op);
  llvm::Value* codegen_select(const Select* op);
  /// Calls a scalar libm function lane by lane.
  llvm::Value* call_libm(const std::string& name, llvm::Value* x);

  // ---------------------------------------------------------- loops
  void codegen_serial_for(const For* op);
  void codegen_parallel_for(const For* op);

  // ------------------------------------------------------- visitors
#define KILN_CG_VISIT(N) void visit(const N* op) override;
  KILN_FOR_EACH_EXPR_NODE(KILN_CG_VISIT)
  KILN_FOR_EACH_STMT_NODE(KILN_CG_VISIT)
#undef KILN_CG_VISIT

  llvm::LLVMContext& ctx_;
  const Target& target_;
  const llvm::TargetMachine& tm_;
  std::unique_ptr<llvm::Module> module_;
  llvm::IRBuilder<> builder_;
  llvm::Value* value_ = nullptr;  ///< result of the last expression visited
  std::string kernel_name_;
  llvm::Function* parallel_for_fn_ = nullptr;
  llvm::Function* malloc_fn_ = nullptr;
  llvm::Function* free_fn_ = nullptr;
  llvm::MDNode* alias_domain_ = nullptr;
  std::map<std::string, llvm::MDNode*> alias_scopes_;
  int closure_count_ = 0;
  bool wide_vectors_ = false;  ///< AVX-512: ask LLVM to keep 512-bit vectors whole
};

// Polynomial f32 math in IR, for scalar float or <n x float> x. Each works
// lane-wise with selects (no branches), so it vectorizes.
/// e^x: Cephes range reduction, 2^n built from exponent bits in two steps
/// so results reaching into denormals and overflow to inf are right.
llvm::Value* emit_exp_f32(llvm::IRBuilder<>& b, llvm::Value* x);
/// ln x: frexp-style reduction, Cephes polynomial; exact specials.
llvm::Value* emit_log_f32(llvm::IRBuilder<>& b, llvm::Value* x);
/// tanh x: odd polynomial for |x| < 0.625, else 1 - 2 / (e^{2|x|} + 1).
llvm::Value* emit_tanh_f32(llvm::IRBuilder<>& b, llvm::Value* x);
/// erf x: two polynomial pieces (|x| < 1, 1 <= |x| < 3.92), 1 beyond.
llvm::Value* emit_erf_f32(llvm::IRBuilder<>& b, llvm::Value* x);

}  // namespace kiln
