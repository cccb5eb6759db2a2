#pragma once
// Helpers for the tuning database tests: a private temporary directory and
// whole-file reads (to prove a refused file was not touched).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "autotune/database.h"

namespace kiln::db_test {

/// A fresh directory, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string templ = ::testing::TempDir() + "kiln_db_XXXXXX";
    const char* made = ::mkdtemp(templ.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed for " << templ;
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline WorkloadKey workload(const std::string& key, const std::string& shape = "M=8,N=8,K=8") {
  WorkloadKey w;
  w.key = key;
  w.op = "matmul";
  w.shape = shape;
  w.options = "dtype=f32";
  w.target = "llvm -mcpu=test";
  w.hardware = "cpu=test;features=;threads=1";
  return w;
}

/// A record with the GFLOP/s of `flops` (matmul 8x8x8's by default) in
/// median_ms, as a tuner stores it (an import checks they agree).
inline TuningRecord record(const std::string& key, double median_ms,
                           const std::string& status = "ok", int64_t created = 0,
                           double flops = 2.0 * 8 * 8 * 8) {
  TuningRecord r;
  r.workload_key = key;
  r.trace_json = "{\"kiln_trace\": 1, \"steps\": [], \"median\": " + std::to_string(median_ms) + "}";
  r.status = status;
  if (status != "ok") r.error = "test " + status;
  r.median_ms = median_ms;
  r.gflops = median_ms > 0 ? flops / (median_ms * 1e6) : 0;
  r.compile_ms = 1.5;
  r.created_unix = created;
  return r;
}

/// The database's export, as text.
inline std::string exported(const TuningDatabase& db) {
  std::stringstream out;
  db.export_jsonl(out);
  return out.str();
}

/// Imports `text` as `kiln db import` would read it from a file.
inline ImportCounts import_text(TuningDatabase& db, const std::string& text) {
  std::stringstream in(text);
  return db.import_jsonl(in);
}

}  // namespace kiln::db_test
