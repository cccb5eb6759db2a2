#pragma once
/// \file
/// FNV-1a, 64 bit: the one hash kiln stores. Unlike std::hash it is the same
/// in every process, compiler and run, so its digests can key the tuning
/// database (workload keys), the calibration cache and structural hashes of
/// definitions. Values are fed byte by byte, integers in little-endian
/// order whatever the host, so a digest is portable.
///
///   Fnv1a h;
///   h.terminated_string(op_name);
///   h.u64(size);
///   std::string key = h.hex();

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace kiln {

class Fnv1a {
 public:
  void byte(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;  // the 64-bit FNV prime
  }
  void bytes(const void* p, size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) byte(c[i]);
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    u64(bits);
  }
  /// The string's bytes alone: for hashing one whole string.
  void string_bytes(const std::string& s) { bytes(s.data(), s.size()); }
  /// Length first, then the bytes: fields of any content stay apart.
  void sized_string(const std::string& s) {
    u64(s.size());
    string_bytes(s);
  }
  /// The bytes, then a zero byte: ("ab","c") and ("a","bc") differ for
  /// fields without NULs.
  void terminated_string(const std::string& s) {
    string_bytes(s);
    byte(0);
  }

  uint64_t value() const { return h_; }
  /// 16 lower-case hex digits.
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;  // the 64-bit FNV offset basis
};

}  // namespace kiln
