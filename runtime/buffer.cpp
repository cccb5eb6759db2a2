// Buffer: shape, strides and element access, aligned owned storage, random
// filling, result comparison, and the f16/bf16 conversions every part of
// kiln shares (the interpreter rounds exactly as buffers store).
#include "runtime/buffer.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

#include "base/error.h"

namespace kiln {

namespace {

/// Owned storage is aligned for 512-bit vector loads.
constexpr size_t kAlignment = 64;

void check_shape(const std::vector<int64_t>& shape, Type dtype, const char* what) {
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) {
      user_error << what << ": dimension " << d << " has extent " << shape[d]
                 << "; extents must be non-negative";
    }
  }
  // The element count and the bytes must fit in 64 bits (with room for the
  // alignment padding), or every size computed from them wraps.
  int64_t n = 1, bytes = 0;
  for (int64_t e : shape) {
    if (__builtin_mul_overflow(n, e, &n)) n = -1;
    if (n < 0) break;
  }
  if (n < 0 || __builtin_mul_overflow(n, static_cast<int64_t>(dtype.bytes()), &bytes) ||
      bytes > kMaxBufferBytes) {
    user_error << what << ": the product of its extents is more than " << kMaxBufferBytes
               << " bytes (2^48), beyond any machine's memory; use smaller sizes";
  }
}

void check_dtype(Type t, const char* what) {
  if (!t.is_scalar()) {
    user_error << what << ": dtype " << t.str() << " is a vector type; buffers hold scalars";
  }
}

std::vector<int64_t> dense_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/// Wraps v to an integer type's width, sign- or zero-extended back to 64
/// bits (u64 keeps its bits).
int64_t wrap_int(Type t, int64_t v) {
  if (t.bits >= 64) return v;
  int shift = 64 - t.bits;
  uint64_t u = static_cast<uint64_t>(v) << shift;
  return t.is_int() ? static_cast<int64_t>(u) >> shift : static_cast<int64_t>(u >> shift);
}

/// Nearest integer of type t to v, saturating at the type's range (NaN: 0).
int64_t saturate_to_int(Type t, double v) {
  if (std::isnan(v)) return 0;
  v = std::nearbyint(v);
  if (t.is_uint()) {
    if (v <= 0) return 0;
    double hi = t.bits >= 64 ? 18446744073709551615.0 : std::ldexp(1.0, t.bits) - 1;
    if (v >= hi) return t.bits >= 64 ? -1 : static_cast<int64_t>(hi);
    return static_cast<int64_t>(static_cast<uint64_t>(v));
  }
  double lo = -std::ldexp(1.0, t.bits - 1), hi = std::ldexp(1.0, t.bits - 1);
  if (v <= lo) return t.bits >= 64 ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(lo);
  if (v >= hi) {
    return t.bits >= 64 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(hi) - 1;
  }
  return static_cast<int64_t>(v);
}

}  // namespace

// ------------------------------------------------------------ f16 / bf16

uint16_t float_to_half_bits(float f) {
  uint32_t x = float_bits(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  uint32_t ax = x & 0x7fffffff;
  if (ax >= 0x7f800000) {
    // Inf stays inf; NaN stays a quiet NaN with the top payload bits.
    if (ax == 0x7f800000) return sign | 0x7c00;
    return static_cast<uint16_t>(sign | 0x7e00 | ((ax >> 13) & 0x3ff));
  }
  // 65520 is halfway between the largest half (65504) and 2^16; ties go to
  // the even neighbor, which is infinity.
  if (ax >= 0x477ff000) return sign | 0x7c00;
  int exponent = static_cast<int>(ax >> 23) - 127;
  if (ax >= 0x38800000) {
    // Normal half: rebias the exponent (127 - 15), keep 10 mantissa bits.
    uint32_t r = ax - 0x38000000;
    uint32_t q = r >> 13, rem = r & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (q & 1))) ++q;  // a carry bumps the exponent: fine
    return static_cast<uint16_t>(sign | q);
  }
  // Subnormal half: count units of 2^-24. Below 2^-25 everything rounds to 0
  // (2^-25 itself is a tie and goes to the even 0).
  if (exponent < -25) return sign;
  uint32_t mant = 0x800000 | (ax & 0x7fffff);  // value = mant * 2^(exponent - 23)
  int shift = -exponent - 1;                     // 14..24
  uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
  if (rem > halfway || (rem == halfway && (q & 1))) ++q;
  return static_cast<uint16_t>(sign | q);
}

float half_bits_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exponent == 0) {
    float mag = std::ldexp(static_cast<float>(mant), -24);  // exact
    return bits_float(sign | float_bits(mag));
  }
  if (exponent == 31) return bits_float(sign | 0x7f800000 | (mant << 13));
  return bits_float(sign | ((exponent + 112) << 23) | (mant << 13));
}

uint16_t double_to_half_bits(double d) {
  // Round to odd into f32, then to nearest even into f16: f32 keeps more
  // than twice f16's precision plus two bits, so the result is the single
  // correctly rounded one (no double-rounding error).
  float f = static_cast<float>(d);
  if (!std::isnan(d) && static_cast<double>(f) != d) {
    if (std::fabs(static_cast<double>(f)) > std::fabs(d)) f = std::nextafter(f, 0.0f);
    f = bits_float(float_bits(f) | 1);
  }
  return float_to_half_bits(f);
}

uint16_t float_to_bfloat_bits(float f) {
  uint32_t x = float_bits(f);
  // NaN would round to infinity (or carry into the sign), keep it quiet.
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40);
  uint32_t lsb = (x >> 16) & 1;
  return static_cast<uint16_t>((x + 0x7fff + lsb) >> 16);
}

float bfloat_bits_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

// ------------------------------------------------------------ Buffer

Buffer::Buffer(Type dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  check_dtype(dtype_, "buffer");
  check_shape(shape_, dtype_, ("buffer " + str()).c_str());
  strides_ = dense_strides(shape_);
  // Round up to the alignment (aligned_alloc requires it) and allocate at
  // least one block, so even an empty buffer has a distinct address.
  size_t bytes = size_bytes();
  size_t padded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (padded == 0) padded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, padded);
  if (!p) user_error << "cannot allocate " << padded << " bytes for buffer " << str();
  std::memset(p, 0, padded);
  storage_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  data_ = p;
}

Buffer Buffer::borrow(void* data, Type dtype, std::vector<int64_t> shape,
                      std::vector<int64_t> strides) {
  Buffer b;
  b.dtype_ = dtype;
  b.shape_ = std::move(shape);
  check_dtype(dtype, "borrowed buffer");
  check_shape(b.shape_, b.dtype_, ("borrowed buffer " + b.str()).c_str());
  if (strides.empty() && !b.shape_.empty()) {
    strides = dense_strides(b.shape_);
  } else if (strides.size() != b.shape_.size()) {
    user_error << "borrowed buffer " << b.str() << " has " << b.shape_.size() << " dimensions but "
               << strides.size() << " strides; pass one stride per dimension or none for dense";
  }
  b.strides_ = std::move(strides);
  b.data_ = data;
  if (!data && b.numel() > 0) {
    user_error << "borrowed buffer " << b.str() << " has a null data pointer";
  }
  return b;
}

int64_t Buffer::numel() const {
  int64_t n = 1;
  for (int64_t e : shape_) n *= e;
  return n;
}

bool Buffer::is_dense() const {
  int64_t expect = 1;
  for (size_t d = shape_.size(); d-- > 0;) {
    // A dimension of extent 1 never moves, so its stride does not matter.
    if (shape_[d] != 1 && strides_[d] != expect) return numel() == 0;
    expect *= shape_[d];
  }
  return true;
}

std::string Buffer::str() const {
  std::ostringstream os;
  os << dtype_.str() << "[";
  for (size_t d = 0; d < shape_.size(); ++d) os << (d ? ", " : "") << shape_[d];
  os << "]";
  return os.str();
}

namespace {

/// The element offset of flat row-major position pos.
int64_t element_offset(const Buffer& b, int64_t pos) {
  if (pos < 0 || pos >= b.numel()) {
    user_error << "element " << pos << " of buffer " << b.str() << " is out of range [0, "
               << b.numel() << ")";
  }
  int64_t offset = 0;
  for (int d = b.ndim(); d-- > 0;) {
    offset += (pos % b.dim(d)) * b.strides()[d];
    pos /= b.dim(d);
  }
  return offset;
}

template <typename T>
T load_as(const Buffer& b, int64_t offset) {
  T v;
  std::memcpy(&v, static_cast<const char*>(b.data()) + offset * sizeof(T), sizeof v);
  return v;
}

template <typename T>
void store_as(const Buffer& b, int64_t offset, T v) {
  std::memcpy(static_cast<char*>(b.data()) + offset * sizeof(T), &v, sizeof v);
}

/// The raw integer at offset, sign- or zero-extended (u64: its bits).
int64_t load_int(const Buffer& b, int64_t offset) {
  Type t = b.dtype();
  if (t.is_bool()) return load_as<uint8_t>(b, offset) != 0;
  // Separate returns: `c ? int32_t : uint32_t` would convert both to unsigned.
  if (t.is_int()) {
    switch (t.bits) {
      case 8: return load_as<int8_t>(b, offset);
      case 16: return load_as<int16_t>(b, offset);
      case 32: return load_as<int32_t>(b, offset);
      case 64: return load_as<int64_t>(b, offset);
    }
  } else {
    switch (t.bits) {
      case 8: return load_as<uint8_t>(b, offset);
      case 16: return load_as<uint16_t>(b, offset);
      case 32: return load_as<uint32_t>(b, offset);
      case 64: return load_as<int64_t>(b, offset);
    }
  }
  internal_error << "buffer of unsupported type " << t.str();
  return 0;
}

/// Stores the low bits of v.
void store_int(const Buffer& b, int64_t offset, int64_t v) {
  Type t = b.dtype();
  if (t.is_bool()) return store_as<uint8_t>(b, offset, v != 0);
  switch (t.bits) {
    case 8: return store_as<uint8_t>(b, offset, static_cast<uint8_t>(v));
    case 16: return store_as<uint16_t>(b, offset, static_cast<uint16_t>(v));
    case 32: return store_as<uint32_t>(b, offset, static_cast<uint32_t>(v));
    case 64: return store_as<int64_t>(b, offset, v);
  }
  internal_error << "buffer of unsupported type " << t.str();
}

double load_float(const Buffer& b, int64_t offset) {
  Type t = b.dtype();
  if (t.is_bfloat()) return bfloat_bits_to_float(load_as<uint16_t>(b, offset));
  switch (t.bits) {
    case 16: return half_bits_to_float(load_as<uint16_t>(b, offset));
    case 32: return load_as<float>(b, offset);
    case 64: return load_as<double>(b, offset);
  }
  internal_error << "buffer of unsupported type " << t.str();
  return 0;
}

void store_float(const Buffer& b, int64_t offset, double v) {
  Type t = b.dtype();
  if (t.is_bfloat()) return store_as<uint16_t>(b, offset, float_to_bfloat_bits(static_cast<float>(v)));
  switch (t.bits) {
    case 16: return store_as<uint16_t>(b, offset, double_to_half_bits(v));
    case 32: return store_as<float>(b, offset, static_cast<float>(v));
    case 64: return store_as<double>(b, offset, v);
  }
  internal_error << "buffer of unsupported type " << t.str();
}

}  // namespace

double Buffer::get_f64(int64_t pos) const {
  int64_t offset = element_offset(*this, pos);
  if (dtype_.is_float()) return load_float(*this, offset);
  int64_t v = load_int(*this, offset);
  if (dtype_.is_uint() && dtype_.bits == 64) return static_cast<double>(static_cast<uint64_t>(v));
  return static_cast<double>(v);
}

void Buffer::set_f64(int64_t pos, double v) {
  int64_t offset = element_offset(*this, pos);
  if (dtype_.is_float()) return store_float(*this, offset, v);
  if (dtype_.is_bool()) return store_int(*this, offset, v != 0);
  store_int(*this, offset, saturate_to_int(dtype_, v));
}

int64_t Buffer::get_i64(int64_t pos) const {
  int64_t offset = element_offset(*this, pos);
  if (!dtype_.is_float()) return load_int(*this, offset);
  // Toward zero, as a cast; saturating so huge values stay defined.
  double v = std::trunc(load_float(*this, offset));
  return saturate_to_int(i64(), v);
}

void Buffer::set_i64(int64_t pos, int64_t v) {
  int64_t offset = element_offset(*this, pos);
  if (dtype_.is_float()) return store_float(*this, offset, static_cast<double>(v));
  if (dtype_.is_bool()) return store_int(*this, offset, v != 0);
  store_int(*this, offset, wrap_int(dtype_, v));
}

void Buffer::fill_random(uint64_t seed, double lo, double hi) {
  if (!(lo <= hi)) user_error << "fill_random of " << str() << " with lo " << lo << " > hi " << hi;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  const int64_t n = numel();
  for (int64_t p = 0; p < n; ++p) {
    if (dtype_.is_bool()) {
      set_i64(p, static_cast<int64_t>(rng() >> 63));
    } else {
      set_f64(p, dist(rng));  // integers: rounded and clamped to the type's range
    }
  }
}

double max_relative_error(const Buffer& a, const Buffer& b, double floor) {
  if (a.shape() != b.shape()) {
    user_error << "cannot compare buffers of different shapes: " << a.str() << " and " << b.str();
  }
  if (a.dtype().is_bool() != b.dtype().is_bool()) {
    user_error << "cannot compare a bool buffer with a numeric one: " << a.str() << " and "
               << b.str();
  }
  double worst = 0;
  const int64_t n = a.numel();
  for (int64_t p = 0; p < n; ++p) {
    double x = a.get_f64(p), y = b.get_f64(p);
    if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::infinity();
    if (x == y) continue;  // also equal infinities
    double err = std::fabs(x - y) / std::max(std::fabs(y), floor);
    if (std::isnan(err)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, err);
  }
  return worst;
}

}  // namespace kiln
