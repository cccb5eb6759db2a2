// Expressions: constants, casts, arithmetic with kiln's semantics (floor
// division, wrapping integers, contracted float ops), comparisons, selects,
// intrinsics, ramps and broadcasts. Loads are in codegen_memory.cpp.
#include <llvm/ADT/APFloat.h>
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/codegen_internal.h"
#include "dsl/compute.h"
#include "base/error.h"

namespace kiln {

// ------------------------------------------------------------------ types

llvm::Type* CodeGenLLVM::llvm_type(Type t) {
  llvm::Type* e = nullptr;
  switch (t.code) {
    case TypeCode::Bool: e = builder_.getInt1Ty(); break;
    case TypeCode::Int:
    case TypeCode::UInt: e = builder_.getIntNTy(t.bits); break;
    case TypeCode::BFloat: e = builder_.getFloatTy(); break;
    case TypeCode::Float: e = t.bits == 64 ? builder_.getDoubleTy() : builder_.getFloatTy(); break;
  }
  internal_assert(e) << "no LLVM type for " << t.str();
  return t.lanes > 1 ? llvm::FixedVectorType::get(e, t.lanes) : e;
}

llvm::Type* CodeGenLLVM::storage_type(Type t) {
  llvm::Type* e = nullptr;
  if (t.is_bool()) {
    e = builder_.getInt8Ty();
  } else if (t.is_bfloat()) {
    e = builder_.getInt16Ty();
  } else if (t.is_float() && t.bits == 16) {
    e = builder_.getHalfTy();
  } else {
    return llvm_type(t);
  }
  return t.lanes > 1 ? llvm::FixedVectorType::get(e, t.lanes) : e;
}

// ----------------------------------------------------------------- halves

llvm::Value* CodeGenLLVM::round_to_half(llvm::Value* v) {
  llvm::Type* half = v->getType()->getWithNewType(builder_.getHalfTy());
  return builder_.CreateFPExt(builder_.CreateFPTrunc(v, half), v->getType());
}

llvm::Value* CodeGenLLVM::float_to_bfloat_bits(llvm::Value* v) {
  llvm::Type* i32 = v->getType()->getWithNewType(builder_.getInt32Ty());
  llvm::Type* i16 = v->getType()->getWithNewType(builder_.getInt16Ty());
  auto c = [&](uint32_t x) { return llvm::ConstantInt::get(i32, x); };
  llvm::Value* bits = builder_.CreateBitCast(v, i32);
  // Round to nearest even: add 0x7fff plus the lowest kept bit, keep the
  // upper half. NaN would round to inf, so it is kept quiet instead.
  llvm::Value* lsb = builder_.CreateAnd(builder_.CreateLShr(bits, c(16)), c(1));
  llvm::Value* rounded = builder_.CreateLShr(builder_.CreateAdd(bits, builder_.CreateAdd(lsb, c(0x7fff))), c(16));
  llvm::Value* quiet = builder_.CreateOr(builder_.CreateLShr(bits, c(16)), c(0x40));
  llvm::Value* is_nan = builder_.CreateFCmpUNO(v, v);
  return builder_.CreateTrunc(builder_.CreateSelect(is_nan, quiet, rounded), i16);
}

llvm::Value* CodeGenLLVM::bfloat_bits_to_float(llvm::Value* bits) {
  llvm::Type* i32 = bits->getType()->getWithNewType(builder_.getInt32Ty());
  llvm::Type* f32 = bits->getType()->getWithNewType(builder_.getFloatTy());
  llvm::Value* wide = builder_.CreateShl(builder_.CreateZExt(bits, i32), llvm::ConstantInt::get(i32, 16));
  return builder_.CreateBitCast(wide, f32);
}

llvm::Value* CodeGenLLVM::round_to_bfloat(llvm::Value* v) {
  return bfloat_bits_to_float(float_to_bfloat_bits(v));
}

llvm::Value* CodeGenLLVM::from_storage(llvm::Value* v, Type t) {
  if (t.is_bool()) return builder_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
  if (t.is_bfloat()) return bfloat_bits_to_float(v);
  if (t.is_float() && t.bits == 16) return builder_.CreateFPExt(v, llvm_type(t));
  return v;
}

llvm::Value* CodeGenLLVM::to_storage(llvm::Value* v, Type t) {
  if (t.is_bool()) return builder_.CreateZExt(v, storage_type(t));
  if (t.is_bfloat()) return float_to_bfloat_bits(v);
  if (t.is_float() && t.bits == 16) return builder_.CreateFPTrunc(v, storage_type(t));
  return v;
}

// ------------------------------------------------------------------ casts

llvm::Value* CodeGenLLVM::cast_value(llvm::Value* v, Type from, Type to) {
  if (from == to) return v;
  Type fe = from.element_of(), te = to.element_of();
  llvm::Type* dst = llvm_type(to);
  if (te.is_bool()) {
    if (fe.is_float()) return builder_.CreateFCmpUNE(v, llvm::Constant::getNullValue(v->getType()));
    return builder_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
  }
  if (fe.is_bool()) {
    return te.is_float() ? builder_.CreateUIToFP(v, dst) : builder_.CreateZExt(v, dst);
  }
  auto round_16 = [&](llvm::Value* f32) {
    if (te.is_bfloat()) return round_to_bfloat(f32);
    if (te.is_float() && te.bits == 16) return round_to_half(f32);
    return f32;
  };
  if (fe.is_float() && te.is_float()) {
    if (te.bits == 64) return fe.bits == 64 ? v : builder_.CreateFPExt(v, dst);
    if (fe.bits == 64) {
      if (te.is_float() && !te.is_bfloat() && te.bits == 16) {
        // Straight to half: one rounding, not two.
        llvm::Type* half = v->getType()->getWithNewType(builder_.getHalfTy());
        return builder_.CreateFPExt(builder_.CreateFPTrunc(v, half), dst);
      }
      return round_16(builder_.CreateFPTrunc(v, dst));
    }
    // f16, bf16 and f32 all live in f32 registers; a 16-bit source value is
    // exactly representable, so only narrowing rounds.
    return round_16(v);
  }
  if (fe.is_float()) {
    // Toward zero, as C; out-of-range values give unspecified results.
    return te.is_int() ? builder_.CreateFPToSI(v, dst) : builder_.CreateFPToUI(v, dst);
  }
  if (te.is_float()) {
    llvm::Value* f = fe.is_int() ? builder_.CreateSIToFP(v, dst) : builder_.CreateUIToFP(v, dst);
    return te.bits == 16 ? round_16(f) : f;
  }
  // Integer to integer: wrap when narrowing, extend by the source's sign.
  if (te.bits < fe.bits) return builder_.CreateTrunc(v, dst);
  if (te.bits > fe.bits) return fe.is_int() ? builder_.CreateSExt(v, dst) : builder_.CreateZExt(v, dst);
  return v;  // same width, other signedness: same bits
}

// -------------------------------------------------------------- constants

void CodeGenLLVM::visit(const IntImm* op) {
  value_ = llvm::ConstantInt::get(llvm_type(op->type), static_cast<uint64_t>(op->value),
                                  op->type.is_int());
}

void CodeGenLLVM::visit(const FloatImm* op) {
  Type t = op->type;
  if (t.bits == 64) {
    value_ = llvm::ConstantFP::get(builder_.getDoubleTy(), op->value);
    return;
  }
  // A 16-bit constant is a 16-bit value: round it, then hold it as f32.
  llvm::APFloat f(op->value);
  bool lost = false;
  if (t.bits == 16) {
    f.convert(t.is_bfloat() ? llvm::APFloat::BFloat() : llvm::APFloat::IEEEhalf(),
              llvm::APFloat::rmNearestTiesToEven, &lost);
  }
  f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
  value_ = llvm::ConstantFP::get(ctx_, f);
}

void CodeGenLLVM::visit(const Var* op) { value_ = lookup_var(op->name); }

void CodeGenLLVM::visit(const Cast* op) {
  value_ = cast_value(codegen(op->value), op->value.type(), op->type);
}

// ------------------------------------------------------------- arithmetic

void CodeGenLLVM::visit(const Add* op) {
  llvm::Value* a = codegen(op->a);
  llvm::Value* b = codegen(op->b);
  value_ = op->type.is_float() ? builder_.CreateFAdd(a, b) : builder_.CreateAdd(a, b);
}

void CodeGenLLVM::visit(const Sub* op) {
  llvm::Value* a = codegen(op->a);
  llvm::Value* b = codegen(op->b);
  value_ = op->type.is_float() ? builder_.CreateFSub(a, b) : builder_.CreateSub(a, b);
}

void CodeGenLLVM::visit(const Mul* op) {
  llvm::Value* a = codegen(op->a);
  llvm::Value* b = codegen(op->b);
  value_ = op->type.is_float() ? builder_.CreateFMul(a, b) : builder_.CreateMul(a, b);
}

void CodeGenLLVM::visit(const Div* op) { value_ = codegen_div(op->a, op->b, op->type); }

void CodeGenLLVM::visit(const Mod* op) { value_ = codegen_mod(op->a, op->b, op->type); }

namespace {
/// log2(v) when v is a positive power of two, else -1.
int power_of_two(int64_t v) {
  if (v <= 0 || (v & (v - 1)) != 0) return -1;
  int k = 0;
  while ((int64_t(1) << k) != v) k++;
  return k;
}
}  // namespace

llvm::Value* CodeGenLLVM::codegen_div(const Expr& a_expr, const Expr& b_expr, Type t) {
  internal_assert(!t.is_bool()) << "division of bools";
  int64_t c = 0;
  bool b_const = as_const_int(b_expr, &c);
  llvm::Value* a = codegen(a_expr);
  if (t.is_int() && b_const && power_of_two(c) >= 0) {
    // Floor division by 2^k is an arithmetic shift.
    return builder_.CreateAShr(a, llvm::ConstantInt::get(a->getType(), power_of_two(c)));
  }
  llvm::Value* b = codegen(b_expr);
  if (t.is_float()) return builder_.CreateFDiv(a, b);
  if (load_mask_ && t.is_vector() && !b_const) {
    // Lanes outside a guarded select arm may divide by zero; give them 1.
    b = builder_.CreateSelect(load_mask_, b, llvm::ConstantInt::get(b->getType(), 1));
  }
  if (t.is_uint()) return builder_.CreateUDiv(a, b);
  // Truncating division rounds toward zero; step down by one where the
  // remainder is non-zero and has the other sign than the divisor.
  llvm::Value* q = builder_.CreateSDiv(a, b);
  llvm::Value* r = builder_.CreateSRem(a, b);
  llvm::Value* zero = llvm::Constant::getNullValue(a->getType());
  llvm::Value* fix = builder_.CreateAnd(builder_.CreateICmpNE(r, zero),
                                        builder_.CreateICmpSLT(builder_.CreateXor(r, b), zero));
  return builder_.CreateSelect(fix, builder_.CreateSub(q, llvm::ConstantInt::get(a->getType(), 1)), q);
}

llvm::Value* CodeGenLLVM::codegen_mod(const Expr& a_expr, const Expr& b_expr, Type t) {
  internal_assert(!t.is_bool()) << "modulo of bools";
  int64_t c = 0;
  bool b_const = as_const_int(b_expr, &c);
  llvm::Value* a = codegen(a_expr);
  if (t.is_int() && b_const && power_of_two(c) >= 0) {
    // Floor modulo by 2^k keeps the low k bits, also for negative a.
    return builder_.CreateAnd(a, llvm::ConstantInt::get(a->getType(), c - 1));
  }
  llvm::Value* b = codegen(b_expr);
  if (t.is_float()) {
    // a - b * floor(a / b): the result has the sign of b, as for integers.
    llvm::Value* q = builder_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, builder_.CreateFDiv(a, b));
    return builder_.CreateFSub(a, builder_.CreateFMul(b, q));
  }
  if (load_mask_ && t.is_vector() && !b_const) {
    b = builder_.CreateSelect(load_mask_, b, llvm::ConstantInt::get(b->getType(), 1));
  }
  if (t.is_uint()) return builder_.CreateURem(a, b);
  llvm::Value* r = builder_.CreateSRem(a, b);
  llvm::Value* zero = llvm::Constant::getNullValue(a->getType());
  llvm::Value* fix = builder_.CreateAnd(builder_.CreateICmpNE(r, zero),
                                        builder_.CreateICmpSLT(builder_.CreateXor(r, b), zero));
  return builder_.CreateSelect(fix, builder_.CreateAdd(r, b), r);
}

// Float min/max are `a < b ? a : b` and `a > b ? a : b` with ordered
// compares: when either operand is NaN the result is b. That is exactly
// x86's minps/maxps, so each is one instruction.
void CodeGenLLVM::visit(const Min* op) {
  llvm::Value* a = codegen(op->a);
  llvm::Value* b = codegen(op->b);
  Type t = op->type;
  llvm::Value* lt = t.is_float() ? builder_.CreateFCmpOLT(a, b)
                    : t.is_int() ? builder_.CreateICmpSLT(a, b)
                                 : builder_.CreateICmpULT(a, b);
  value_ = builder_.CreateSelect(lt, a, b);
}

void CodeGenLLVM::visit(const Max* op) {
  llvm::Value* a = codegen(op->a);
  llvm::Value* b = codegen(op->b);
  Type t = op->type;
  llvm::Value* gt = t.is_float() ? builder_.CreateFCmpOGT(a, b)
                    : t.is_int() ? builder_.CreateICmpSGT(a, b)
                                 : builder_.CreateICmpUGT(a, b);
  value_ = builder_.CreateSelect(gt, a, b);
}

// ------------------------------------------------------------ comparisons

llvm::Value* CodeGenLLVM::codegen_compare(IRKind kind, const Expr& a_expr, const Expr& b_expr) {
  using P = llvm::CmpInst::Predicate;
  Type t = a_expr.type();
  llvm::Value* a = codegen(a_expr);
  llvm::Value* b = codegen(b_expr);
  P p = P::BAD_ICMP_PREDICATE;
  // Float compares are ordered (false on NaN) except !=, which is true on
  // NaN, as in C.
  bool f = t.is_float(), s = t.is_int();
  switch (kind) {
    case IRKind::EQ: p = f ? P::FCMP_OEQ : P::ICMP_EQ; break;
    case IRKind::NE: p = f ? P::FCMP_UNE : P::ICMP_NE; break;
    case IRKind::LT: p = f ? P::FCMP_OLT : s ? P::ICMP_SLT : P::ICMP_ULT; break;
    case IRKind::LE: p = f ? P::FCMP_OLE : s ? P::ICMP_SLE : P::ICMP_ULE; break;
    case IRKind::GT: p = f ? P::FCMP_OGT : s ? P::ICMP_SGT : P::ICMP_UGT; break;
    case IRKind::GE: p = f ? P::FCMP_OGE : s ? P::ICMP_SGE : P::ICMP_UGE; break;
    default: internal_error << "not a comparison: " << ir_kind_name(kind);
  }
  return f ? builder_.CreateFCmp(p, a, b) : builder_.CreateICmp(p, a, b);
}

void CodeGenLLVM::visit(const EQ* op) { value_ = codegen_compare(IRKind::EQ, op->a, op->b); }
void CodeGenLLVM::visit(const NE* op) { value_ = codegen_compare(IRKind::NE, op->a, op->b); }
void CodeGenLLVM::visit(const LT* op) { value_ = codegen_compare(IRKind::LT, op->a, op->b); }
void CodeGenLLVM::visit(const LE* op) { value_ = codegen_compare(IRKind::LE, op->a, op->b); }
void CodeGenLLVM::visit(const GT* op) { value_ = codegen_compare(IRKind::GT, op->a, op->b); }
void CodeGenLLVM::visit(const GE* op) { value_ = codegen_compare(IRKind::GE, op->a, op->b); }

void CodeGenLLVM::visit(const And* op) {
  llvm::Value* a = codegen(op->a);
  value_ = builder_.CreateAnd(a, codegen(op->b));
}

void CodeGenLLVM::visit(const Or* op) {
  llvm::Value* a = codegen(op->a);
  value_ = builder_.CreateOr(a, codegen(op->b));
}

void CodeGenLLVM::visit(const Not* op) { value_ = builder_.CreateNot(codegen(op->a)); }

// ---------------------------------------------------------------- selects

namespace {
/// Whether evaluating e could fault where its select arm is not taken:
/// it loads (if_then_else padding reads out of bounds there) or divides
/// integers by a non-constant.
class FindUnsafe : public IRVisitor {
 public:
  bool found = false;

 protected:
  using IRVisitor::visit;
  void visit(const Load*) override { found = true; }
  void visit(const Div* op) override { check_division(op->b, op->type); IRVisitor::visit(op); }
  void visit(const Mod* op) override { check_division(op->b, op->type); IRVisitor::visit(op); }

 private:
  void check_division(const Expr& b, Type t) {
    int64_t c;
    if (!t.is_float() && !as_const_int(b, &c)) found = true;
  }
};

bool is_unsafe(const Expr& e) {
  FindUnsafe f;
  f.visit_expr(e);
  return f.found;
}
}  // namespace

llvm::Value* CodeGenLLVM::codegen_select(const Select* op) {
  llvm::Value* cond = codegen(op->condition);
  if (!is_unsafe(op->true_value) && !is_unsafe(op->false_value)) {
    llvm::Value* t = codegen(op->true_value);
    return builder_.CreateSelect(cond, t, codegen(op->false_value));
  }
  if (op->condition.type().is_scalar()) {
    // Only the taken arm runs.
    llvm::BasicBlock* then_bb = llvm::BasicBlock::Create(ctx_, "select.true", fs_.fn);
    llvm::BasicBlock* else_bb = llvm::BasicBlock::Create(ctx_, "select.false", fs_.fn);
    llvm::BasicBlock* after_bb = llvm::BasicBlock::Create(ctx_, "select.end", fs_.fn);
    builder_.CreateCondBr(cond, then_bb, else_bb);
    builder_.SetInsertPoint(then_bb);
    llvm::Value* t = codegen(op->true_value);
    llvm::BasicBlock* t_end = builder_.GetInsertBlock();
    builder_.CreateBr(after_bb);
    builder_.SetInsertPoint(else_bb);
    llvm::Value* f = codegen(op->false_value);
    llvm::BasicBlock* f_end = builder_.GetInsertBlock();
    builder_.CreateBr(after_bb);
    builder_.SetInsertPoint(after_bb);
    llvm::PHINode* phi = builder_.CreatePHI(t->getType(), 2);
    phi->addIncoming(t, t_end);
    phi->addIncoming(f, f_end);
    return phi;
  }
  // A vector condition: each arm's loads are masked to the lanes that take it.
  llvm::Value* outer = load_mask_;
  llvm::Value* not_cond = builder_.CreateNot(cond);
  load_mask_ = outer ? builder_.CreateAnd(outer, cond) : cond;
  llvm::Value* t = codegen(op->true_value);
  load_mask_ = outer ? builder_.CreateAnd(outer, not_cond) : not_cond;
  llvm::Value* f = codegen(op->false_value);
  load_mask_ = outer;
  return builder_.CreateSelect(cond, t, f);
}

void CodeGenLLVM::visit(const Select* op) { value_ = codegen_select(op); }

// ------------------------------------------------------------- intrinsics

llvm::Value* CodeGenLLVM::call_libm(const std::string& name, llvm::Value* x) {
  llvm::Type* d = builder_.getDoubleTy();
  llvm::FunctionCallee fn = module_->getOrInsertFunction(name, llvm::FunctionType::get(d, {d}, false));
  if (!x->getType()->isVectorTy()) return builder_.CreateCall(fn, {x});
  auto* vt = llvm::cast<llvm::FixedVectorType>(x->getType());
  llvm::Value* out = llvm::PoisonValue::get(vt);
  for (unsigned i = 0; i < vt->getNumElements(); i++) {
    llvm::Value* lane = builder_.CreateCall(fn, {builder_.CreateExtractElement(x, i)});
    out = builder_.CreateInsertElement(out, lane, i);
  }
  return out;
}

llvm::Value* CodeGenLLVM::codegen_call(const Call* op) {
  using llvm::Intrinsic::ID;
  Type t = op->type;
  std::vector<llvm::Value*> args;
  for (const Expr& a : op->args) args.push_back(codegen(a));
  auto unary = [&](ID id) { return builder_.CreateUnaryIntrinsic(id, args[0]); };
  // f16/bf16 math runs in f32 registers: only f64 takes the double paths.
  bool is_f64 = t.is_float() && t.bits == 64;
  switch (op->op) {
    case Intrinsic::Likely: return args[0];
    case Intrinsic::Abs:
      if (t.is_float()) return unary(llvm::Intrinsic::fabs);
      if (t.is_int()) {
        return builder_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, args[0], builder_.getFalse());
      }
      return args[0];
    case Intrinsic::Sqrt: return unary(llvm::Intrinsic::sqrt);
    case Intrinsic::Floor: return unary(llvm::Intrinsic::floor);
    case Intrinsic::Ceil: return unary(llvm::Intrinsic::ceil);
    case Intrinsic::Rsqrt:
      return builder_.CreateFDiv(llvm::ConstantFP::get(args[0]->getType(), 1.0),
                                 unary(llvm::Intrinsic::sqrt));
    case Intrinsic::Fma:
      return builder_.CreateIntrinsic(llvm::Intrinsic::fma, {args[0]->getType()}, args);
    case Intrinsic::Pow:
      return builder_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, args[0], args[1]);
    case Intrinsic::Exp: return is_f64 ? unary(llvm::Intrinsic::exp) : emit_exp_f32(builder_, args[0]);
    case Intrinsic::Log: return is_f64 ? unary(llvm::Intrinsic::log) : emit_log_f32(builder_, args[0]);
    case Intrinsic::Tanh: return is_f64 ? call_libm("tanh", args[0]) : emit_tanh_f32(builder_, args[0]);
    case Intrinsic::Erf: return is_f64 ? call_libm("erf", args[0]) : emit_erf_f32(builder_, args[0]);
    case Intrinsic::GPUBarrier: break;  // only CUDA kernels have barriers
    case Intrinsic::Prefetch: break;    // a statement: see visit(const Evaluate*)
  }
  internal_error << "unhandled intrinsic " << intrinsic_name(op->op);
  return nullptr;
}

void CodeGenLLVM::visit(const Call* op) {
  internal_assert(op->op == Intrinsic::Likely || op->op == Intrinsic::Abs || op->type.is_float())
      << intrinsic_name(op->op) << " of " << op->type.str() << " (math intrinsics take floats)";
  value_ = codegen_call(op);
}

// ------------------------------------------------------- lets and vectors

void CodeGenLLVM::visit(const Let* op) {
  llvm::Value* v = codegen(op->value);
  push_var(op->name, v);
  value_ = codegen(op->body);
  pop_var(op->name);
}

void CodeGenLLVM::visit(const Ramp* op) {
  llvm::Value* base = codegen(op->base);
  llvm::Value* stride = codegen(op->stride);
  llvm::Type* elem = base->getType();
  std::vector<llvm::Constant*> steps;
  for (int i = 0; i < op->lanes; i++) {
    steps.push_back(elem->isFloatingPointTy() ? llvm::ConstantFP::get(elem, i)
                                              : llvm::ConstantInt::get(elem, i));
  }
  llvm::Value* lanes = llvm::ConstantVector::get(steps);
  llvm::Value* b = builder_.CreateVectorSplat(op->lanes, base);
  llvm::Value* s = builder_.CreateVectorSplat(op->lanes, stride);
  value_ = elem->isFloatingPointTy() ? builder_.CreateFAdd(b, builder_.CreateFMul(s, lanes))
                                     : builder_.CreateAdd(b, builder_.CreateMul(s, lanes));
}

void CodeGenLLVM::visit(const Broadcast* op) {
  value_ = builder_.CreateVectorSplat(op->lanes, codegen(op->value));
}

void CodeGenLLVM::visit(const TensorLoad* op) {
  internal_error << "TensorLoad of " << op->op->name << " reached codegen; lowering must flatten it";
}

void CodeGenLLVM::visit(const Reduce*) {
  internal_error << "Reduce reached codegen; lowering must turn it into loops";
}

}  // namespace kiln
