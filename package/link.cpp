// Linking a package. The system compiler does the linking (as a user's own
// build would), so the libraries come out exactly as `cc -shared` makes
// them; kiln only adds the runtime archive and a version script.
#include "package/link.h"

#include <dlfcn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "package/spec.h"

namespace kiln {

namespace fs = std::filesystem;

namespace {

std::string compiler() {
  const char* cc = std::getenv("CC");
  return cc && *cc ? cc : "cc";
}

std::string tail(const std::string& text, size_t max_chars) {
  return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
}

/// Something in libkiln, to find the file it was loaded from.
void locate_libkiln_anchor() {}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string run_tool(const std::string& command, const std::string& what, const std::string& log_path) {
  const int rc = std::system((command + " > " + shell_quote(log_path) + " 2>&1").c_str());
  std::ifstream log(log_path);
  std::stringstream text;
  text << log.rdbuf();
  if (rc != 0) {
    const int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    user_error << what << " failed (exit code " << code << "): " << command << "\n"
               << tail(text.str(), 3000) << "(full output in " << log_path << ")";
  }
  return text.str();
}

std::string find_runtime_library() {
  if (const char* env = std::getenv("KILN_RUNTIME_LIB")) {
    if (!fs::is_regular_file(env)) {
      user_error << "KILN_RUNTIME_LIB is '" << env << "', which is not a file; point it at "
                 << "libkiln_runtime.a or unset it";
    }
    return env;
  }
  Dl_info info{};
  std::string looked;
  if (dladdr(reinterpret_cast<void*>(&locate_libkiln_anchor), &info) && info.dli_fname) {
    const fs::path lib = fs::canonical(fs::path(info.dli_fname));
    const fs::path candidate = lib.parent_path() / "libkiln_runtime.a";
    if (fs::is_regular_file(candidate)) return candidate.string();
    looked = candidate.string();
  }
  user_error << "cannot find libkiln_runtime.a (looked at " << (looked.empty() ? "<unknown>" : looked)
             << ", next to libkiln); build the kiln_runtime target or set KILN_RUNTIME_LIB to "
             << "the archive's path";
  return "";
}

void link_package(const LinkInputs& in) {
  const std::string runtime = find_runtime_library();
  const fs::path work(in.work_dir);
  const std::string cc = compiler();

  const std::string wrapper_obj = (work / (in.name + "_wrapper.o")).string();
  run_tool(cc + " -std=c11 -O2 -fPIC -Wall -Werror=implicit-function-declaration -I" +
               shell_quote(in.include_dir) + " -c " + shell_quote(in.wrapper_source) + " -o " +
               shell_quote(wrapper_obj),
           "compiling the package's C wrapper", (work / "cc_wrapper.log").string());

  std::string objects = shell_quote(wrapper_obj);
  for (const std::string& o : in.objects) objects += " " + shell_quote(o);

  // Only the header's functions are global: kernels and the runtime's
  // symbols stay private, so two packages in one process do not collide.
  const std::string script = (work / (in.name + ".map")).string();
  {
    std::ofstream map(script);
    map << "{\n  global:\n";
    for (const std::string& s : in.exported) map << "    " << s << ";\n";
    map << "  local: *;\n};\n";
    if (!map) user_error << "cannot write " << script;
  }
  const std::string so = (fs::path(in.out_dir) / ("lib" + in.name + ".so")).string();
  run_tool(cc + " -shared -o " + shell_quote(so) + " " + objects + " " + shell_quote(runtime) +
               " -Wl,--version-script=" + shell_quote(script) + " -Wl,-soname,lib" + in.name +
               ".so -Wl,--no-undefined -lstdc++ -lpthread -ldl -lm",
           "linking lib" + in.name + ".so", (work / "cc_shared.log").string());

  // The archive holds the runtime's members too, so a static link needs
  // nothing from kiln.
  const fs::path members = work / "runtime_members";
  fs::remove_all(members);
  fs::create_directories(members);
  run_tool("cd " + shell_quote(members.string()) + " && ar x " + shell_quote(runtime),
           "unpacking " + runtime, (work / "ar_x.log").string());
  std::string runtime_objects;
  for (const auto& entry : fs::directory_iterator(members)) {
    runtime_objects += " " + shell_quote(entry.path().string());
  }
  const std::string a = (fs::path(in.out_dir) / ("lib" + in.name + ".a")).string();
  fs::remove(a);
  run_tool("ar rcs " + shell_quote(a) + " " + objects + runtime_objects,
           "archiving lib" + in.name + ".a", (work / "ar.log").string());
}

}  // namespace kiln
