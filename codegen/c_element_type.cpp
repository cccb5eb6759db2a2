#include "codegen/c_element_type.h"

namespace kiln {

std::string c_element_type(Type t) {
  switch (t.code) {
    case TypeCode::Bool: return "uint8_t";
    // 16-bit floats travel as their bits: C has no portable half type.
    case TypeCode::BFloat: return "uint16_t";
    case TypeCode::Float: return t.bits == 64 ? "double" : t.bits == 32 ? "float" : "uint16_t";
    case TypeCode::Int: return "int" + std::to_string(t.bits) + "_t";
    case TypeCode::UInt: return "uint" + std::to_string(t.bits) + "_t";
  }
  return "void";
}

}  // namespace kiln
