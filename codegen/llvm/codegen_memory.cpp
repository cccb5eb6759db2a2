// Loads, stores and allocations.
//
// A load or store whose index is Ramp(base, 1, n) is one vector access at
// &buf[base]; a Broadcast index is a scalar access (splat for loads); any
// other vector index is a masked gather or scatter. Accesses carry element
// alignment and scoped noalias metadata (one scope per buffer).
//
// Inside the arm of a vector select (if_then_else padding) loads are
// masked to the lanes that take the arm, so out-of-bounds lanes never
// touch memory.
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Support/MathExtras.h>
#include <llvm/TargetParser/Triple.h>

#include "codegen/llvm/codegen_internal.h"
#include "base/error.h"

namespace kiln {

namespace {

/// The base of an index that addresses n consecutive elements, or an
/// undefined Expr.
Expr dense_base(const Expr& index) {
  if (const Ramp* r = index.as<Ramp>()) return is_const(r->stride, 1) ? r->base : Expr();
  if (const Add* a = index.as<Add>()) {
    // Ramp(b, 1) + Broadcast(c) and its mirror, as vectorization may leave.
    const Broadcast* bc = a->b.as<Broadcast>();
    Expr ramp = a->a;
    if (!bc) {
      bc = a->a.as<Broadcast>();
      ramp = a->b;
    }
    Expr base = bc ? dense_base(ramp) : Expr();
    if (base.defined()) return Add::make(base, bc->value);
  }
  return Expr();
}

class CollectAllocations : public IRVisitor {
 public:
  std::vector<std::string> names;

 protected:
  using IRVisitor::visit;
  void visit(const Allocate* op) override {
    names.push_back(op->buffer);
    IRVisitor::visit(op);
  }
};

constexpr int64_t kMaxStackBytes = 64 * 1024;
/// The most a stack buffer of run-time size may take (MemoryScope::Stack
/// with symbolic extents); a larger one fails like a failed allocation.
constexpr int64_t kMaxDynamicStackBytes = 1024 * 1024;

}  // namespace

void CodeGenLLVM::create_alias_scopes(const LoweredFunc& f) {
  llvm::MDBuilder md(ctx_);
  alias_domain_ = md.createAnonymousAliasScopeDomain(f.name);
  CollectAllocations allocs;
  allocs.visit_stmt(f.body);
  std::vector<std::string> names = allocs.names;
  for (const BufferArg& a : f.args) names.push_back(a.name);
  for (const std::string& n : names) {
    if (!alias_scopes_.count(n)) alias_scopes_[n] = md.createAnonymousAliasScope(alias_domain_, n);
  }
}

void CodeGenLLVM::add_alias_metadata(llvm::Instruction* inst, const std::string& buffer) {
  auto it = alias_scopes_.find(buffer);
  if (it == alias_scopes_.end()) return;
  std::vector<llvm::Metadata*> others;
  for (const auto& kv : alias_scopes_) {
    if (kv.first != buffer) others.push_back(kv.second);
  }
  inst->setMetadata(llvm::LLVMContext::MD_alias_scope, llvm::MDNode::get(ctx_, {it->second}));
  if (!others.empty()) inst->setMetadata(llvm::LLVMContext::MD_noalias, llvm::MDNode::get(ctx_, others));
}

llvm::Value* CodeGenLLVM::codegen_load(const Load* op) {
  const BufferInfo& buf = lookup_buffer(op->buffer);
  Type t = op->type;
  internal_assert(t.element_of() == buf.type)
      << "load of " << t.str() << " from buffer " << op->buffer << " of " << buf.type.str();
  llvm::Type* elem = storage_type(t.element_of());
  llvm::Align align(t.bytes());
  llvm::Value* v = nullptr;
  llvm::Instruction* inst = nullptr;
  if (t.is_scalar()) {
    llvm::Value* addr = builder_.CreateInBoundsGEP(elem, buf.ptr, codegen(op->index));
    if (load_mask_) {
      // A scalar load in a masked arm runs only when some lane takes the arm.
      llvm::Value* any = builder_.CreateOrReduce(load_mask_);
      llvm::Type* one = llvm::FixedVectorType::get(elem, 1);
      llvm::Value* mask = builder_.CreateVectorSplat(1, any);
      inst = builder_.CreateMaskedLoad(one, addr, align, mask);
      v = builder_.CreateExtractElement(inst, uint64_t(0));
    } else {
      inst = builder_.CreateAlignedLoad(elem, addr, align);
      v = inst;
    }
    add_alias_metadata(inst, op->buffer);
    return from_storage(v, t);
  }
  llvm::Type* vt = storage_type(t);
  Expr base = dense_base(op->index);
  if (base.defined()) {
    llvm::Value* addr = builder_.CreateInBoundsGEP(elem, buf.ptr, codegen(base));
    if (load_mask_) {
      inst = builder_.CreateMaskedLoad(vt, addr, align, load_mask_);
    } else {
      inst = builder_.CreateAlignedLoad(vt, addr, align);
    }
    add_alias_metadata(inst, op->buffer);
    return from_storage(inst, t);
  }
  const Broadcast* bc = op->index.as<Broadcast>();
  if (bc && !load_mask_) {
    llvm::Value* addr = builder_.CreateInBoundsGEP(elem, buf.ptr, codegen(bc->value));
    inst = builder_.CreateAlignedLoad(elem, addr, align);
    add_alias_metadata(inst, op->buffer);
    return builder_.CreateVectorSplat(t.lanes, from_storage(inst, t.element_of()));
  }
  llvm::Value* addrs = builder_.CreateInBoundsGEP(elem, buf.ptr, codegen(op->index));
  inst = builder_.CreateMaskedGather(vt, addrs, align, load_mask_);
  add_alias_metadata(inst, op->buffer);
  return from_storage(inst, t);
}

void CodeGenLLVM::visit(const Load* op) { value_ = codegen_load(op); }

void CodeGenLLVM::codegen_prefetch(const Call* op) {
  const Load* load = op->args[0].as<Load>();
  internal_assert(load && load->type.is_scalar())
      << "prefetch takes a scalar load of the element to fetch";
  const BufferInfo& buf = lookup_buffer(load->buffer);
  // Not inbounds: the line after a buffer's last may be asked for, and a
  // prefetch of it is harmless (it never faults) but must not be poison.
  llvm::Value* addr =
      builder_.CreateGEP(storage_type(buf.type), buf.ptr, codegen(load->index));
  // llvm.prefetch(address, read, locality 3 = keep in all levels (t0), data).
  builder_.CreateIntrinsic(llvm::Intrinsic::prefetch, {addr->getType()},
                           {addr, builder_.getInt32(0), builder_.getInt32(3), builder_.getInt32(1)});
}

void CodeGenLLVM::codegen_store(const Store* op) {
  const BufferInfo& buf = lookup_buffer(op->buffer);
  Type t = op->value.type();
  internal_assert(t.element_of() == buf.type)
      << "store of " << t.str() << " to buffer " << op->buffer << " of " << buf.type.str();
  llvm::Type* elem = storage_type(t.element_of());
  llvm::Align align(t.bytes());
  llvm::Value* v = to_storage(codegen(op->value), t);
  llvm::Instruction* inst = nullptr;
  Expr base = t.is_vector() ? dense_base(op->index) : op->index;
  if (base.defined()) {
    llvm::Value* addr = builder_.CreateInBoundsGEP(elem, buf.ptr, codegen(base));
    const uint64_t vector_bytes = static_cast<uint64_t>(t.bytes()) * t.lanes;
    if (buf.nontemporal && t.is_vector() && llvm::isPowerOf2_64(vector_bytes) &&
        vector_bytes >= 16 && vector_bytes <= 64) {
      streaming_store(v, addr, vector_bytes, align, op->buffer);
      return;
    }
    inst = builder_.CreateAlignedStore(v, addr, align);
  } else {
    // Lanes are written in order, so with repeated addresses the last wins.
    llvm::Value* addrs = builder_.CreateInBoundsGEP(elem, buf.ptr, codegen(op->index));
    inst = builder_.CreateMaskedScatter(v, addrs, align);
  }
  add_alias_metadata(inst, op->buffer);
}

void CodeGenLLVM::streaming_store(llvm::Value* v, llvm::Value* addr, uint64_t vector_bytes,
                                  llvm::Align element_align, const std::string& buffer) {
  // Buffers passed in need not be aligned beyond their element (a borrowed
  // DLPack tensor, a slice), and LLVM splits an unaligned non-temporal
  // vector store into scalar ones, so the alignment is tested here. The
  // branch goes the same way for a whole aligned row: it predicts well.
  llvm::Value* misaligned = builder_.CreateAnd(builder_.CreatePtrToInt(addr, builder_.getInt64Ty()),
                                               builder_.getInt64(vector_bytes - 1));
  llvm::Value* aligned = builder_.CreateICmpEQ(misaligned, builder_.getInt64(0));
  llvm::BasicBlock* stream_bb = llvm::BasicBlock::Create(ctx_, "stream", fs_.fn);
  llvm::BasicBlock* plain_bb = llvm::BasicBlock::Create(ctx_, "store", fs_.fn);
  llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "stored", fs_.fn);
  builder_.CreateCondBr(aligned, stream_bb, plain_bb);

  builder_.SetInsertPoint(stream_bb);
  llvm::StoreInst* nt = builder_.CreateAlignedStore(v, addr, llvm::Align(vector_bytes));
  nt->setMetadata(llvm::LLVMContext::MD_nontemporal,
                  llvm::MDNode::get(ctx_, {llvm::ConstantAsMetadata::get(builder_.getInt32(1))}));
  add_alias_metadata(nt, buffer);
  builder_.CreateBr(done_bb);

  builder_.SetInsertPoint(plain_bb);
  add_alias_metadata(builder_.CreateAlignedStore(v, addr, element_align), buffer);
  builder_.CreateBr(done_bb);

  builder_.SetInsertPoint(done_bb);
  fs_.streamed = true;
}

void CodeGenLLVM::fence_streaming_stores() {
  if (!fs_.streamed) return;
  if (llvm::Triple(target_.triple).isX86()) {
    builder_.CreateCall(llvm::Intrinsic::getDeclaration(module_.get(), llvm::Intrinsic::x86_sse_sfence));
  } else {
    builder_.CreateFence(llvm::AtomicOrdering::Release);
  }
}

void CodeGenLLVM::codegen_allocate(const Allocate* op) {
  internal_assert(op->type.is_scalar()) << "Allocate " << op->buffer << " of vector type "
                                        << op->type.str();
  Type t = op->type;
  llvm::Type* elem = storage_type(t);
  int64_t n = 1;
  bool constant = true;
  for (const Expr& e : op->extents) {
    int64_t c;
    // A product that overflows is left to the run-time check below.
    if (!as_const_int(e, &c) || c < 0 || __builtin_mul_overflow(n, c, &n)) constant = false;
  }
  if (!constant) n = 0;
  // The buffer's bytes at run time, or -1 when an extent is negative or
  // the product overflows (symbolic sizes can make N*N*N*N wrap to a few
  // bytes, and the stores after it would run past the allocation):
  // kiln_malloc refuses -1, and the kernel returns kAllocationFailed.
  auto checked_bytes = [&] {
    llvm::Type* i64 = builder_.getInt64Ty();
    llvm::Function* smul =
        llvm::Intrinsic::getDeclaration(module_.get(), llvm::Intrinsic::smul_with_overflow, {i64});
    llvm::Value* bytes = builder_.getInt64(1);
    llvm::Value* bad = builder_.getFalse();
    auto times = [&](llvm::Value* x) {
      llvm::Value* r = builder_.CreateCall(smul, {bytes, x});
      bytes = builder_.CreateExtractValue(r, 0);
      bad = builder_.CreateOr(bad, builder_.CreateExtractValue(r, 1));
      bad = builder_.CreateOr(bad, builder_.CreateICmpSLT(x, builder_.getInt64(0)));
    };
    for (const Expr& e : op->extents) times(codegen(e));
    times(builder_.getInt64(t.bytes()));
    return builder_.CreateSelect(bad, builder_.getInt64(-1), bytes);
  };
  // A GPU schedule's local (per-thread) and shared arrays are small
  // constant tiles: on a CPU they live on the stack like Auto ones.
  const bool small_scope = op->scope == MemoryScope::Auto || op->scope == MemoryScope::Local ||
                           op->scope == MemoryScope::Shared;
  bool stack = op->scope == MemoryScope::Stack ||
               (small_scope && constant && n * t.bytes() <= kMaxStackBytes);
  if (stack && constant) {
    llvm::Value* ptr = entry_alloca(llvm::ArrayType::get(elem, static_cast<uint64_t>(n)), nullptr,
                                    op->buffer, 64);
    push_buffer(op->buffer, BufferInfo{ptr, t});
    codegen(op->body);
    pop_buffer(op->buffer);
    return;
  }
  if (stack) {
    // A stack buffer of run-time size: released when the body is done, so
    // a loop around it does not grow the stack.
    llvm::Value* saved = builder_.CreateCall(
        llvm::Intrinsic::getDeclaration(module_.get(), llvm::Intrinsic::stacksave));
    // At most kMaxDynamicStackBytes: more would overflow the stack.
    llvm::Value* bytes = checked_bytes();
    llvm::Value* too_big = builder_.CreateOr(
        builder_.CreateICmpSLT(bytes, builder_.getInt64(0)),
        builder_.CreateICmpSGT(bytes, builder_.getInt64(kMaxDynamicStackBytes)));
    return_if_error(builder_.CreateSelect(too_big, builder_.getInt32(kAllocationFailed), builder_.getInt32(0)));
    llvm::AllocaInst* ptr = builder_.CreateAlloca(builder_.getInt8Ty(), bytes, op->buffer);
    ptr->setAlignment(llvm::Align(64));
    push_buffer(op->buffer, BufferInfo{ptr, t});
    codegen(op->body);
    pop_buffer(op->buffer);
    builder_.CreateCall(llvm::Intrinsic::getDeclaration(module_.get(), llvm::Intrinsic::stackrestore),
                        {saved});
    return;
  }
  llvm::Value* ptr = builder_.CreateCall(malloc_fn_, {checked_bytes()}, op->buffer);
  llvm::Value* failed = builder_.CreateICmpEQ(ptr, llvm::ConstantPointerNull::get(builder_.getPtrTy()));
  return_if_error(builder_.CreateSelect(failed, builder_.getInt32(kAllocationFailed), builder_.getInt32(0)));
  fs_.live_heap.push_back(ptr);
  push_buffer(op->buffer, BufferInfo{ptr, t});
  codegen(op->body);
  pop_buffer(op->buffer);
  fs_.live_heap.pop_back();
  builder_.CreateCall(free_fn_, {ptr});
}

}  // namespace kiln
