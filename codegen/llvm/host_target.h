#pragma once
/// \file
/// Targets as LLVM sees them: the host's CPU and features, target strings
/// checked against what this LLVM knows, and feature queries that follow a
/// CPU name's implied features. The host target takes its CPU *features*
/// from the host (llvm::sys::getHostCPUFeatures), not only its name: LLVM
/// 16 does not know Zen 5 by name and would otherwise fall back to plain
/// x86-64 without AVX-512. The Target itself is data (base/target.h).

#include <string>

#include "base/target.h"

namespace kiln {

/// The machine this process runs on.
Target host_target();

/// "host", "llvm", "llvm -mcpu=skylake-avx512 -mattr=+avx2",
/// "cuda -arch=sm_90": read_target_text(), then "host" resolved to
/// host_target() and an llvm target's triple and CPU checked against this
/// LLVM. Throws UserError naming the bad part.
Target parse_target(const std::string& text);

/// Whether an LLVM target has feature `name` (without '+'), counting the
/// features its CPU name implies (skylake-avx512 has avx512f without
/// listing it). False for CUDA targets.
bool target_has_feature(const Target& target, const std::string& name);

/// Widest native f32 vector lanes: 16 with AVX-512, 8 with AVX, else 4; 1
/// for a CUDA target.
int natural_vector_lanes_f32(const Target& target);

}  // namespace kiln
