#include "base/type.h"

#include "base/error.h"

namespace kiln {

std::string Type::str() const {
  std::string s;
  switch (code) {
    case TypeCode::Int: s = "i" + std::to_string(bits); break;
    case TypeCode::UInt: s = "u" + std::to_string(bits); break;
    case TypeCode::Float: s = "f" + std::to_string(bits); break;
    case TypeCode::BFloat: s = "bf" + std::to_string(bits); break;
    case TypeCode::Bool: s = "bool"; break;
  }
  if (lanes > 1) s += "x" + std::to_string(lanes);
  return s;
}

Type parse_type(const std::string& text) {
  static const char* kAccepted = "f16, bf16, f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, bool";
  std::string s = text;
  int lanes = 1;
  size_t x = s.find('x');
  if (x != std::string::npos) {
    try {
      lanes = std::stoi(s.substr(x + 1));
    } catch (...) {
      lanes = 0;
    }
    s = s.substr(0, x);
    if (lanes < 1) user_error << "bad dtype '" << text << "': the lane count after 'x' must be a positive integer";
  }
  Type t;
  if (s == "f16") t = f16();
  else if (s == "bf16") t = bf16();
  else if (s == "f32") t = f32();
  else if (s == "f64") t = f64();
  else if (s == "i8") t = i8();
  else if (s == "i16") t = i16();
  else if (s == "i32") t = i32();
  else if (s == "i64") t = i64();
  else if (s == "u8") t = u8();
  else if (s == "u16") t = u16();
  else if (s == "u32") t = u32();
  else if (s == "u64") t = u64();
  else if (s == "bool") t = boolean();
  else user_error << "unknown dtype '" << text << "'; expected one of " << kAccepted;
  return t.with_lanes(lanes);
}

}  // namespace kiln
