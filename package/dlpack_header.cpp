// The package's copy of the DLPack header, kept byte-for-byte equal to
// runtime/dlpack.h apart from the include guard (tests/package checks it).
#include "package/dlpack_header.h"

namespace kiln {

const std::string& package_dlpack_body() {
  static const std::string body = R"DLPACK(/// \file
/// The DLPack ABI (v0.8), the common in-memory tensor format of PyTorch,
/// JAX, TVM and NumPy. Written from the specification
/// (https://dmlc.github.io/dlpack/latest/c_api.html) so kiln needs no extra
/// dependency. The structs live at global scope with C layout, as in the
/// reference header, so a DLTensor from any framework can be passed in.
/// Convert with kiln::Buffer::from_dlpack and Buffer::to_dlpack.

#include <stddef.h>
#include <stdint.h>

#define KILN_DLPACK_VERSION 80

#ifdef __cplusplus
extern "C" {
#endif

/// Where a tensor's memory lives.
typedef enum {
  kDLCPU = 1,
  kDLCUDA = 2,
  kDLCUDAHost = 3,
  kDLOpenCL = 4,
  kDLVulkan = 7,
  kDLMetal = 8,
  kDLVPI = 9,
  kDLROCM = 10,
  kDLROCMHost = 11,
  kDLExtDev = 12,
  kDLCUDAManaged = 13,
  kDLOneAPI = 14,
  kDLWebGPU = 15,
  kDLHexagon = 16,
} DLDeviceType;

/// A device kind and its index (0 for the CPU).
typedef struct {
  DLDeviceType device_type;
  int32_t device_id;
} DLDevice;

/// The kind of number an element holds.
typedef enum {
  kDLInt = 0U,
  kDLUInt = 1U,
  kDLFloat = 2U,
  kDLOpaqueHandle = 3U,
  kDLBfloat = 4U,
  kDLComplex = 5U,
  kDLBool = 6U,
} DLDataTypeCode;

/// An element type: a DLDataTypeCode, bits per lane and lanes (1 for
/// scalars). Bool is {kDLBool, 8, 1}.
typedef struct {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
} DLDataType;

/// A tensor view: the element at indices x is at
/// (char*)data + byte_offset + sizeof(element) * sum(x[d] * strides[d]).
/// strides == NULL means dense row-major. shape and strides count elements.
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};
typedef struct DLTensor DLTensor;

/// A DLTensor with its owner: the consumer calls deleter(self) once it no
/// longer needs the memory (deleter may be NULL when nothing owns it).
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(struct DLManagedTensor* self);
};
typedef struct DLManagedTensor DLManagedTensor;

#ifdef __cplusplus
}  // extern "C"
#endif
)DLPACK";
  return body;
}

const std::string& package_dlpack_header() {
  static const std::string text = "#ifndef DLPACK_DLPACK_H_\n#define DLPACK_DLPACK_H_\n" +
                                  package_dlpack_body() + "\n#endif  /* DLPACK_DLPACK_H_ */\n";
  return text;
}

}  // namespace kiln
