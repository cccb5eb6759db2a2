// Launching packaged CUDA kernels. The generated code carries its own
// declarations of the few driver API entry points it needs (they are a
// stable C ABI), so building a package needs no CUDA headers, and the
// library needs no libcuda until a CUDA tensor arrives.
#include "package/cuda_launch.h"

#include <sstream>

#include "codegen/cuda/codegen_cuda.h"
#include "codegen/cuda/nvrtc.h"
#include "base/error.h"
#include "package/c_types.h"
#include "schedule/schedule.h"

namespace kiln {

namespace {

const char* kCudaPrelude = R"CUDA(/* ---- the CUDA driver API, loaded at the first CUDA call */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st* CUcontext;
typedef struct CUmod_st* CUmodule;
typedef struct CUfunc_st* CUfunction;
typedef struct CUstream_st* CUstream;
typedef unsigned long long CUdeviceptr;

static struct {
  int tried, ok;
  CUresult (*Init)(unsigned);
  CUresult (*DeviceGet)(CUdevice*, int);
  CUresult (*DevicePrimaryCtxRetain)(CUcontext*, CUdevice);
  CUresult (*CtxPushCurrent)(CUcontext);
  CUresult (*CtxPopCurrent)(CUcontext*);
  CUresult (*ModuleLoadData)(CUmodule*, const void*);
  CUresult (*ModuleGetFunction)(CUfunction*, CUmodule, const char*);
  CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                           unsigned, CUstream, void**, void**);
  CUresult (*MemAlloc)(CUdeviceptr*, size_t);
  CUresult (*MemFree)(CUdeviceptr);
  CUresult (*CtxSynchronize)(void);
  CUresult (*GetErrorString)(CUresult, const char**);
} cu;
static pthread_mutex_t cu_mu = PTHREAD_MUTEX_INITIALIZER;
/* Held from looking up a program's kernels and scratch to its last launch:
   launches are asynchronous and go to the legacy default stream, which
   runs them in order, so scratch buffers are reused safely across calls. */
static pthread_mutex_t cu_launch_mu = PTHREAD_MUTEX_INITIALIZER;

#define KILN_MAX_DEVICES 64
static CUcontext cu_contexts[KILN_MAX_DEVICES];
/* One module slot per kernel of the package, per device. */
static CUmodule cu_modules[KILN_MAX_DEVICES][@SLOTS@];

static int cuda_fail(CUresult r, const char* fn, const char* what) {
  const char* s = NULL;
  if (cu.GetErrorString) cu.GetErrorString(r, &s);
  return fail(@P@_ERROR_CUDA, "%s: %s failed: CUDA error %d (%s)", fn, what, (int)r, s ? s : "?");
}

static int cuda_load(const char* fn) {
  pthread_mutex_lock(&cu_mu);
  if (!cu.tried) {
    cu.tried = 1;
    void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      *(void**)&cu.Init = dlsym(lib, "cuInit");
      *(void**)&cu.DeviceGet = dlsym(lib, "cuDeviceGet");
      *(void**)&cu.DevicePrimaryCtxRetain = dlsym(lib, "cuDevicePrimaryCtxRetain");
      *(void**)&cu.CtxPushCurrent = dlsym(lib, "cuCtxPushCurrent_v2");
      *(void**)&cu.CtxPopCurrent = dlsym(lib, "cuCtxPopCurrent_v2");
      *(void**)&cu.ModuleLoadData = dlsym(lib, "cuModuleLoadData");
      *(void**)&cu.ModuleGetFunction = dlsym(lib, "cuModuleGetFunction");
      *(void**)&cu.LaunchKernel = dlsym(lib, "cuLaunchKernel");
      *(void**)&cu.MemAlloc = dlsym(lib, "cuMemAlloc_v2");
      *(void**)&cu.MemFree = dlsym(lib, "cuMemFree_v2");
      *(void**)&cu.CtxSynchronize = dlsym(lib, "cuCtxSynchronize");
      *(void**)&cu.GetErrorString = dlsym(lib, "cuGetErrorString");
      cu.ok = cu.Init && cu.DeviceGet && cu.DevicePrimaryCtxRetain && cu.CtxPushCurrent &&
              cu.CtxPopCurrent && cu.ModuleLoadData && cu.ModuleGetFunction && cu.LaunchKernel &&
              cu.MemAlloc && cu.MemFree && cu.CtxSynchronize && cu.Init(0) == 0;
    }
  }
  int ok = cu.ok;
  pthread_mutex_unlock(&cu_mu);
  if (!ok) {
    return fail(@P@_ERROR_CUDA, "%s: cannot use the CUDA driver (libcuda.so.1 missing, or cuInit "
                "failed: no GPU?)", fn);
  }
  return 0;
}

/* Makes the primary context of `device` current (PyTorch uses the same
   one, so its pointers are valid here); cuda_leave undoes it. */
static int cuda_enter(const char* fn, int device) {
  int rc = cuda_load(fn);
  if (rc) return rc;
  if (device < 0 || device >= KILN_MAX_DEVICES) {
    return fail(@P@_ERROR_DEVICE, "%s: CUDA device %d is out of range", fn, device);
  }
  pthread_mutex_lock(&cu_mu);
  CUresult r = 0;
  if (!cu_contexts[device]) {
    CUdevice dev;
    r = cu.DeviceGet(&dev, device);
    if (r == 0) r = cu.DevicePrimaryCtxRetain(&cu_contexts[device], dev);
  }
  CUcontext ctx = cu_contexts[device];
  pthread_mutex_unlock(&cu_mu);
  if (r != 0) return cuda_fail(r, fn, "getting the device's primary context");
  r = cu.CtxPushCurrent(ctx);
  return r ? cuda_fail(r, fn, "cuCtxPushCurrent") : 0;
}

static void cuda_leave(void) {
  CUcontext ctx;
  cu.CtxPopCurrent(&ctx);
}

/* The kernels of module `slot` on `device` into cache[0..count), loading
   the PTX the first time (cu_launch_mu held). */
static int cuda_functions(const char* fn, int device, int slot, const char* ptx,
                          const char* const* names, int count, CUfunction* cache) {
  if (cache[0]) return 0;
  CUmodule* m = &cu_modules[device][slot];
  CUresult r = 0;
  if (!*m && (r = cu.ModuleLoadData(m, ptx)) != 0) {
    *m = NULL;
    return cuda_fail(r, fn, "loading the kernels' PTX (cuModuleLoadData)");
  }
  for (int i = count - 1; i >= 0; i--) {  /* cache[0] last: it marks the cache full */
    r = cu.ModuleGetFunction(&cache[i], *m, names[i]);
    if (r != 0) {
      cache[0] = NULL;
      return cuda_fail(r, fn, "cuModuleGetFunction");
    }
  }
  return 0;
}

/* A scratch buffer of at least `bytes` in *buf, grown when too small
   (cu_launch_mu held; earlier launches finish before the old one goes). */
static int cuda_scratch(const char* fn, const char* name, CUdeviceptr* buf, size_t* have,
                        size_t bytes) {
  if (bytes <= *have && *buf) return 0;
  if (*buf) {
    cu.CtxSynchronize();
    cu.MemFree(*buf);
    *buf = 0;
    *have = 0;
  }
  CUresult r = cu.MemAlloc(buf, bytes);
  if (r != 0) {
    *buf = 0;
    return cuda_fail(r, fn, name);
  }
  *have = bytes;
  return 0;
}
)CUDA";

std::string c_string_literal(const std::string& text) {
  std::string s = "\"";
  for (char c : text) {
    switch (c) {
      case '\\': s += "\\\\"; break;
      case '"': s += "\\\""; break;
      case '\n': s += "\\n\"\n\""; break;
      case '\t': s += "\\t"; break;
      default: s += c;
    }
  }
  return s + "\"";
}

int size_slot(const PackageFunction& fn, const std::string& var) {
  for (size_t i = 0; i < fn.bindings.size(); i++) {
    if (fn.bindings[i].var == var) return static_cast<int>(i);
  }
  internal_error << "size " << var << " of " << fn.name << " has no binding";
  return 0;
}

}  // namespace

CudaKernelCode compile_cuda_kernel(const PackageKernel& k, const Target& target) {
  CudaKernelCode code;
  code.program = lower_gpu(Schedule::replay(k.def, k.trace), target, k.symbol);
  code.ptx = compile_cuda_to_ptx(codegen_cuda(code.program, target), target.sm);
  return code;
}

std::string cuda_wrapper_prelude(int kernels) {
  std::string s = kCudaPrelude;
  const std::string slot = "@SLOTS@";
  s.replace(s.find(slot), slot.size(), std::to_string(kernels > 0 ? kernels : 1));
  return s;
}

std::string cuda_launcher(const PackageFunction& fn, const PackageKernel& k, const CudaKernelCode& code,
                          int index) {
  const GpuProgram& p = code.program;
  auto sref = [&](const std::string& v) { return "s[" + std::to_string(size_slot(fn, v)) + "]"; };
  std::ostringstream c;
  c << "static const char " << k.symbol << "_ptx[] =\n" << c_string_literal(code.ptx) << ";\n"
    << "static const char* const " << k.symbol << "_names[] = {";
  for (size_t i = 0; i < p.kernels.size(); i++) c << (i ? ", " : "") << "\"" << p.kernels[i].name << "\"";
  c << "};\n\nstatic int launch_" << k.symbol << "(const char* fn, int device, const int64_t* s";
  for (const BufferArg& a : p.func.args) c << ", CUdeviceptr b_" << a.name;
  const size_t nk = p.kernels.size(), nt = p.temps.size();
  c << ") {\n  (void)s;\n"
    << "  static CUfunction f_cache[KILN_MAX_DEVICES][" << nk << "];\n";
  if (nt > 0) {
    c << "  static CUdeviceptr t_cache[KILN_MAX_DEVICES][" << nt << "];\n"
      << "  static size_t t_bytes[KILN_MAX_DEVICES][" << nt << "];\n";
  }
  c << "  int rc = cuda_enter(fn, device);\n  if (rc) return rc;\n"
    << "  pthread_mutex_lock(&cu_launch_mu);\n"
    << "  rc = cuda_functions(fn, device, " << index << ", " << k.symbol << "_ptx, " << k.symbol
    << "_names, " << nk << ", f_cache[device]);\n"
    << "  CUfunction* f = f_cache[device];\n  CUresult r = 0;\n";
  for (size_t i = 0; i < nt; i++) {
    const GpuTemp& t = p.temps[i];
    c << "  CUdeviceptr b_" << t.name << " = 0;\n"
      << "  if (!rc) rc = cuda_scratch(fn, \"allocating temporary " << t.name << "\", &t_cache[device]["
      << i << "], &t_bytes[device][" << i << "], (size_t)(" << c_size_expr(t.elements, sref) << ") * "
      << t.type.bytes() << " + 1);\n"
      << "  if (!rc) b_" << t.name << " = t_cache[device][" << i << "];\n";
  }
  for (size_t i = 0; i < p.kernels.size(); i++) {
    const GpuKernel& kk = p.kernels[i];
    c << "  if (!rc) { /* " << kk.name << " */\n";
    std::string params;
    for (size_t v = 0; v < kk.size_vars.size(); v++) {
      c << "    long long v" << v << " = (long long)" << sref(kk.size_vars[v]) << ";\n";
    }
    for (const std::string& b : kk.buffers) params += (params.empty() ? "" : ", ") + ("&b_" + b);
    for (size_t v = 0; v < kk.size_vars.size(); v++) params += (params.empty() ? "" : ", ") + ("&v" + std::to_string(v));
    c << "    void* params[] = {" << (params.empty() ? "NULL" : params) << "};\n";
    for (int d = 0; d < 3; d++) {
      c << "    int64_t g" << d << " = " << c_size_expr(kk.grid[d], sref) << ";\n";
    }
    c << "    if (g0 > 0 && g1 > 0 && g2 > 0) {\n"
      << "      r = cu.LaunchKernel(f[" << i << "], (unsigned)g0, (unsigned)g1, (unsigned)g2, "
      << kk.block[0] << ", " << kk.block[1] << ", " << kk.block[2] << ", 0, NULL, params, NULL);\n"
      << "      if (r) rc = cuda_fail(r, fn, \"launching " << kk.name << "\");\n    }\n  }\n";
  }
  c << "  pthread_mutex_unlock(&cu_launch_mu);\n  cuda_leave();\n  return rc;\n}\n\n";
  return c.str();
}

}  // namespace kiln
