// NVRTC through dlopen: the handful of entry points kiln uses, declared
// here with their C signatures so no CUDA header is needed to build kiln.
#include "codegen/cuda/nvrtc.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "base/error.h"

namespace kiln {
namespace {

using nvrtcResult = int;
using nvrtcProgram = struct _nvrtcProgram*;

struct Nvrtc {
  void* handle = nullptr;
  std::string error;
  nvrtcResult (*version)(int*, int*) = nullptr;
  const char* (*get_error_string)(nvrtcResult) = nullptr;
  nvrtcResult (*create_program)(nvrtcProgram*, const char*, const char*, int, const char* const*,
                                const char* const*) = nullptr;
  nvrtcResult (*compile_program)(nvrtcProgram, int, const char* const*) = nullptr;
  nvrtcResult (*get_ptx_size)(nvrtcProgram, size_t*) = nullptr;
  nvrtcResult (*get_ptx)(nvrtcProgram, char*) = nullptr;
  nvrtcResult (*get_cubin_size)(nvrtcProgram, size_t*) = nullptr;
  nvrtcResult (*get_cubin)(nvrtcProgram, char*) = nullptr;
  nvrtcResult (*get_log_size)(nvrtcProgram, size_t*) = nullptr;
  nvrtcResult (*get_log)(nvrtcProgram, char*) = nullptr;
  nvrtcResult (*destroy_program)(nvrtcProgram*) = nullptr;
};

/// Candidate library paths: the toolkit kiln was configured with, then the
/// loader's search path (sonames of recent toolkits).
std::vector<std::string> library_candidates() {
  std::vector<std::string> paths;
  if (const char* home = std::getenv("CUDA_HOME")) paths.push_back(std::string(home) + "/lib64/libnvrtc.so");
#ifdef KILN_CUDA_LIBRARY_DIR
  paths.push_back(std::string(KILN_CUDA_LIBRARY_DIR) + "/libnvrtc.so");
#endif
  for (const char* name : {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2",
                           "/usr/local/cuda/lib64/libnvrtc.so"})
    paths.push_back(name);
  return paths;
}

template <typename F>
void bind(Nvrtc& n, F* f, const char* name) {
  *f = reinterpret_cast<F>(dlsym(n.handle, name));
  if (!*f && n.error.empty()) n.error = std::string("libnvrtc has no symbol ") + name;
}

const Nvrtc& nvrtc() {
  static const Nvrtc lib = [] {
    Nvrtc n;
    std::string tried;
    for (const std::string& path : library_candidates()) {
      n.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (n.handle) break;
      tried += (tried.empty() ? "" : ", ") + path;
    }
    if (!n.handle) {
      n.error = "NVRTC (libnvrtc.so) not found (tried " + tried +
                "); install the CUDA toolkit or set CUDA_HOME";
      return n;
    }
    bind(n, &n.version, "nvrtcVersion");
    bind(n, &n.get_error_string, "nvrtcGetErrorString");
    bind(n, &n.create_program, "nvrtcCreateProgram");
    bind(n, &n.compile_program, "nvrtcCompileProgram");
    bind(n, &n.get_ptx_size, "nvrtcGetPTXSize");
    bind(n, &n.get_ptx, "nvrtcGetPTX");
    bind(n, &n.get_cubin_size, "nvrtcGetCUBINSize");
    bind(n, &n.get_cubin, "nvrtcGetCUBIN");
    bind(n, &n.get_log_size, "nvrtcGetProgramLogSize");
    bind(n, &n.get_log, "nvrtcGetProgramLog");
    bind(n, &n.destroy_program, "nvrtcDestroyProgram");
    return n;
  }();
  return lib;
}

const Nvrtc& require_nvrtc() {
  const Nvrtc& n = nvrtc();
  if (!n.error.empty()) user_error << "cannot compile CUDA: " << n.error;
  return n;
}

/// Where cuda_fp16.h and cuda_bf16.h are.
std::vector<std::string> include_dirs() {
  std::vector<std::string> dirs;
  if (const char* home = std::getenv("CUDA_HOME")) dirs.push_back(std::string(home) + "/include");
#ifdef KILN_CUDA_INCLUDE_DIR
  dirs.push_back(KILN_CUDA_INCLUDE_DIR);
#endif
  dirs.push_back("/usr/local/cuda/include");
  return dirs;
}

/// What NVRTC makes: PTX (for compute_XX, loaded by any later GPU through
/// the driver's JIT) or a cubin (SASS for sm_XX exactly, loaded without JIT).
enum class Output { Ptx, Cubin };

struct CacheKey {
  size_t hash;
  int arch;
  Output output;
  bool operator<(const CacheKey& o) const {
    if (hash != o.hash) return hash < o.hash;
    if (arch != o.arch) return arch < o.arch;
    return output < o.output;
  }
};

struct CacheEntry {
  std::string source, binary;
};

std::mutex& cache_mutex() {
  static std::mutex m;
  return m;
}

std::map<CacheKey, CacheEntry>& cache() {
  static std::map<CacheKey, CacheEntry> c;
  return c;
}

std::string program_log(const Nvrtc& n, nvrtcProgram prog) {
  size_t size = 0;
  if (n.get_log_size(prog, &size) != 0 || size <= 1) return "";
  std::string log(size, '\0');
  n.get_log(prog, &log[0]);
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

std::string compile(const Nvrtc& n, const std::string& source, int arch, Output output) {
  nvrtcProgram prog = nullptr;
  nvrtcResult r = n.create_program(&prog, source.c_str(), "kiln_kernels.cu", 0, nullptr, nullptr);
  if (r != 0) user_error << "NVRTC could not create a program: " << n.get_error_string(r);
  const std::string arch_kind = output == Output::Ptx ? "compute_" : "sm_";
  std::vector<std::string> options = {"--gpu-architecture=" + arch_kind + std::to_string(arch),
                                      "--std=c++17", "-default-device"};
  for (const std::string& dir : include_dirs()) options.push_back("--include-path=" + dir);
  std::vector<const char*> argv;
  for (const std::string& o : options) argv.push_back(o.c_str());
  r = n.compile_program(prog, static_cast<int>(argv.size()), argv.data());
  std::string log = program_log(n, prog);
  if (r != 0) {
    n.destroy_program(&prog);
    // The source is kiln's own output, so a failure is a kiln bug; the log
    // and the source's first lines let a report be acted on.
    user_error << "NVRTC failed to compile the generated CUDA source for sm_" << arch << " ("
               << n.get_error_string(r) << "):\n" << log
               << "\n(print the source with `kiln show OP --target cuda --stage cuda`)";
  }
  size_t size = 0;
  std::string binary;
  if (output == Output::Ptx) {
    n.get_ptx_size(prog, &size);
    binary.assign(size, '\0');
    n.get_ptx(prog, &binary[0]);
    while (!binary.empty() && binary.back() == '\0') binary.pop_back();
  } else {
    n.get_cubin_size(prog, &size);
    binary.assign(size, '\0');
    n.get_cubin(prog, &binary[0]);
  }
  n.destroy_program(&prog);
  return binary;
}

std::string compile_cached(const std::string& source, int arch, Output output,
                           double* compile_ms) {
  const Nvrtc& n = require_nvrtc();
  if (compile_ms) *compile_ms = 0;
  const CacheKey key{std::hash<std::string>()(source), arch, output};
  {
    std::lock_guard<std::mutex> lock(cache_mutex());
    auto it = cache().find(key);
    if (it != cache().end() && it->second.source == source) return it->second.binary;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::string binary = compile(n, source, arch, output);
  auto t1 = std::chrono::steady_clock::now();
  if (compile_ms) *compile_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  std::lock_guard<std::mutex> lock(cache_mutex());
  cache()[key] = CacheEntry{source, binary};
  return binary;
}

}  // namespace

bool nvrtc_available(std::string* why) {
  const Nvrtc& n = nvrtc();
  if (why) *why = n.error;
  return n.error.empty();
}

std::string nvrtc_version() {
  const Nvrtc& n = require_nvrtc();
  int major = 0, minor = 0;
  n.version(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string compile_cuda_to_ptx(const std::string& source, int arch, double* compile_ms) {
  return compile_cached(source, arch, Output::Ptx, compile_ms);
}

std::string compile_cuda_to_cubin(const std::string& source, int arch, double* compile_ms) {
  return compile_cached(source, arch, Output::Cubin, compile_ms);
}

void clear_ptx_cache() {
  std::lock_guard<std::mutex> lock(cache_mutex());
  cache().clear();
}

}  // namespace kiln
