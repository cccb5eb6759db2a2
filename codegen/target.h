#pragma once
/// \file
/// Where generated code runs. The host target takes its CPU *features* from
/// the host (llvm::sys::getHostCPUFeatures), not only its name: LLVM 16 does
/// not know Zen 5 by name and would otherwise fall back to plain x86-64
/// without AVX-512.

#include <cstdint>
#include <string>

namespace kiln {

struct Target {
  enum class Kind : uint8_t { LLVM, CUDA };
  Kind kind = Kind::LLVM;
  std::string triple;    ///< "x86_64-pc-linux-gnu"
  std::string cpu;       ///< "znver4", "generic"
  std::string features;  ///< "+avx512f,+avx512vl,..."
  int sm = 0;            ///< CUDA compute capability, e.g. 90

  /// The machine this process runs on.
  static Target host();
  /// "llvm", "llvm -mcpu=skylake-avx512 -mattr=+avx2", "host", "cuda -arch=sm_90".
  /// Throws UserError naming the bad part.
  static Target parse(const std::string& s);
  /// A string parse() accepts back.
  std::string str() const;
  /// Widest native f32 vector lanes: 16 with AVX-512, 8 with AVX2, else 4.
  int natural_vector_lanes_f32() const;
  bool has_feature(const std::string& name) const;  ///< name without '+'
  /// The CUDA arch to compile for: sm, or 80 when none was given.
  int cuda_arch() const { return sm > 0 ? sm : 80; }
  /// CUDA limits every sm_XX kiln targets shares: threads per block, and
  /// static shared memory per block (more needs dynamic shared memory).
  int max_threads_per_block() const { return 1024; }
  int64_t max_shared_memory_bytes() const { return 48 * 1024; }
};

}  // namespace kiln
