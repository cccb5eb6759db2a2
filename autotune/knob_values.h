#pragma once
/// \file
/// Knob values of a search space (autotune/space.h), apart from it so that
/// the tuning database (autotune/database.h) can store them without the
/// DSL's headers.

#include <cstdint>
#include <map>
#include <string>

namespace kiln {

/// A candidate: a value for every knob of a space, by knob name.
using KnobValues = std::map<std::string, int64_t>;

}  // namespace kiln
