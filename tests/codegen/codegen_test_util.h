#pragma once
// Helpers for the LLVM backend tests: lowered functions built by hand from
// IR nodes (no scheduling or lowering involved), and small references.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "codegen/llvm/host_target.h"
#include "codegen/llvm/jit.h"
#include "dsl/ir.h"
#include "runtime/buffer.h"

namespace kiln {
namespace cgtest {

inline BufferArg input(const std::string& name, Type t, std::vector<Expr> shape) {
  return BufferArg{name, t, std::move(shape), false};
}
inline BufferArg output(const std::string& name, Type t, std::vector<Expr> shape) {
  return BufferArg{name, t, std::move(shape), true};
}

inline LoweredFunc make_func(const std::string& name, std::vector<BufferArg> args,
                             std::vector<std::string> size_vars, Stmt body) {
  LoweredFunc f;
  f.name = name;
  f.args = std::move(args);
  f.size_vars = std::move(size_vars);
  f.body = std::move(body);
  return f;
}

inline Expr var(const std::string& name) { return make_var(name); }
inline Expr idx(int64_t v) { return make_index(v); }
inline Expr f32c(double v) { return FloatImm::make(f32(), v); }
inline Expr i32c(int64_t v) { return IntImm::make(i32(), v); }

inline Stmt loop(const std::string& name, Expr min, Expr extent, Stmt body,
                 ForKind kind = ForKind::Serial) {
  return For::make(name, std::move(min), std::move(extent), kind, std::move(body));
}

/// Dense lanes [base, base + lanes).
inline Expr ramp(Expr base, int lanes) { return Ramp::make(std::move(base), idx(1), lanes); }

/// Reference floor division and modulo.
inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

/// Reference 16-bit float conversions (round to nearest even).
inline uint16_t to_half_bits(float f) {
  _Float16 h = static_cast<_Float16>(f);
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}
inline float from_half_bits(uint16_t bits) {
  _Float16 h;
  std::memcpy(&h, &bits, 2);
  return static_cast<float>(h);
}
inline uint16_t to_bfloat_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((u >> 16) | 0x40);
  return static_cast<uint16_t>((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}
inline float from_bfloat_bits(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline bool host_has_avx512() { return target_has_feature(host_target(), "avx512f"); }

}  // namespace cgtest
}  // namespace kiln
