#pragma once
/// \file
/// CUDA C to PTX with NVRTC. libnvrtc is loaded at run time (dlopen), like
/// libcuda, so kiln starts and every CPU feature works on machines without
/// the CUDA toolkit; only compiling CUDA needs it.

#include <string>

namespace kiln {

/// Whether NVRTC can be loaded; when not, *why says what was tried.
bool nvrtc_available(std::string* why = nullptr);

/// The NVRTC version as "13.0".
std::string nvrtc_version();

/// PTX for `source` (one translation unit) for sm_<arch>, from the module
/// cache when the same source was compiled for that arch before (key: a
/// hash of the source and the arch). Throws UserError with NVRTC's log when
/// the source does not compile, and when NVRTC is missing. When
/// `compile_ms` is given it receives the NVRTC time (0 on a cache hit).
std::string compile_cuda_to_ptx(const std::string& source, int arch, double* compile_ms = nullptr);

/// A cubin (SASS) for exactly sm_<arch>: NVRTC runs ptxas too, so the
/// driver loads it without JIT-compiling PTX (for the tuner, where the
/// driver's JIT in the measuring process would cost more than the kernel).
/// Cached and thrown like compile_cuda_to_ptx.
std::string compile_cuda_to_cubin(const std::string& source, int arch, double* compile_ms = nullptr);

/// Empties the module cache (tests measure compile times with it).
void clear_ptx_cache();

}  // namespace kiln
