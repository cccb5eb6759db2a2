#pragma once
/// \file
/// Where generated code runs, as data: the kind (an LLVM CPU or CUDA), the
/// triple, CPU name and feature list, or the CUDA compute capability. This
/// is what schedules, lowering, workload keys and packages need to know of
/// a target, with no LLVM behind it. Finding the host's CPU and features,
/// and checking a CPU name, need LLVM: they are codegen's
/// (codegen/llvm/host_target.h: host_target(), parse_target()).

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

  /// A string parse_target() accepts back: "llvm -mcpu=... -mattr=...",
  /// with -mtriple only when the triple is not the build host's.
  std::string str() const;
  /// The CUDA arch to compile for: sm, or 80 when none was given.
  int cuda_arch() const { return sm > 0 ? sm : 80; }
  /// CUDA limits every sm_XX kiln targets shares: threads per block, and
  /// static shared memory per block (more needs dynamic shared memory).
  int max_threads_per_block() const { return 1024; }
  int64_t max_shared_memory_bytes() const { return 48 * 1024; }
};

/// A target string shortened for tables: "llvm -mcpu=znver4 -mattr=+a,+b"
/// -> "znver4" (the feature list is in the key, but too long to show),
/// "cuda -arch=sm_90" -> "cuda sm_90".
std::string short_target(const std::string& target);

/// The triple of the machine kiln was built for, as LLVM names it
/// ("x86_64-pc-linux-gnu"): CPU targets default to it.
std::string build_host_triple();

/// A target string read for its syntax alone: "host" (or "llvm" without
/// options), "llvm -mcpu=NAME -mattr=+a,-b -mtriple=T" or
/// "cuda -arch=sm_XX". Throws UserError naming the bad part. The CPU name
/// and triple are not checked against what LLVM knows here:
/// parse_target() does that.
struct TargetText {
  bool is_host = false;  ///< "host": the machine kiln runs on
  Target target;         ///< otherwise, the target as written
};
TargetText read_target_text(const std::string& text);

}  // namespace kiln
