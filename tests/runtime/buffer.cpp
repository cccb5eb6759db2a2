// Buffer: allocation, strides, element access, f16/bf16 conversions, DLPack
// round trips and result comparison.
#include "runtime/buffer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "base/error.h"
#include "runtime/dlpack.h"

namespace kiln {
namespace {

float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

TEST(Buffer, OwnedIsAlignedZeroedAndDense) {
  for (int64_t n : {1, 3, 17, 1000}) {
    Buffer b(f32(), {n, 5});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u) << n;
    EXPECT_EQ(b.strides(), (std::vector<int64_t>{5, 1}));
    EXPECT_TRUE(b.is_dense());
    EXPECT_EQ(b.numel(), n * 5);
    EXPECT_EQ(b.size_bytes(), static_cast<size_t>(n * 5 * 4));
    for (int64_t p = 0; p < b.numel(); ++p) ASSERT_EQ(b.get_f64(p), 0.0);
  }
  Buffer scalar(i32(), {});
  EXPECT_EQ(scalar.numel(), 1);
  EXPECT_TRUE(scalar.defined());
  EXPECT_EQ(scalar.str(), "i32[]");
  EXPECT_FALSE(Buffer().defined());
}

TEST(Buffer, StrIsDtypeAndShape) {
  EXPECT_EQ(Buffer(f32(), {64, 128}).str(), "f32[64, 128]");
  EXPECT_EQ(Buffer(bf16(), {3}).str(), "bf16[3]");
}

TEST(Buffer, NegativeExtentIsRefusedNamingTheDimension) {
  try {
    Buffer b(f32(), {4, -2});
    FAIL() << "a negative extent was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("dimension 1"), std::string::npos) << e.what();
  }
}

TEST(Buffer, SizesThatOverflowOrExceed2To48BytesAreRefused) {
  // 2^32 x 2^32 elements wrapped to 0 before: accepted, then written past.
  const std::vector<std::vector<int64_t>> shapes = {
      {int64_t(1) << 32, int64_t(1) << 32}, {int64_t(1) << 62, 4}, {INT64_MAX, 2},
      {int64_t(1) << 24, int64_t(1) << 23}, {3, INT64_MAX}};
  for (const std::vector<int64_t>& shape : shapes) {
    SCOPED_TRACE(std::to_string(shape[0]) + " x " + std::to_string(shape[1]));
    try {
      Buffer b(f32(), shape);
      ADD_FAILURE() << "accepted";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("more than 281474976710656 bytes"), std::string::npos)
          << e.what();
    }
    float x = 0;
    EXPECT_THROW(Buffer::borrow(&x, f32(), shape), UserError);
  }
  // An empty tensor with a huge other extent is fine: it holds nothing.
  EXPECT_EQ(Buffer(f32(), {0, int64_t(1) << 62}).numel(), 0);
}

TEST(Buffer, CopiesShareStorage) {
  Buffer a(i64(), {3});
  Buffer b = a;
  b.set_i64(2, 42);
  EXPECT_EQ(a.get_i64(2), 42);
}

TEST(Buffer, BorrowedViewReadsThroughStrides) {
  // A 3x4 view of the transpose of a 4x3 row-major array.
  std::vector<double> mem(12);
  for (int k = 0; k < 12; ++k) mem[k] = k;
  Buffer t = Buffer::borrow(mem.data(), f64(), {3, 4}, {1, 3});
  EXPECT_FALSE(t.is_dense());
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(t.get_f64(i * 4 + j), mem[j * 3 + i]);
  t.set_f64(1 * 4 + 2, -5);  // element [1, 2] is mem[2 * 3 + 1]
  EXPECT_EQ(mem[7], -5);

  Buffer dense = Buffer::borrow(mem.data(), f64(), {2, 6});
  EXPECT_TRUE(dense.is_dense());
  EXPECT_EQ(dense.strides(), (std::vector<int64_t>{6, 1}));
  EXPECT_THROW(Buffer::borrow(mem.data(), f64(), {2, 6}, {1}), UserError);
}

TEST(Buffer, IntegerAccessWrapsAndSigns) {
  Buffer u(u8(), {2});
  u.set_i64(0, 300);  // wraps to 44
  EXPECT_EQ(u.get_i64(0), 44);
  u.set_i64(1, -1);
  EXPECT_EQ(u.get_i64(1), 255);
  Buffer s(i8(), {1});
  s.set_i64(0, 200);
  EXPECT_EQ(s.get_i64(0), -56);
  Buffer big(u64(), {1});
  big.set_i64(0, -1);
  EXPECT_EQ(big.get_f64(0), 18446744073709551615.0);
  Buffer flag(boolean(), {2});
  flag.set_f64(0, 0.5);
  EXPECT_EQ(flag.get_i64(0), 1);
  EXPECT_EQ(flag.get_i64(1), 0);
  Buffer f(f32(), {1});
  f.set_f64(0, -2.75);
  EXPECT_EQ(f.get_i64(0), -2);  // toward zero, as a cast
}

TEST(Buffer, OutOfRangeElementIsRefused) {
  Buffer b(f32(), {2, 2});
  EXPECT_THROW(b.get_f64(4), UserError);
  EXPECT_THROW(b.set_f64(-1, 0), UserError);
}

TEST(Buffer, FillRandomIsReproducibleAndInRange) {
  Buffer a(f32(), {7, 11}), b(f32(), {7, 11}), c(f32(), {7, 11});
  a.fill_random(5, -2, 3);
  b.fill_random(5, -2, 3);
  c.fill_random(6, -2, 3);
  bool differs = false;
  for (int64_t p = 0; p < a.numel(); ++p) {
    EXPECT_EQ(a.get_f64(p), b.get_f64(p));
    EXPECT_GE(a.get_f64(p), -2);
    EXPECT_LE(a.get_f64(p), 3);
    differs = differs || a.get_f64(p) != c.get_f64(p);
  }
  EXPECT_TRUE(differs);

  Buffer ints(i32(), {200});
  ints.fill_random(1, -8, 8);
  bool saw_negative = false;
  for (int64_t p = 0; p < ints.numel(); ++p) {
    EXPECT_GE(ints.get_i64(p), -8);
    EXPECT_LE(ints.get_i64(p), 8);
    saw_negative = saw_negative || ints.get_i64(p) < 0;
  }
  EXPECT_TRUE(saw_negative);

  Buffer flags(boolean(), {64});
  flags.fill_random(2);
  int ones = 0;
  for (int64_t p = 0; p < flags.numel(); ++p) ones += static_cast<int>(flags.get_i64(p));
  EXPECT_GT(ones, 0);
  EXPECT_LT(ones, 64);
}

// ------------------------------------------------------------ f16 / bf16

TEST(HalfConversion, ExactValuesAndEdges) {
  EXPECT_EQ(float_to_half_bits(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half_bits(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half_bits(65504.0f), 0x7bff);   // largest finite
  EXPECT_EQ(float_to_half_bits(65519.0f), 0x7bff);   // below the halfway point
  EXPECT_EQ(float_to_half_bits(65520.0f), 0x7c00);   // halfway: ties to even = inf
  EXPECT_EQ(float_to_half_bits(1e6f), 0x7c00);
  EXPECT_EQ(float_to_half_bits(-INFINITY), 0xfc00);
  EXPECT_EQ(float_to_half_bits(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -25)), 0x0000);  // tie to even: 0
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(float_to_half_bits(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 units: tie to even 2
  uint16_t nan = float_to_half_bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x3ff, 0);
  // Ties to even in the normal range: 1 + 2^-11 is halfway between 1 and
  // 1 + 2^-10 and rounds to 1; 1 + 3 * 2^-11 rounds up to 1 + 2^-9.
  EXPECT_EQ(float_to_half_bits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(float_to_half_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
}

TEST(HalfConversion, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = half_bits_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_EQ(h & 0x7c00, 0x7c00u);
      continue;
    }
    ASSERT_EQ(float_to_half_bits(f), h) << std::hex << h;
  }
  EXPECT_EQ(half_bits_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_bits_to_float(0x7c00), INFINITY);
  EXPECT_EQ(half_bits_to_float(0x3555), 0.333251953125f);
}

TEST(HalfConversion, DoubleRoundsOnce) {
  // Just above the halfway point between two halves, by less than f32 can
  // hold: rounding through f32 first would land on the tie and go even.
  double above = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);
  EXPECT_EQ(double_to_half_bits(above), 0x3c01);
  EXPECT_EQ(double_to_half_bits(1.0), 0x3c00);
  EXPECT_EQ(double_to_half_bits(1e300), 0x7c00);
}

TEST(BFloatConversion, RoundsToNearestEven) {
  EXPECT_EQ(float_to_bfloat_bits(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bfloat_bits(bits_to_float(0x3f808000)), 0x3f80);  // tie, even stays
  EXPECT_EQ(float_to_bfloat_bits(bits_to_float(0x3f818000)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(float_to_bfloat_bits(bits_to_float(0x3f808001)), 0x3f81);
  EXPECT_EQ(float_to_bfloat_bits(std::numeric_limits<float>::max()), 0x7f80);  // overflows to inf
  EXPECT_EQ(float_to_bfloat_bits(-INFINITY), 0xff80);
  EXPECT_EQ(float_to_bfloat_bits(bits_to_float(0x00000001)), 0x0000);  // tiny subnormal
  EXPECT_EQ(float_to_bfloat_bits(bits_to_float(0x00018000)), 0x0002);  // subnormal tie, odd up
  EXPECT_TRUE(std::isnan(bfloat_bits_to_float(float_to_bfloat_bits(NAN))));
  // NaN with only low payload bits must not become infinity.
  EXPECT_TRUE(std::isnan(bfloat_bits_to_float(float_to_bfloat_bits(bits_to_float(0x7f800001)))));
  for (uint32_t b = 0; b < 0x10000; ++b) {
    float f = bfloat_bits_to_float(static_cast<uint16_t>(b));
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_bfloat_bits(f), b) << std::hex << b;
  }
}

TEST(HalfConversion, BuffersStoreRounded) {
  Buffer h(f16(), {2});
  h.set_f64(0, 0.1);
  EXPECT_EQ(h.get_f64(0), static_cast<double>(half_bits_to_float(0x2e66)));
  EXPECT_EQ(h.data_as<uint16_t>()[0], 0x2e66);
  Buffer b(bf16(), {1});
  b.set_f64(0, 3.14159);
  EXPECT_EQ(b.data_as<uint16_t>()[0], 0x4049);
  EXPECT_NEAR(b.get_f64(0), 3.140625, 0);
}

// ------------------------------------------------------------ DLPack

TEST(DLPack, RoundTripSharesMemory) {
  Buffer a(f32(), {3, 5});
  a.fill_random(3);
  DLManagedTensor* m = a.to_dlpack();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->dl_tensor.device.device_type, kDLCPU);
  EXPECT_EQ(m->dl_tensor.ndim, 2);
  EXPECT_EQ(m->dl_tensor.dtype.code, kDLFloat);
  EXPECT_EQ(m->dl_tensor.dtype.bits, 32);
  EXPECT_EQ(m->dl_tensor.dtype.lanes, 1);
  EXPECT_EQ(m->dl_tensor.shape[0], 3);
  EXPECT_EQ(m->dl_tensor.shape[1], 5);
  Buffer b = Buffer::from_dlpack(m->dl_tensor);
  EXPECT_EQ(b.data(), a.data());
  EXPECT_EQ(b.str(), a.str());
  EXPECT_EQ(max_relative_error(a, b), 0.0);
  b.set_f64(7, 9.0);
  EXPECT_EQ(a.get_f64(7), 9.0);
  m->deleter(m);
}

TEST(DLPack, ManagedTensorKeepsStorageAlive) {
  DLManagedTensor* m = nullptr;
  {
    Buffer a(i32(), {4});
    for (int k = 0; k < 4; ++k) a.set_i64(k, 10 + k);
    m = a.to_dlpack();
  }
  Buffer view = Buffer::from_dlpack(m->dl_tensor);
  EXPECT_EQ(view.get_i64(3), 13);  // still alive: the managed tensor holds it
  m->deleter(m);
}

TEST(DLPack, NonDenseStridesAndByteOffset) {
  std::vector<int16_t> mem(40);
  for (int k = 0; k < 40; ++k) mem[k] = static_cast<int16_t>(k);
  int64_t shape[2] = {3, 4};
  int64_t strides[2] = {1, 5};  // column-major-ish, with a gap
  DLTensor t{};
  t.data = mem.data();
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = 2;
  t.dtype = DLDataType{kDLInt, 16, 1};
  t.shape = shape;
  t.strides = strides;
  t.byte_offset = 2 * sizeof(int16_t);  // start at element 2
  Buffer b = Buffer::from_dlpack(t);
  EXPECT_FALSE(b.is_dense());
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(b.get_i64(i * 4 + j), 2 + i + 5 * j);

  // And back out: the strides survive the round trip.
  DLManagedTensor* m = b.to_dlpack();
  ASSERT_NE(m->dl_tensor.strides, nullptr);
  EXPECT_EQ(m->dl_tensor.strides[0], 1);
  EXPECT_EQ(m->dl_tensor.strides[1], 5);
  Buffer c = Buffer::from_dlpack(m->dl_tensor);
  EXPECT_EQ(c.get_i64(5), b.get_i64(5));
  m->deleter(m);

  // Null strides mean dense.
  t.strides = nullptr;
  t.byte_offset = 0;
  Buffer d = Buffer::from_dlpack(t);
  EXPECT_TRUE(d.is_dense());
  EXPECT_EQ(d.get_i64(5), 5);
}

TEST(DLPack, UnsupportedDeviceAndDtypeAreRefused) {
  float x = 0;
  int64_t shape[1] = {1};
  DLTensor t{};
  t.data = &x;
  t.device = DLDevice{kDLCUDA, 1};
  t.ndim = 1;
  t.dtype = DLDataType{kDLFloat, 32, 1};
  t.shape = shape;
  try {
    Buffer::from_dlpack(t);
    FAIL() << "a CUDA tensor was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cuda"), std::string::npos) << e.what();
  }
  t.device = DLDevice{kDLCPU, 0};
  t.dtype = DLDataType{kDLComplex, 64, 1};
  try {
    Buffer::from_dlpack(t);
    FAIL() << "a complex tensor was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("complex64"), std::string::npos) << e.what();
  }
  t.dtype = DLDataType{kDLBfloat, 16, 1};
  EXPECT_EQ(Buffer::from_dlpack(t).dtype(), bf16());
  t.dtype = DLDataType{kDLBool, 8, 1};
  EXPECT_EQ(Buffer::from_dlpack(t).dtype(), boolean());
}

// ------------------------------------------------------------ comparison

TEST(MaxRelativeError, MeasuresAgainstTheReference) {
  Buffer got(f32(), {3}), want(f32(), {3});
  want.set_f64(0, 2.0);
  got.set_f64(0, 2.5);      // 0.25 relative
  want.set_f64(1, 0.0);
  got.set_f64(1, 1e-3);     // against the floor 0.1: 0.01
  want.set_f64(2, -4.0);
  got.set_f64(2, -4.0);
  EXPECT_DOUBLE_EQ(max_relative_error(got, want, 0.1), 0.25);
  got.set_f64(0, 2.0);
  EXPECT_NEAR(max_relative_error(got, want, 0.1), 0.01, 1e-9);
  got.set_f64(2, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(max_relative_error(got, want), std::numeric_limits<double>::infinity());
}

TEST(MaxRelativeError, ShapeMismatchNamesBothShapes) {
  try {
    max_relative_error(Buffer(f32(), {2, 3}), Buffer(f32(), {3, 2}));
    FAIL() << "shapes [2, 3] and [3, 2] were compared";
  } catch (const UserError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("f32[2, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("f32[3, 2]"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace kiln
