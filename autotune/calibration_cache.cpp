// The calibration cache: one JSON file holding a calibration per
// (machine fingerprint, thread count), so a machine is measured once and a
// copied home directory or a different thread count never reuses figures
// that do not belong to it.
//
//   {"kiln_calibration": 1,
//    "entries": [{"fingerprint": "...", "threads": 2, "peak_gflops": 421.0, ...}]}
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "autotune/calibration.h"
#include "base/error.h"
#include "base/machine.h"
#include "codegen/llvm/host_target.h"
#include "runtime/read_file.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

constexpr int kCacheVersion = 1;

nlohmann::json to_json(const Calibration& c) {
  return {{"fingerprint", c.fingerprint}, {"threads", c.threads},
          {"peak_gflops", c.peak_gflops}, {"peak_gbps", c.peak_gbps},
          {"copy_gbps", c.copy_gbps},     {"triad_gbps", c.triad_gbps},
          {"stream_copy_gbps", c.stream_copy_gbps},
          {"fma_isa", c.fma_isa},         {"created_unix", c.created_unix}};
}

// Nothing when an entry lacks a field or has a nonsensical value (a file
// edited by hand, or written by a future kiln).
std::optional<Calibration> from_json(const nlohmann::json& j) {
  try {
    Calibration c;
    c.fingerprint = j.at("fingerprint").get<std::string>();
    c.threads = j.at("threads").get<int>();
    c.peak_gflops = j.at("peak_gflops").get<double>();
    c.peak_gbps = j.at("peak_gbps").get<double>();
    c.copy_gbps = j.at("copy_gbps").get<double>();
    c.triad_gbps = j.at("triad_gbps").get<double>();
    c.stream_copy_gbps = j.value("stream_copy_gbps", 0.0);  // absent in older caches
    c.fma_isa = j.at("fma_isa").get<std::string>();
    c.created_unix = j.at("created_unix").get<int64_t>();
    if (c.threads < 1 || !(c.peak_gflops > 0) || !(c.peak_gbps > 0)) return std::nullopt;
    return c;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// The cache's entries; an empty list for a missing or foreign file.
nlohmann::json read_entries(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::array();
  in.close();
  // A cache is a few kilobytes; a huge file is foreign (treated as empty).
  std::string text;
  try {
    text = read_file_bounded(path, size_t(1) << 20, "calibration cache");
  } catch (const UserError&) {
    return nlohmann::json::array();
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("kiln_calibration", 0) != kCacheVersion) {
    return nlohmann::json::array();
  }
  const auto entries = j.find("entries");
  if (entries == j.end() || !entries->is_array()) return nlohmann::json::array();
  return *entries;
}

}  // namespace

std::string calibration_fingerprint() { return machine_fingerprint(host_target().features); }

std::string calibration_cache_path() {
  if (const char* p = std::getenv("KILN_CALIBRATION_CACHE"); p && *p) return p;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    return std::string(x) + "/kiln/calibration.json";
  }
  if (const char* h = std::getenv("HOME"); h && *h) {
    return std::string(h) + "/.cache/kiln/calibration.json";
  }
  return "kiln_calibration.json";
}

std::optional<Calibration> load_calibration(const std::string& path,
                                            const std::string& fingerprint, int threads) {
  for (const nlohmann::json& e : read_entries(path)) {
    std::optional<Calibration> c = from_json(e);
    if (c && c->fingerprint == fingerprint && c->threads == threads) return c;
  }
  return std::nullopt;
}

void save_calibration(const std::string& path, const Calibration& c) {
  nlohmann::json entries = nlohmann::json::array();
  for (const nlohmann::json& e : read_entries(path)) {
    const std::optional<Calibration> old = from_json(e);
    if (old && !(old->fingerprint == c.fingerprint && old->threads == c.threads)) {
      entries.push_back(e);
    }
  }
  entries.push_back(to_json(c));
  const nlohmann::json file = {{"kiln_calibration", kCacheVersion}, {"entries", entries}};

  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp);
    out << file.dump(2) << "\n";
    if (!out) {
      std::remove(tmp.c_str());
      user_error << "cannot write the calibration cache '" << path
                 << "'; set KILN_CALIBRATION_CACHE to a writable file";
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    user_error << "cannot write the calibration cache '" << path << "' (" << ec.message()
               << "); set KILN_CALIBRATION_CACHE to a writable file";
  }
}

Calibration machine_calibration(bool* measured) {
  const std::string path = calibration_cache_path();
  if (std::optional<Calibration> c = load_calibration(path, calibration_fingerprint(), num_threads())) {
    if (measured) *measured = false;
    return *c;
  }
  const Calibration c = measure_calibration();
  // An unwritable cache costs a measurement per run, not the figures.
  try {
    save_calibration(path, c);
  } catch (const UserError&) {
  }
  if (measured) *measured = true;
  return c;
}

}  // namespace kiln
