// Parallel loops: the body is outlined into a closure function
//   i32 body(i64 index, ptr closure)
// that the runtime calls for each index in [0, extent) (kiln_parallel_for,
// runtime/thread_pool.h). The caller packs every variable and buffer the
// body uses into a struct on its stack; the closure loads them all once, at
// its entry, so the loop nest inside sees plain SSA values and pointers.
// Buffer accesses keep their alias-scope metadata, so LLVM still knows the
// captured pointers do not alias.
#include <set>

#include "codegen/llvm/codegen_internal.h"
#include "base/error.h"

namespace kiln {

namespace {

/// The names of variables and buffers a statement refers to.
class CollectNames : public IRVisitor {
 public:
  std::set<std::string> vars, buffers;

 protected:
  using IRVisitor::visit;
  void visit(const Var* op) override { vars.insert(op->name); }
  void visit(const Load* op) override {
    buffers.insert(op->buffer);
    IRVisitor::visit(op);
  }
  void visit(const Store* op) override {
    buffers.insert(op->buffer);
    IRVisitor::visit(op);
  }
};

}  // namespace

void CodeGenLLVM::codegen_parallel_for(const For* op) {
  // Capture what the body names and the enclosing scope binds; names bound
  // inside the body are not in scope here and are skipped. Capturing a name
  // the body rebinds is harmless: the inner binding shadows it.
  CollectNames names;
  names.visit_stmt(op->body);
  std::vector<std::string> vars;
  std::vector<std::string> buffers;
  for (const std::string& n : names.vars) {
    if (vars_.count(n) && n != op->name) vars.push_back(n);
  }
  for (const std::string& n : names.buffers) {
    if (buffers_.count(n)) buffers.push_back(n);
  }

  llvm::Value* min = codegen(op->min);
  llvm::Value* extent = codegen(op->extent);
  std::vector<llvm::Type*> fields = {min->getType()};
  for (const std::string& n : vars) fields.push_back(lookup_var(n)->getType());
  fields.insert(fields.end(), buffers.size(), builder_.getPtrTy());
  llvm::StructType* closure_type = llvm::StructType::get(ctx_, fields);

  llvm::Value* closure = entry_alloca(closure_type, nullptr, op->name + ".closure", 8);
  auto store_field = [&](unsigned i, llvm::Value* v) {
    builder_.CreateStore(v, builder_.CreateStructGEP(closure_type, closure, i));
  };
  store_field(0, min);
  for (size_t i = 0; i < vars.size(); i++) store_field(1 + i, lookup_var(vars[i]));
  for (size_t i = 0; i < buffers.size(); i++) {
    store_field(1 + vars.size() + i, lookup_buffer(buffers[i]).ptr);
  }

  // The closure function, generated with a fresh scope holding only the
  // captured names.
  llvm::Type* i64 = builder_.getInt64Ty();
  llvm::FunctionType* body_type =
      llvm::FunctionType::get(builder_.getInt32Ty(), {i64, builder_.getPtrTy()}, false);
  std::string fn_name = kernel_name_ + ".par." + op->name + "." + std::to_string(closure_count_++);
  llvm::Function* fn = new_function(fn_name, body_type, llvm::Function::InternalLinkage);
  fn->addParamAttr(1, llvm::Attribute::NoAlias);
  fn->addParamAttr(1, llvm::Attribute::NoCapture);
  fn->addParamAttr(1, llvm::Attribute::ReadOnly);

  llvm::IRBuilderBase::InsertPoint saved_ip = builder_.saveIP();
  FunctionState saved_fs = std::move(fs_);
  auto saved_vars = std::move(vars_);
  auto saved_buffers = std::move(buffers_);
  llvm::Value* saved_mask = load_mask_;
  vars_.clear();
  buffers_.clear();
  load_mask_ = nullptr;
  fs_ = FunctionState{fn, llvm::BasicBlock::Create(ctx_, "entry", fn), {}};
  builder_.SetInsertPoint(fs_.entry);

  llvm::Value* arg = fn->getArg(1);
  auto load_field = [&](unsigned i, const std::string& name) {
    return builder_.CreateLoad(fields[i], builder_.CreateStructGEP(closure_type, arg, i), name);
  };
  llvm::Value* inner_min = load_field(0, op->name + ".min");
  for (size_t i = 0; i < vars.size(); i++) push_var(vars[i], load_field(1 + i, vars[i]));
  for (size_t i = 0; i < buffers.size(); i++) {
    BufferInfo info = saved_buffers.at(buffers[i]).back();
    info.ptr = load_field(1 + vars.size() + i, buffers[i]);
    push_buffer(buffers[i], info);
  }
  push_var(op->name, builder_.CreateAdd(inner_min, fn->getArg(0), op->name));
  codegen(op->body);
  fence_streaming_stores();
  builder_.CreateRet(builder_.getInt32(0));

  fs_ = std::move(saved_fs);
  vars_ = std::move(saved_vars);
  buffers_ = std::move(saved_buffers);
  load_mask_ = saved_mask;
  builder_.restoreIP(saved_ip);

  llvm::Value* rc = builder_.CreateCall(parallel_for_fn_, {extent, fn, closure});
  return_if_error(rc);
}

}  // namespace kiln
