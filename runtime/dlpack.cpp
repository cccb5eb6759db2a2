// Conversion between kiln::Buffer and DLPack tensors. Only host memory is
// accepted: the interpreter and CPU kernels dereference the pointer.
#include "runtime/dlpack.h"

#include "base/error.h"
#include "runtime/buffer.h"

namespace kiln {

namespace {

const char* device_name(DLDeviceType t) {
  switch (t) {
    case kDLCPU: return "cpu";
    case kDLCUDA: return "cuda";
    case kDLCUDAHost: return "cuda_host";
    case kDLOpenCL: return "opencl";
    case kDLVulkan: return "vulkan";
    case kDLMetal: return "metal";
    case kDLVPI: return "vpi";
    case kDLROCM: return "rocm";
    case kDLROCMHost: return "rocm_host";
    case kDLExtDev: return "ext_dev";
    case kDLCUDAManaged: return "cuda_managed";
    case kDLOneAPI: return "oneapi";
    case kDLWebGPU: return "webgpu";
    case kDLHexagon: return "hexagon";
  }
  return "unknown";
}

std::string dtype_name(DLDataType t) {
  std::string code;
  switch (t.code) {
    case kDLInt: code = "int"; break;
    case kDLUInt: code = "uint"; break;
    case kDLFloat: code = "float"; break;
    case kDLOpaqueHandle: code = "opaque_handle"; break;
    case kDLBfloat: code = "bfloat"; break;
    case kDLComplex: code = "complex"; break;
    case kDLBool: code = "bool"; break;
    default: code = "code" + std::to_string(t.code); break;
  }
  std::string s = code + std::to_string(t.bits);
  if (t.lanes != 1) s += "x" + std::to_string(t.lanes);
  return s;
}

/// The kiln type of a DLPack dtype; throws UserError for the others.
Type from_dl_type(DLDataType t) {
  bool ok = false;
  Type k;
  if (t.lanes == 1) {
    switch (t.code) {
      case kDLInt:
      case kDLUInt:
        ok = t.bits == 8 || t.bits == 16 || t.bits == 32 || t.bits == 64;
        k = Type(t.code == kDLInt ? TypeCode::Int : TypeCode::UInt, t.bits);
        break;
      case kDLFloat:
        ok = t.bits == 16 || t.bits == 32 || t.bits == 64;
        k = Type(TypeCode::Float, t.bits);
        break;
      case kDLBfloat:
        ok = t.bits == 16;
        k = bf16();
        break;
      case kDLBool:
        ok = t.bits == 8;
        k = boolean();
        break;
      default: break;
    }
  }
  if (!ok) {
    user_error << "DLPack tensor of dtype " << dtype_name(t)
               << " is not supported; kiln buffers hold scalar int/uint 8-64, float 16/32/64, "
               << "bfloat16 or bool (8 bits)";
  }
  return k;
}

DLDataType to_dl_type(Type t) {
  DLDataType d;
  d.lanes = 1;
  d.bits = static_cast<uint8_t>(t.bytes() * 8);
  switch (t.code) {
    case TypeCode::Int: d.code = kDLInt; break;
    case TypeCode::UInt: d.code = kDLUInt; break;
    case TypeCode::Float: d.code = kDLFloat; break;
    case TypeCode::BFloat: d.code = kDLBfloat; break;
    case TypeCode::Bool: d.code = kDLBool; break;
  }
  return d;
}

/// What a DLManagedTensor from to_dlpack owns: a Buffer sharing the storage
/// and the shape/strides arrays the DLTensor points into.
struct ManagerContext {
  Buffer buffer;
  std::vector<int64_t> shape, strides;
};

void delete_managed(DLManagedTensor* self) {
  delete static_cast<ManagerContext*>(self->manager_ctx);
  delete self;
}

}  // namespace

Buffer Buffer::from_dlpack(const DLTensor& t) {
  if (t.device.device_type != kDLCPU) {
    user_error << "DLPack tensor on device " << device_name(t.device.device_type) << ":"
               << t.device.device_id << " (type " << static_cast<int>(t.device.device_type)
               << ") is not supported; kiln reads host memory only, copy it to the CPU first";
  }
  Type dtype = from_dl_type(t.dtype);
  if (t.ndim < 0) user_error << "DLPack tensor with ndim " << t.ndim;
  if (t.ndim > 0 && !t.shape) user_error << "DLPack tensor of " << t.ndim << " dimensions has no shape";
  std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
  std::vector<int64_t> strides;
  if (t.strides) strides.assign(t.strides, t.strides + t.ndim);  // null strides: dense
  char* data = static_cast<char*>(t.data);
  if (data) data += t.byte_offset;
  return borrow(data, dtype, std::move(shape), std::move(strides));
}

DLManagedTensor* Buffer::to_dlpack() const {
  auto* ctx = new ManagerContext{*this, shape_, strides_};
  auto* m = new DLManagedTensor();
  m->manager_ctx = ctx;
  m->deleter = delete_managed;
  DLTensor& t = m->dl_tensor;
  t.data = data_;
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = ndim();
  t.dtype = to_dl_type(dtype_);
  t.shape = ctx->shape.empty() ? nullptr : ctx->shape.data();
  t.strides = ctx->strides.empty() ? nullptr : ctx->strides.data();
  t.byte_offset = 0;
  return m;
}

}  // namespace kiln
