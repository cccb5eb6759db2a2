// The names packages and their functions may take. See names.h.
#include "package/names.h"

#include <cctype>
#include <set>

namespace kiln {
namespace {

/// Keywords of C (C17 and C23), C++ (C++20: the extension is C++) and
/// Python 3, where a name cannot be a variable or a function.
const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {
      // C
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
      "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
      "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "nullptr",
      "alignas", "alignof", "constexpr", "static_assert", "thread_local", "typeof",
      // C++
      "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t", "char16_t", "char32_t",
      "class", "compl", "concept", "consteval", "constinit", "const_cast", "co_await",
      "co_return", "co_yield", "decltype", "delete", "dynamic_cast", "explicit", "export",
      "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "operator", "or",
      "or_eq", "private", "protected", "public", "reinterpret_cast", "requires", "static_cast",
      "template", "this", "throw", "try", "typeid", "typename", "using", "virtual", "wchar_t",
      "xor", "xor_eq",
      // Python
      "False", "None", "True", "as", "assert", "async", "await", "def", "del", "elif",
      "except", "finally", "from", "global", "import", "in", "is", "lambda", "nonlocal", "pass",
      "raise", "with", "yield"};
  return k;
}

/// Modules the loader and the extension's build import: a package module
/// of that name would hide the real one.
const std::set<std::string>& imported_modules() {
  static const std::set<std::string> m = {"ctypes", "os", "sys", "numpy", "np", "torch",
                                          "setuptools"};
  return m;
}

/// Names the Python loader defines beside the functions, and C symbols
/// kiln generates as <pkg>_<name>.
const std::set<std::string>& loader_and_generated_names() {
  static const std::set<std::string> n = {
      "ctypes", "os", "np", "numpy", "torch", "KilnError", "DLDevice", "DLDataType", "DLTensor",
      "set_num_threads", "num_threads", "load_torch", "last_error"};
  return n;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// What every name needs: a C identifier of bounded length that is no
/// keyword and does not start with '_'.
std::string basic_problem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxPackageNameLength) {
    return "is " + std::to_string(name.size()) + " characters long; at most " +
           std::to_string(kMaxPackageNameLength);
  }
  if (std::isdigit(static_cast<unsigned char>(name[0])))
    return "starts with a digit; it must be a C identifier";
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return "must be a C identifier (letters, digits, '_')";
  }
  if (name[0] == '_') {
    return "starts with '_': such names are reserved in C and private in Python; start with a "
           "letter";
  }
  if (keywords().count(name))
    return "is a keyword of C, C++ or Python, which the generated code is written in";
  return "";
}

}  // namespace

std::string package_name_problem(const std::string& name) {
  std::string why = basic_problem(name);
  if (!why.empty()) return why;
  if (name == "kiln" || name == "dlpack")
    return "is taken by kiln's own library and headers (libkiln, dlpack.h)";
  if (imported_modules().count(name))
    return "would name the Python module " + name + ".py after a module the package imports";
  return "";
}

std::string function_name_problem(const std::string& name) {
  std::string why = basic_problem(name);
  if (!why.empty()) return why;
  if (loader_and_generated_names().count(name))
    return "is a name the Python loader or the C header already defines (" + name + ")";
  for (const char* tail : {"_output_shapes", "_sizes"}) {
    if (ends_with(name, tail))
      return std::string("ends with '") + tail + "', the suffix of functions kiln generates " +
             "for each function";
  }
  return "";
}

}  // namespace kiln
