#pragma once
/// \file
/// The values an op is instantiated with, by name: its integer parameters
/// (sizes) and its string options. Apart from ops/op.h so that the tuning
/// database (autotune/database.h) can hold them without the DSL's headers.

#include <cstdint>
#include <map>
#include <string>

namespace kiln {

/// Values of an op's integer parameters, by name.
using OpSizes = std::map<std::string, int64_t>;
/// Values of an op's string options, by name.
using OpOptions = std::map<std::string, std::string>;

}  // namespace kiln
