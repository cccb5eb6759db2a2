// A GpuLaunchPlan to and from JSON, every field bounded: a plan read by the
// runner process came through a socket and is checked before use.
#include <nlohmann/json.hpp>

#include "autotune/runner_wire.h"
#include "base/error.h"

namespace kiln {
namespace {

/// Far more than any kiln program has; a bound for what crosses the pipe.
constexpr size_t kMaxLaunches = 64, kMaxBuffers = 64, kMaxSizes = 64;

int64_t bounded(const nlohmann::json& j, const char* what, int64_t lo, int64_t hi) {
  if (!j.is_number_integer()) user_error << "launch plan: " << what << " is not an integer";
  const int64_t v = j.get<int64_t>();
  if (v < lo || v > hi) {
    user_error << "launch plan: " << what << " is " << v << ", outside [" << lo << ", " << hi
               << "]";
  }
  return v;
}

const nlohmann::json& array_field(const nlohmann::json& j, const char* key, size_t max) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_array())
    user_error << "launch plan: '" << key << "' is missing or not an array";
  if (j[key].size() > max)
    user_error << "launch plan: '" << key << "' has " << j[key].size() << " entries (at most "
               << max << ")";
  return j[key];
}

}  // namespace

nlohmann::json plan_to_json(const GpuLaunchPlan& plan) {
  nlohmann::json launches_json = nlohmann::json::array();
  for (const GpuLaunch& l : plan.launches) {
    launches_json.push_back({{"kernel", l.kernel},
                             {"grid", l.grid},
                             {"block", l.block},
                             {"buffers", l.buffers},
                             {"sizes", l.sizes}});
  }
  return {{"num_args", plan.num_args}, {"temp_bytes", plan.temp_bytes}, {"launches", launches_json}};
}

GpuLaunchPlan plan_from_json(const nlohmann::json& j, std::string image) {
  GpuLaunchPlan p;
  p.image = std::move(image);
  if (!j.is_object() || !j.contains("num_args")) user_error << "launch plan: 'num_args' is missing";
  p.num_args = static_cast<int>(bounded(j["num_args"], "num_args", 0, kMaxBuffers));
  for (const auto& t : array_field(j, "temp_bytes", kMaxBuffers))
    p.temp_bytes.push_back(bounded(t, "a temporary's bytes", 0, int64_t(1) << 40));
  const int64_t buffers = p.num_args + static_cast<int64_t>(p.temp_bytes.size());
  for (const auto& lj : array_field(j, "launches", kMaxLaunches)) {
    GpuLaunch l;
    if (!lj.is_object() || !lj.contains("kernel") || !lj["kernel"].is_string())
      user_error << "launch plan: a launch has no kernel name";
    l.kernel = lj["kernel"].get<std::string>();
    if (l.kernel.empty() || l.kernel.size() > 256)
      user_error << "launch plan: kernel name of " << l.kernel.size() << " characters";
    const auto& grid = array_field(lj, "grid", 3);
    const auto& block = array_field(lj, "block", 3);
    if (grid.size() != 3 || block.size() != 3)
      user_error << "launch plan: grid and block need 3 dimensions";
    for (int d = 0; d < 3; ++d) {
      l.grid[d] = bounded(grid[d], "a grid dimension", 0, 2147483647);
      l.block[d] = bounded(block[d], "a block dimension", 1, 1024);
    }
    for (const auto& b : array_field(lj, "buffers", kMaxBuffers))
      l.buffers.push_back(static_cast<int>(bounded(b, "a buffer index", 0, buffers - 1)));
    for (const auto& s : array_field(lj, "sizes", kMaxSizes))
      l.sizes.push_back(bounded(s, "a size argument", INT64_MIN, INT64_MAX));
    p.launches.push_back(std::move(l));
  }
  return p;
}


}  // namespace kiln
