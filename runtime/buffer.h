#pragma once
/// \file
/// Buffer: a multi-dimensional array on the host (or, later, a device), owning
/// or borrowed, with shape, strides (in elements) and dtype. Owned storage is
/// 64-byte aligned. Copies of a Buffer share storage.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/type.h"

struct DLTensor;
struct DLManagedTensor;

namespace kiln {

/// The largest buffer kiln accepts, 2^48 bytes (256 TiB): far beyond any
/// machine's memory, and far enough below 2^63 that sizes derived from a
/// buffer's (offsets, padded allocations) cannot overflow.
constexpr int64_t kMaxBufferBytes = int64_t(1) << 48;

class Buffer {
 public:
  Buffer() = default;
  /// An owning, dense row-major, zero-filled buffer.
  Buffer(Type dtype, std::vector<int64_t> shape);
  /// A borrowed view of memory the caller keeps alive. Empty strides mean
  /// dense row-major.
  static Buffer borrow(void* data, Type dtype, std::vector<int64_t> shape,
                       std::vector<int64_t> strides = {});

  bool defined() const { return data_ != nullptr || numel() == 0; }
  Type dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  const std::vector<int64_t>& strides() const { return strides_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int d) const { return shape_.at(d); }
  int64_t numel() const;
  size_t size_bytes() const { return static_cast<size_t>(numel()) * dtype_.bytes(); }
  void* data() const { return data_; }
  template <typename T>
  T* data_as() const { return static_cast<T*>(data_); }
  /// True when strides are dense row-major.
  bool is_dense() const;
  /// "f32[64, 128]".
  std::string str() const;

  /// Element access by flat row-major position (through strides), converted
  /// to and from double / int64. For tests, the interpreter and checks.
  double get_f64(int64_t pos) const;
  void set_f64(int64_t pos, double v);
  int64_t get_i64(int64_t pos) const;
  void set_i64(int64_t pos, int64_t v);

  /// Fills with uniform random values in [lo, hi] (integers: rounded),
  /// reproducibly from seed.
  void fill_random(uint64_t seed, double lo = -1.0, double hi = 1.0);

  /// A borrowed Buffer viewing a DLPack tensor (CPU only; throws UserError
  /// naming the unsupported device or dtype otherwise).
  static Buffer from_dlpack(const DLTensor& t);
  /// A DLPack view of this buffer; the returned tensor keeps the storage
  /// alive until its deleter runs.
  DLManagedTensor* to_dlpack() const;

 private:
  Type dtype_;
  std::vector<int64_t> shape_, strides_;
  std::shared_ptr<void> storage_;  ///< null when borrowed
  void* data_ = nullptr;
};

/// Largest |a - b| / max(|b|, atol_floor) over all elements, after checking
/// shapes match (throws UserError otherwise).
double max_relative_error(const Buffer& a, const Buffer& b, double floor = 1e-6);

/// f16 and bf16 conversions (round to nearest even), shared by the
/// interpreter and buffers.
uint16_t float_to_half_bits(float f);
float half_bits_to_float(uint16_t h);
/// f64 straight to f16 with one rounding (not two through f32).
uint16_t double_to_half_bits(double d);
uint16_t float_to_bfloat_bits(float f);
float bfloat_bits_to_float(uint16_t b);

}  // namespace kiln
