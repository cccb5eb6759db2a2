// libcuda through dlopen: the entry points kiln uses, declared with their C
// signatures so building kiln needs no CUDA header.
#include "runtime/cuda_driver.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>

#include "base/error.h"

namespace kiln::cuda {
namespace {

using CUresult = int;
using CUdevice = int;
using CUcontext = void*;
using CUmodule = void*;
using CUfunction = void*;
using CUevent = void*;
using CUstream = void*;
using CUdeviceptr = unsigned long long;

constexpr int kAttrMajor = 75, kAttrMinor = 76;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_*

struct Driver {
  std::string error;  ///< why no device can be used ("" when one can)
  void* handle = nullptr;
  CUcontext context = nullptr;
  CUdevice device = 0;
  CUresult (*init)(unsigned) = nullptr;
  CUresult (*get_error_string)(CUresult, const char**) = nullptr;
  CUresult (*driver_version)(int*) = nullptr;
  CUresult (*device_count)(int*) = nullptr;
  CUresult (*device_get)(CUdevice*, int) = nullptr;
  CUresult (*device_name)(char*, int, CUdevice) = nullptr;
  CUresult (*device_attribute)(int*, int, CUdevice) = nullptr;
  CUresult (*primary_ctx_retain)(CUcontext*, CUdevice) = nullptr;
  CUresult (*ctx_set_current)(CUcontext) = nullptr;
  CUresult (*ctx_synchronize)() = nullptr;
  CUresult (*mem_alloc)(CUdeviceptr*, size_t) = nullptr;
  CUresult (*mem_free)(CUdeviceptr) = nullptr;
  CUresult (*memcpy_htod)(CUdeviceptr, const void*, size_t) = nullptr;
  CUresult (*memcpy_dtoh)(void*, CUdeviceptr, size_t) = nullptr;
  CUresult (*module_load_data)(CUmodule*, const void*) = nullptr;
  CUresult (*module_unload)(CUmodule) = nullptr;
  CUresult (*module_get_function)(CUfunction*, CUmodule, const char*) = nullptr;
  CUresult (*launch_kernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                            unsigned, CUstream, void**, void**) = nullptr;
  CUresult (*event_create)(CUevent*, unsigned) = nullptr;
  CUresult (*event_record)(CUevent, CUstream) = nullptr;
  CUresult (*event_synchronize)(CUevent) = nullptr;
  CUresult (*event_elapsed)(float*, CUevent, CUevent) = nullptr;
  CUresult (*event_destroy)(CUevent) = nullptr;
};

template <typename F>
void bind(Driver& d, F* f, const char* name, const char* fallback = nullptr) {
  *f = reinterpret_cast<F>(dlsym(d.handle, name));
  if (!*f && fallback) *f = reinterpret_cast<F>(dlsym(d.handle, fallback));
  if (!*f && d.error.empty()) d.error = std::string("libcuda has no symbol ") + name;
}

std::string result_text(const Driver& d, CUresult r) {
  const char* s = nullptr;
  if (d.get_error_string && d.get_error_string(r, &s) == 0 && s) return s;
  return "CUDA error " + std::to_string(r);
}

/// Set before cuInit is first called (see initialized()).
std::atomic<bool> g_initialized{false};

Driver load() {
  Driver d;
  for (const char* name : {"libcuda.so.1", "libcuda.so"}) {
    d.handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (d.handle) break;
  }
  if (!d.handle) {
    d.error = "libcuda.so.1 (the NVIDIA driver) cannot be loaded";
    return d;
  }
  bind(d, &d.init, "cuInit");
  bind(d, &d.get_error_string, "cuGetErrorString");
  bind(d, &d.driver_version, "cuDriverGetVersion");
  bind(d, &d.device_count, "cuDeviceGetCount");
  bind(d, &d.device_get, "cuDeviceGet");
  bind(d, &d.device_name, "cuDeviceGetName");
  bind(d, &d.device_attribute, "cuDeviceGetAttribute");
  bind(d, &d.primary_ctx_retain, "cuDevicePrimaryCtxRetain");
  bind(d, &d.ctx_set_current, "cuCtxSetCurrent");
  bind(d, &d.ctx_synchronize, "cuCtxSynchronize");
  bind(d, &d.mem_alloc, "cuMemAlloc_v2");
  bind(d, &d.mem_free, "cuMemFree_v2");
  bind(d, &d.memcpy_htod, "cuMemcpyHtoD_v2");
  bind(d, &d.memcpy_dtoh, "cuMemcpyDtoH_v2");
  bind(d, &d.module_load_data, "cuModuleLoadData");
  bind(d, &d.module_unload, "cuModuleUnload");
  bind(d, &d.module_get_function, "cuModuleGetFunction");
  bind(d, &d.launch_kernel, "cuLaunchKernel");
  bind(d, &d.event_create, "cuEventCreate");
  bind(d, &d.event_record, "cuEventRecord");
  bind(d, &d.event_synchronize, "cuEventSynchronize");
  bind(d, &d.event_elapsed, "cuEventElapsedTime_v2", "cuEventElapsedTime");
  bind(d, &d.event_destroy, "cuEventDestroy_v2", "cuEventDestroy");
  if (!d.error.empty()) return d;
  g_initialized = true;
  CUresult r = d.init(0);
  if (r != 0) {
    d.error = "cuInit failed (" + result_text(d, r) + ")";
    return d;
  }
  int count = 0;
  if (d.device_count(&count) != 0 || count == 0) {
    d.error = "the driver sees no CUDA device";
    return d;
  }
  r = d.device_get(&d.device, 0);
  if (r == 0) r = d.primary_ctx_retain(&d.context, d.device);
  if (r != 0) d.error = "cannot open device 0 (" + result_text(d, r) + ")";
  return d;
}

const Driver& driver() {
  static const Driver d = load();
  return d;
}

/// The driver with device 0's context current on this thread.
const Driver& require() {
  const Driver& d = driver();
  if (!d.error.empty()) {
    user_error << "no CUDA device/driver found: " << d.error
               << "; run on a machine with an NVIDIA GPU and driver, or use an llvm target "
               << "(--target host). `kiln show --target cuda --stage cuda|ptx` works without one";
  }
  d.ctx_set_current(d.context);
  return d;
}

void check(const Driver& d, CUresult r, const char* what) {
  if (r != 0) user_error << "CUDA " << what << " failed: " << result_text(d, r);
}

}  // namespace

bool initialized() { return g_initialized; }

bool device_available(std::string* why) {
  const Driver& d = driver();
  if (why) *why = d.error;
  return d.error.empty();
}

DeviceInfo device_info() {
  const Driver& d = require();
  DeviceInfo info;
  char name[256] = {0};
  d.device_name(name, sizeof name, d.device);
  info.name = name;
  int major = 0, minor = 0;
  d.device_attribute(&major, kAttrMajor, d.device);
  d.device_attribute(&minor, kAttrMinor, d.device);
  info.sm = major * 10 + minor;
  d.driver_version(&info.driver_version);
  return info;
}

DeviceMemory::DeviceMemory(size_t bytes) : bytes_(bytes) {
  const Driver& d = require();
  CUdeviceptr p = 0;
  check(d, d.mem_alloc(&p, bytes == 0 ? 1 : bytes), "memory allocation");
  ptr_ = p;
}

DeviceMemory::~DeviceMemory() {
  if (ptr_ && driver().error.empty()) driver().mem_free(ptr_);
}

void DeviceMemory::upload(const void* host, size_t bytes) {
  internal_assert(bytes <= bytes_) << "upload of " << bytes << " bytes into " << bytes_;
  if (bytes == 0) return;
  const Driver& d = require();
  check(d, d.memcpy_htod(ptr_, host, bytes), "copy to the device");
}

void DeviceMemory::download(void* host, size_t bytes) const {
  internal_assert(bytes <= bytes_) << "download of " << bytes << " bytes from " << bytes_;
  if (bytes == 0) return;
  const Driver& d = require();
  check(d, d.memcpy_dtoh(host, ptr_, bytes), "copy from the device");
}

Module::Module(const std::string& ptx) {
  const Driver& d = require();
  check(d, d.module_load_data(&module_, ptx.c_str()), "module load (PTX JIT)");
}

Module::~Module() {
  if (module_ && driver().error.empty()) driver().module_unload(module_);
}

void* Module::function(const std::string& name) const {
  const Driver& d = require();
  CUfunction f = nullptr;
  check(d, d.module_get_function(&f, module_, name.c_str()), ("lookup of kernel " + name).c_str());
  return f;
}

void launch(void* function, const int64_t grid[3], const int64_t block[3], void** params) {
  const Driver& d = require();
  for (int i = 0; i < 3; ++i) {
    if (grid[i] <= 0) return;  // an empty tensor: nothing to do
    if (grid[i] > (i == 0 ? 2147483647LL : 65535LL)) {
      user_error << "kernel grid dimension " << "xyz"[i] << " is " << grid[i]
                 << ", more than CUDA allows (" << (i == 0 ? "2^31 - 1" : "65535")
                 << "); bind a larger loop to blockIdx.x or split by a larger factor";
    }
  }
  check(d,
        d.launch_kernel(function, static_cast<unsigned>(grid[0]), static_cast<unsigned>(grid[1]),
                        static_cast<unsigned>(grid[2]), static_cast<unsigned>(block[0]),
                        static_cast<unsigned>(block[1]), static_cast<unsigned>(block[2]), 0,
                        nullptr, params, nullptr),
        "kernel launch");
}

void synchronize() {
  const Driver& d = require();
  check(d, d.ctx_synchronize(), "kernel execution");
}

EventTimer::EventTimer() {
  const Driver& d = require();
  check(d, d.event_create(&start_, 0), "event creation");
  check(d, d.event_create(&stop_, 0), "event creation");
}

EventTimer::~EventTimer() {
  if (!driver().error.empty()) return;
  if (start_) driver().event_destroy(start_);
  if (stop_) driver().event_destroy(stop_);
}

void EventTimer::start() {
  const Driver& d = require();
  check(d, d.event_record(start_, nullptr), "event record");
}

double EventTimer::stop() {
  const Driver& d = require();
  check(d, d.event_record(stop_, nullptr), "event record");
  check(d, d.event_synchronize(stop_), "kernel execution");
  float ms = 0;
  check(d, d.event_elapsed(&ms, start_, stop_), "event timing");
  return ms;
}

}  // namespace kiln::cuda
