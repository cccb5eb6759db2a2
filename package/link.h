#pragma once
/// \file
/// Turning a package's kernel objects and wrapper source into lib<name>.so
/// and lib<name>.a with the system C compiler and archiver, run as
/// subprocesses, with kiln's LLVM-free runtime (libkiln_runtime.a) linked
/// in. The shared library exports only the header's functions.

#include <string>
#include <vector>

namespace kiln {

/// libkiln_runtime.a: $KILN_RUNTIME_LIB when set, else the one next to the
/// libkiln this process runs (the build directory or the install's lib
/// directory). Throws UserError saying where it looked.
std::string find_runtime_library();

/// What to link.
struct LinkInputs {
  std::string name;                   ///< the package name: lib<name>.so
  std::string out_dir;                ///< where lib<name>.so and .a go
  std::string include_dir;            ///< holds <name>.h and dlpack.h
  std::string wrapper_source;         ///< the generated C wrapper
  std::vector<std::string> objects;   ///< kernel object files
  std::vector<std::string> exported;  ///< symbols the .so exports
  std::string work_dir;               ///< scratch: logs, wrapper object, version script
};

/// Compiles the wrapper ($CC, else cc) and writes both libraries. Throws
/// UserError with the tool's output when a step fails.
void link_package(const LinkInputs& in);

/// Runs a shell command; on failure throws UserError naming `what` and
/// quoting the end of its output. Returns the output.
std::string run_tool(const std::string& command, const std::string& what, const std::string& log_path);

/// s quoted for the shell.
std::string shell_quote(const std::string& s);

}  // namespace kiln
