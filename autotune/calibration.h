#pragma once
/// \file
/// The machine's roofline: peak f32 FLOP/s and streaming memory bandwidth,
/// measured on every thread of kiln's pool, so `kiln bench` can say what
/// fraction of the machine a kernel uses. Measuring takes about a second,
/// so a result is cached in a JSON file keyed by the hardware fingerprint
/// and the thread count, and measured again only by `kiln calibrate`.
///
///   Calibration c = machine_calibration();   // cached, or measured once now
///   double fraction = gflops / c.peak_gflops;

#include <cstdint>
#include <optional>
#include <string>

namespace kiln {

/// The measured peaks of one machine at one thread count.
struct Calibration {
  std::string fingerprint;  ///< calibration_fingerprint() when measured
  int threads = 1;          ///< threads of the pool during the measurement
  /// f32 FLOP/s of an FMA loop (a multiply-add counts 2), in GFLOP/s.
  double peak_gflops = 0;
  /// Streaming bandwidth, the best of copy, triad and streaming copy, in
  /// GB/s (1e9 B/s).
  double peak_gbps = 0;
  double copy_gbps = 0;   ///< b[i] = a[i]: bytes read plus bytes written
  double triad_gbps = 0;  ///< a[i] = b[i] + s * c[i]: bytes read plus written
  /// The copy with non-temporal stores (no read of each written line
  /// first), as kernels with store_nontemporal write; 0 when not measured.
  double stream_copy_gbps = 0;
  /// Vector instructions of the FMA loop: "avx512" (zmm), "avx2" (ymm) or
  /// "scalar".
  std::string fma_isa;
  int64_t created_unix = 0;  ///< when it was measured
};

/// How long and how large the measurements are. The defaults give stable
/// figures in about a second; tests shrink them.
struct CalibrationOptions {
  /// Length of one timed FMA trial; the best of `trials` is kept (and of
  /// 2 * trials bandwidth passes). Short trials, many of them: on a shared
  /// machine some of them run while the other processes sleep.
  double fma_trial_ms = 20;
  int trials = 10;
  /// Size of each array the bandwidth loops stream through; much larger
  /// than the last-level cache, or the figure is a cache bandwidth.
  int64_t stream_bytes = int64_t{128} << 20;
};

/// Measures the peaks now on num_threads() threads of kiln's pool.
Calibration measure_calibration(const CalibrationOptions& options = {});

/// The key calibrations of this machine are cached under:
/// machine_fingerprint (base/machine.h) of the host's CPU features.
std::string calibration_fingerprint();

/// Where calibrations are cached: $KILN_CALIBRATION_CACHE if set, else
/// $XDG_CACHE_HOME/kiln/calibration.json, else ~/.cache/kiln/calibration.json.
std::string calibration_cache_path();

/// The cached calibration for (fingerprint, threads) in the file at path;
/// nothing when the file is missing, unreadable, not a calibration cache,
/// or has no entry for that key.
std::optional<Calibration> load_calibration(const std::string& path,
                                            const std::string& fingerprint, int threads);

/// Stores c in the file at path (creating its folders), replacing the entry
/// with the same fingerprint and thread count and keeping the others. A
/// file that is not a calibration cache is replaced. The file is written
/// to a temporary name and renamed, so a reader never sees half of it.
/// Throws UserError when the file cannot be written.
void save_calibration(const std::string& path, const Calibration& c);

/// The calibration of this machine at num_threads(): from the cache, or
/// measured now and cached. `*measured` (when given) says which.
Calibration machine_calibration(bool* measured = nullptr);

}  // namespace kiln
