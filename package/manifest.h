#pragma once
/// \file
/// The package's manifest.json (what each kernel is and where its schedule
/// came from, for people and tools) and its README.md (how to call it
/// from C, PyTorch and NumPy).

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "package/plan.h"

namespace kiln {

/// manifest.json: the kiln version, target, and per function its op,
/// settings, arguments and kernels (symbol, sizes, trace, schedule source,
/// tuned figures, compile time). compile_ms maps kernel symbols to their
/// LLVM compile time.
nlohmann::json package_manifest(const PackagePlan& plan, const std::map<std::string, double>& compile_ms);

/// README.md of the package.
std::string package_readme(const PackagePlan& plan);

}  // namespace kiln
