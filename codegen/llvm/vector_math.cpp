// f32 exp, log, tanh and erf as straight-line IR. libm calls would stop
// vectorization (each lane a call); these work on scalars and vectors alike
// with selects instead of branches.
//
// Accuracy, measured against double-precision libm over the whole range
// (tests/codegen/vector_math.cpp checks it):
//   exp  relative error about 1e-7 (about one ulp), denormal results and
//        overflow to inf included;
//   log  relative error about 1e-7;
//   tanh absolute error about 1e-7;
//   erf  absolute error about 1e-7 (fitted here: Chebyshev interpolants of
//        erf(x)/x in x^2 on [0, 1] and of erf on [1, 3.92], where erf
//        rounds to 1 in f32).
// The builder's `contract` flag lets every p * x + c become one FMA.
#include "codegen/llvm/codegen_internal.h"

#include <llvm/IR/Intrinsics.h>

#include <initializer_list>
#include <limits>

namespace kiln {

namespace {

llvm::Value* fconst(llvm::Value* like, double v) { return llvm::ConstantFP::get(like->getType(), v); }

llvm::Value* iconst(llvm::IRBuilder<>& b, llvm::Value* like, uint32_t v) {
  return llvm::ConstantInt::get(like->getType()->getWithNewType(b.getInt32Ty()), v);
}

/// Horner's rule: ((c0 * t + c1) * t + c2) ..., coefficients from the
/// highest power down.
llvm::Value* horner(llvm::IRBuilder<>& b, llvm::Value* t, std::initializer_list<double> coeffs) {
  auto it = coeffs.begin();
  llvm::Value* p = fconst(t, *it++);
  for (; it != coeffs.end(); ++it) p = b.CreateFAdd(b.CreateFMul(p, t), fconst(t, *it));
  return p;
}

/// x < lo ? lo : x, then > hi. A NaN x stays NaN (both compares are false).
llvm::Value* clamp(llvm::IRBuilder<>& b, llvm::Value* x, double lo, double hi) {
  x = b.CreateSelect(b.CreateFCmpOLT(x, fconst(x, lo)), fconst(x, lo), x);
  return b.CreateSelect(b.CreateFCmpOGT(x, fconst(x, hi)), fconst(x, hi), x);
}

llvm::Value* as_int(llvm::IRBuilder<>& b, llvm::Value* x) {
  return b.CreateBitCast(x, x->getType()->getWithNewType(b.getInt32Ty()));
}

llvm::Value* as_float(llvm::IRBuilder<>& b, llvm::Value* i) {
  return b.CreateBitCast(i, i->getType()->getWithNewType(b.getFloatTy()));
}

}  // namespace

llvm::Value* emit_exp_f32(llvm::IRBuilder<>& b, llvm::Value* x) {
  // Below -104 the result rounds to 0; above 88.8 to inf (2^n overflows).
  x = clamp(b, x, -104.0, 88.8);
  // n = round(x / ln 2) by the 1.5 * 2^23 trick: adding it leaves n in the
  // low mantissa bits, read back as an integer without fptosi (which would
  // be poison for NaN).
  const double magic = 12582912.0;
  llvm::Value* t = b.CreateFAdd(b.CreateFMul(x, fconst(x, 1.44269504088896341)), fconst(x, magic));
  llvm::Value* n = b.CreateFSub(t, fconst(x, magic));
  // r = x - n ln 2 in two parts (Cody-Waite), |r| <= ln 2 / 2.
  llvm::Value* r = b.CreateFSub(x, b.CreateFMul(n, fconst(x, 0.693359375)));
  r = b.CreateFSub(r, b.CreateFMul(n, fconst(x, -2.12194440e-4)));
  // Cephes expf polynomial: e^r = 1 + r + r^2 P(r).
  llvm::Value* p = horner(b, r, {1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1});
  llvm::Value* y = b.CreateFAdd(b.CreateFAdd(b.CreateFMul(p, b.CreateFMul(r, r)), r), fconst(x, 1.0));
  // 2^n as two factors 2^n1 * 2^n2, each a normal float even for n = -150
  // or 128: one factor alone could not reach denormals or overflow.
  llvm::Value* ni = b.CreateSub(as_int(b, t), iconst(b, t, 0x4B400000));
  llvm::Value* n1 = b.CreateAShr(ni, iconst(b, ni, 1));
  llvm::Value* n2 = b.CreateSub(ni, n1);
  auto pow2 = [&](llvm::Value* k) {
    return as_float(b, b.CreateShl(b.CreateAdd(k, iconst(b, k, 127)), iconst(b, k, 23)));
  };
  return b.CreateFMul(b.CreateFMul(y, pow2(n1)), pow2(n2));
}

llvm::Value* emit_log_f32(llvm::IRBuilder<>& b, llvm::Value* x) {
  // Denormals: scale by 2^23 first so the exponent field is meaningful.
  llvm::Value* denormal = b.CreateFCmpOLT(x, fconst(x, 1.17549435e-38));
  llvm::Value* xs = b.CreateSelect(denormal, b.CreateFMul(x, fconst(x, 8388608.0)), x);
  llvm::Value* bits = as_int(b, xs);
  // x = m * 2^e with m in [0.5, 1).
  llvm::Value* e = b.CreateSub(b.CreateLShr(bits, iconst(b, bits, 23)), iconst(b, bits, 126));
  e = b.CreateSub(e, b.CreateSelect(denormal, iconst(b, bits, 23), iconst(b, bits, 0)));
  llvm::Value* m = as_float(b, b.CreateOr(b.CreateAnd(bits, iconst(b, bits, 0x007FFFFF)),
                                          iconst(b, bits, 0x3F000000)));
  // Move m to [sqrt(1/2), sqrt(2)) and take f = m - 1, so log(1 + f) is
  // accurate near x = 1.
  llvm::Value* small = b.CreateFCmpOLT(m, fconst(x, 0.707106781186547524));
  e = b.CreateSub(e, b.CreateSelect(small, iconst(b, bits, 1), iconst(b, bits, 0)));
  llvm::Value* f = b.CreateFSub(b.CreateSelect(small, b.CreateFAdd(m, m), m), fconst(x, 1.0));
  llvm::Value* ef = b.CreateSIToFP(e, x->getType());
  llvm::Value* z = b.CreateFMul(f, f);
  // Cephes logf: log(1 + f) = f - f^2 / 2 + f^3 P(f).
  llvm::Value* p = horner(b, f, {7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                                 -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                                 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1});
  llvm::Value* y = b.CreateFMul(b.CreateFMul(p, f), z);
  y = b.CreateFAdd(y, b.CreateFMul(ef, fconst(x, -2.12194440e-4)));
  y = b.CreateFSub(y, b.CreateFMul(z, fconst(x, 0.5)));
  llvm::Value* r = b.CreateFAdd(f, y);
  r = b.CreateFAdd(r, b.CreateFMul(ef, fconst(x, 0.693359375)));
  // Specials: log(+inf) = inf, log(negative) = NaN, log(+-0) = -inf, NaN.
  double inf = std::numeric_limits<double>::infinity();
  r = b.CreateSelect(b.CreateFCmpOEQ(x, fconst(x, inf)), fconst(x, inf), r);
  r = b.CreateSelect(b.CreateFCmpOLT(x, fconst(x, 0.0)),
                     fconst(x, std::numeric_limits<double>::quiet_NaN()), r);
  r = b.CreateSelect(b.CreateFCmpOEQ(x, fconst(x, 0.0)), fconst(x, -inf), r);
  return b.CreateSelect(b.CreateFCmpUNO(x, x), x, r);
}

llvm::Value* emit_tanh_f32(llvm::IRBuilder<>& b, llvm::Value* x) {
  llvm::Value* ax = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  // Small |x|: Cephes tanhf's odd polynomial, x + x^3 P(x^2); the formula
  // below would lose bits to cancellation there.
  llvm::Value* z = b.CreateFMul(x, x);
  llvm::Value* p = horner(b, z, {-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2,
                                 1.33314422036e-1, -3.33332819422e-1});
  llvm::Value* near = b.CreateFAdd(b.CreateFMul(b.CreateFMul(p, z), x), x);
  // Otherwise 1 - 2 / (e^{2|x|} + 1) with x's sign; e^{2|x|} = inf gives 1.
  llvm::Value* e = emit_exp_f32(b, b.CreateFAdd(ax, ax));
  llvm::Value* far = b.CreateFSub(fconst(x, 1.0),
                                  b.CreateFDiv(fconst(x, 2.0), b.CreateFAdd(e, fconst(x, 1.0))));
  far = b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, far, x);
  return b.CreateSelect(b.CreateFCmpOLT(ax, fconst(x, 0.625)), near, far);
}

llvm::Value* emit_erf_f32(llvm::IRBuilder<>& b, llvm::Value* x) {
  llvm::Value* ax = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  // |x| < 1: erf(x) = x Q(t), t = 2 x^2 - 1 in [-1, 1].
  llvm::Value* t1 = b.CreateFSub(b.CreateFMul(b.CreateFMul(x, x), fconst(x, 2.0)), fconst(x, 1.0));
  llvm::Value* q = horner(b, t1, {1.23164023e-06, -1.7669081e-05, 0.000217511988, -0.0022854195,
                                  0.0198524985, -0.1405361, 0.965468764});
  llvm::Value* inner = b.CreateFMul(x, q);
  // 1 <= |x| < 3.92: erf(|x|) = R(t), t = (|x| - 2.46) / 1.46 in [-1, 1].
  llvm::Value* t2 = b.CreateFSub(b.CreateFMul(ax, fconst(x, 0.684931517)),
                                 fconst(x, 2.46 * 0.684931517));
  llvm::Value* r = horner(b, t2, {-0.000859919412, 0.00162961299, 0.00228384067, -0.00908387918,
                                  0.00806570984, 0.00652690465, -0.0286989734, 0.0450977907,
                                  -0.0450053737, 0.0306010973, -0.0139316022, 0.00387806492,
                                  0.999496698});
  // Beyond 3.92 erf rounds to 1 in f32.
  r = b.CreateSelect(b.CreateFCmpOLT(ax, fconst(x, 3.92)), r, fconst(x, 1.0));
  llvm::Value* outer = b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, r, x);
  llvm::Value* result = b.CreateSelect(b.CreateFCmpOLT(ax, fconst(x, 1.0)), inner, outer);
  return b.CreateSelect(b.CreateFCmpUNO(x, x), x, result);
}

}  // namespace kiln
