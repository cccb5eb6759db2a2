// Vendor libraries' figures in the tuning database (schema version 3):
// what kiln_bench_ops measured for OpenBLAS, oneDNN and the like beside
// kiln, kept so a report can show them. See database.h.
#include <cmath>
#include <ctime>

#include "autotune/database_impl.h"
#include "base/error.h"

namespace kiln {

void TuningDatabase::add_vendor_figure(const VendorFigure& figure) {
  VendorFigure f = figure;
  if (f.library.empty() || f.library.size() > 64) {
    user_error << "a vendor figure needs a library name of 1 to 64 characters, got '" << f.library
               << "'";
  }
  if (!std::isfinite(f.median_ms) || f.median_ms <= 0 || !std::isfinite(f.gflops) || f.gflops < 0) {
    user_error << "vendor figure of " << f.library << " for workload " << f.workload_key
               << ": a time of " << f.median_ms << " ms and " << f.gflops
               << " GFLOP/s are not a measurement";
  }
  if (f.created_unix == 0) f.created_unix = std::time(nullptr);
  if (f.kiln_version.empty()) f.kiln_version = KILN_VERSION;
  std::lock_guard<std::mutex> lock(impl_->mu);
  sqlite::write_transaction(impl_->db, impl_->path, [&] {
    if (!db_rows::has_workload(impl_->db, impl_->path, f.workload_key)) {
      user_error << "tuning database '" << impl_->path << "': a vendor figure for workload "
                 << f.workload_key << ", which it does not hold; add the workload first";
    }
    sqlite::Statement st(impl_->db, impl_->path,
                         "INSERT INTO vendor_figures (workload_key, library, median_ms, gflops, "
                         "created_unix, kiln_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    st.bind_text(1, f.workload_key)
        .bind_text(2, f.library)
        .bind_real(3, f.median_ms)
        .bind_real(4, f.gflops)
        .bind_int(5, f.created_unix)
        .bind_text(6, f.kiln_version);
    st.run();
  });
}

std::vector<VendorFigure> TuningDatabase::vendor_figures(const std::string& workload_key) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  sqlite::Statement st(impl_->db, impl_->path,
                       "SELECT workload_key, library, median_ms, gflops, created_unix, "
                       "kiln_version FROM vendor_figures WHERE workload_key = ?1 ORDER BY id");
  st.bind_text(1, workload_key);
  std::vector<VendorFigure> out;
  while (st.step()) {
    out.push_back({st.text(0), st.text(1), st.real(2), st.real(3), st.int64(4), st.text(5)});
  }
  return out;
}

}  // namespace kiln
