#pragma once
/// \file
/// Scalar and vector types of kiln expressions.

#include <cstdint>
#include <string>

namespace kiln {

/// The kind of number a Type holds.
enum class TypeCode : uint8_t { Int, UInt, Float, BFloat, Bool };

/// A scalar or vector type: a code, bits per lane and a lane count. Lanes
/// above one appear only after lowering (vectorization).
///
/// f16 and bf16 are storage types: arithmetic on them happens in f32
/// precision and is rounded to 16 bits only where a value is stored or cast.
/// The reference interpreter and the code generators follow the same rule, so
/// their results agree to f16/bf16 rounding.
struct Type {
  TypeCode code = TypeCode::Int;
  uint8_t bits = 32;
  uint16_t lanes = 1;

  constexpr Type() = default;
  constexpr Type(TypeCode c, int b, int l = 1)
      : code(c), bits(static_cast<uint8_t>(b)), lanes(static_cast<uint16_t>(l)) {}

  bool is_int() const { return code == TypeCode::Int; }
  bool is_uint() const { return code == TypeCode::UInt; }
  /// Signed or unsigned integer (not bool).
  bool is_int_or_uint() const { return is_int() || is_uint(); }
  /// f16, f32, f64 or bf16.
  bool is_float() const { return code == TypeCode::Float || code == TypeCode::BFloat; }
  bool is_bfloat() const { return code == TypeCode::BFloat; }
  bool is_bool() const { return code == TypeCode::Bool; }
  bool is_scalar() const { return lanes == 1; }
  bool is_vector() const { return lanes > 1; }
  /// f16 or bf16: computed in f32, rounded on store and cast.
  bool is_half_storage() const { return is_float() && bits == 16; }

  Type with_lanes(int l) const { return Type(code, bits, l); }
  Type element_of() const { return Type(code, bits, 1); }
  /// Bytes one lane occupies in memory (bool takes one byte).
  int bytes() const { return is_bool() ? 1 : bits / 8; }

  bool operator==(const Type& o) const {
    return code == o.code && bits == o.bits && lanes == o.lanes;
  }
  bool operator!=(const Type& o) const { return !(*this == o); }

  /// "f32", "i64", "bf16", "bool", "f32x16".
  std::string str() const;
};

constexpr Type f16() { return Type(TypeCode::Float, 16); }
constexpr Type bf16() { return Type(TypeCode::BFloat, 16); }
constexpr Type f32() { return Type(TypeCode::Float, 32); }
constexpr Type f64() { return Type(TypeCode::Float, 64); }
constexpr Type i8() { return Type(TypeCode::Int, 8); }
constexpr Type i16() { return Type(TypeCode::Int, 16); }
constexpr Type i32() { return Type(TypeCode::Int, 32); }
constexpr Type i64() { return Type(TypeCode::Int, 64); }
constexpr Type u8() { return Type(TypeCode::UInt, 8); }
constexpr Type u16() { return Type(TypeCode::UInt, 16); }
constexpr Type u32() { return Type(TypeCode::UInt, 32); }
constexpr Type u64() { return Type(TypeCode::UInt, 64); }
constexpr Type boolean() { return Type(TypeCode::Bool, 1); }

/// The type of loop variables, sizes and indices.
constexpr Type index_type() { return i64(); }

/// Parses "f32", "bf16", "i8", "u64", "bool", "f32x8"; throws UserError
/// naming the bad string and the accepted ones.
Type parse_type(const std::string& s);

}  // namespace kiln
