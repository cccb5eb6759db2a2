#pragma once
/// \file
/// The package spec: which ops, at which sizes, a package holds. Read from
/// JSON such as
///
///   {"name": "myops", "target": "llvm",
///    "ops": [{"op": "matmul", "shape": {"M": 64, "N": "N", "K": 32}},
///            {"op": "matmul", "shape": {"M": 64, "N": 128, "K": 32}},
///            {"op": "softmax", "shape": {"M": 16, "N": 100}}]}
///
/// In "shape", an integer fixes a parameter, a string equal to the
/// parameter's name leaves that size free (one kernel runs on any value),
/// and an op's string options (dtype, layout, ...) are given by name, as in
/// `kiln bench --shape`. Parameters not given take the op's defaults.
/// Entries of one op with the same options and structural parameters make
/// one C function that dispatches on the sizes of the tensors it is given:
/// the most specialized kernel that fits runs. An entry may set "name" to
/// give its function another name (needed when two entries of one op
/// differ in options or structural parameters).

#include <string>
#include <vector>

#include "ops/op.h"

namespace kiln {

/// One entry of "ops": an op with some sizes fixed and some free.
struct PackageEntry {
  const Op* op = nullptr;
  /// The C function's name without the package prefix ("matmul").
  std::string function;
  /// Every integer parameter that is fixed: given as a number, or not
  /// given (its default). Free sizes are absent.
  OpSizes fixed;
  /// The parameters given as a name: they stay size vars in the kernel.
  std::vector<std::string> free;
  /// Every option, resolved (defaults filled in).
  OpOptions options;
  /// Position in the spec's "ops" (0-based), for messages.
  int index = 0;
};

struct PackageSpec {
  std::string name;    ///< a C identifier: prefix of every exported symbol
  std::string target;  ///< "llvm" (the host), "llvm -mcpu=..." or "cuda -arch=sm_XX"
  std::vector<PackageEntry> entries;
};

/// Parses and validates a spec from JSON text. `origin` names the source in
/// messages (a file name). Throws UserError naming the entry and field that
/// is wrong and saying what is accepted.
PackageSpec parse_package_spec(const std::string& json_text, const std::string& origin = "spec");

/// Reads and parses a spec file.
PackageSpec load_package_spec(const std::string& path);

/// True when s is a C identifier (letters, digits, '_', not starting with a
/// digit).
bool is_c_identifier_name(const std::string& s);

}  // namespace kiln
