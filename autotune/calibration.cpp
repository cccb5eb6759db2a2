// Measuring the machine's peaks on kiln's thread pool.
//
// Peak FLOP/s: each thread runs a loop of independent FMAs on registers,
// with no memory traffic. The loop has as many accumulators as it takes to
// keep every FMA pipe busy despite the FMA latency (24 zmm chains: Zen 4/5
// and Intel cores have 2 pipes of 4-5 cycles, so 8-10 chains in flight are
// enough; 24 leaves margin and still fits the 32 registers). The functions
// carry target attributes, so this file needs no -mavx512f flag and runs
// the widest path the CPU (and OS) supports, checked at run time.
//
// Streaming bandwidth: a copy and a triad over arrays far larger than the
// last-level cache, cut in chunks the pool hands out, counting bytes read
// plus bytes written (the STREAM convention, and the one Op::bytes uses).
// Ordinary stores read each line before writing it (write-allocate), so a
// copy also runs with non-temporal stores, as kernels scheduled with
// store_nontemporal write: the peak is the best of the three.
#include "autotune/calibration.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "runtime/thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KILN_CALIBRATION_X86 1
#endif

namespace kiln {
namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// One FMA loop: `iters` rounds of kChains independent multiply-adds, each
// of `lanes` floats. acc = acc * m + c converges to c / (1 - m) and never
// overflows or becomes denormal. Returns a value derived from every chain
// so the compiler cannot drop any.
struct FmaLoop {
  const char* isa;
  int flops_per_iter;  // 2 * chains * lanes
  float (*run)(int64_t iters);
};

#ifdef KILN_CALIBRATION_X86
constexpr int kZmmChains = 24;
constexpr int kYmmChains = 12;  // 16 ymm registers: 12 chains + constants

__attribute__((target("avx512f"))) float fma_avx512(int64_t iters) {
  __m512 acc[kZmmChains];
#pragma GCC unroll 24
  for (int c = 0; c < kZmmChains; ++c) acc[c] = _mm512_set1_ps(0.001f * c);
  const __m512 m = _mm512_set1_ps(0.999f), add = _mm512_set1_ps(0.001f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 24
    for (int c = 0; c < kZmmChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], m, add);
  }
  __m512 total = acc[0];
#pragma GCC unroll 24
  for (int c = 1; c < kZmmChains; ++c) total = _mm512_add_ps(total, acc[c]);
  return _mm512_reduce_add_ps(total);
}

__attribute__((target("avx2,fma"))) float fma_avx2(int64_t iters) {
  __m256 acc[kYmmChains];
#pragma GCC unroll 12
  for (int c = 0; c < kYmmChains; ++c) acc[c] = _mm256_set1_ps(0.001f * c);
  const __m256 m = _mm256_set1_ps(0.999f), add = _mm256_set1_ps(0.001f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kYmmChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], m, add);
  }
  __m256 total = acc[0];
#pragma GCC unroll 12
  for (int c = 1; c < kYmmChains; ++c) total = _mm256_add_ps(total, acc[c]);
  float lanes[8];
  _mm256_storeu_ps(lanes, total);
  float sum = 0;
  for (float v : lanes) sum += v;
  return sum;
}
#endif

constexpr int kScalarChains = 8;

float fma_scalar(int64_t iters) {
  float acc[kScalarChains];
  for (int c = 0; c < kScalarChains; ++c) acc[c] = 0.001f * c;
  for (int64_t i = 0; i < iters; ++i) {
    for (float& a : acc) a = a * 0.999f + 0.001f;
  }
  float sum = 0;
  for (float a : acc) sum += a;
  return sum;
}

FmaLoop best_fma_loop() {
#ifdef KILN_CALIBRATION_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {"avx512", 2 * kZmmChains * 16, fma_avx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {"avx2", 2 * kYmmChains * 8, fma_avx2};
  }
#endif
  return {"scalar", 2 * kScalarChains, fma_scalar};
}

// What a parallel job of the pool needs: a function per chunk index and
// its state, behind the runtime's C entry point.
template <typename F>
void parallel_chunks(int64_t n, F& f) {
  auto body = [](int64_t i, void* closure) {
    (*static_cast<F*>(closure))(i);
    return 0;
  };
  const int rc = kiln_parallel_for(n, body, &f);
  internal_assert(rc == 0) << "calibration loop failed with " << rc;
}

double measure_fma_gflops(const CalibrationOptions& o, std::string* isa) {
  const FmaLoop loop = best_fma_loop();
  *isa = loop.isa;
  // Size one chunk so it takes about 1/8 of a trial on one core; each
  // thread then takes about 8 chunks, which balances a late starter.
  int64_t iters = 1 << 14;
  for (;;) {
    const double t0 = now_ms();
    volatile float sink = loop.run(iters);
    (void)sink;
    const double ms = now_ms() - t0;
    if (ms > 2 || iters > (int64_t{1} << 40)) {
      iters = std::max<int64_t>(1, static_cast<int64_t>(iters * (o.fma_trial_ms / 8) / ms));
      break;
    }
    iters *= 4;
  }
  const int64_t chunks = int64_t{8} * num_threads();
  std::vector<float> sinks(chunks);
  auto chunk = [&](int64_t i) { sinks[i] = loop.run(iters); };
  double best = 0;
  // The first trial is a warm-up: the pool starts its threads and the
  // cores leave their idle frequency.
  for (int t = 0; t <= o.trials; ++t) {
    const double t0 = now_ms();
    parallel_chunks(chunks, chunk);
    const double ms = now_ms() - t0;
    if (t > 0) best = std::max(best, 1.0 * loop.flops_per_iter * iters * chunks / (ms * 1e6));
  }
  return best;
}

// Arrays for the bandwidth loops, 64-byte aligned, first touched by the
// pool's threads (so pages are mapped before timing).
class StreamArray {
 public:
  explicit StreamArray(int64_t n) : n_(n) {
    data_ = static_cast<float*>(kiln_malloc(n * static_cast<int64_t>(sizeof(float))));
    if (!data_) user_error << "calibration could not allocate " << (n * 4 >> 20) << " MiB";
  }
  ~StreamArray() { kiln_free(data_); }
  StreamArray(const StreamArray&) = delete;
  StreamArray& operator=(const StreamArray&) = delete;
  float* data() const { return data_; }

 private:
  int64_t n_;
  float* data_ = nullptr;
};

// 256 KiB of floats per chunk: large enough that handing out chunks costs
// nothing, small enough that both threads finish together.
constexpr int64_t kStreamChunk = 64 * 1024;

void copy_chunk(const float* __restrict a, float* __restrict b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) b[i] = a[i];
}

void triad_chunk(float* __restrict a, const float* __restrict b, const float* __restrict c,
                 float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

// The copy with non-temporal stores; chunks are 64-byte aligned. The fence
// orders the stores before the pool's join.
void stream_copy_chunk(const float* __restrict a, float* __restrict b, int64_t n) {
#ifdef KILN_CALIBRATION_X86
  for (int64_t i = 0; i + 4 <= n; i += 4) _mm_stream_ps(b + i, _mm_load_ps(a + i));
  _mm_sfence();
#else
  copy_chunk(a, b, n);
#endif
}

struct StreamFigures {
  double copy_gbps = 0, triad_gbps = 0, stream_copy_gbps = 0;
};

StreamFigures measure_stream(const CalibrationOptions& o) {
  const int64_t n = std::max<int64_t>(kStreamChunk, o.stream_bytes / 4) / kStreamChunk *
                    kStreamChunk;
  const int64_t chunks = n / kStreamChunk;
  StreamArray a(n), b(n), c(n);
  auto init = [&](int64_t i) {
    const int64_t begin = i * kStreamChunk;
    std::fill(a.data() + begin, a.data() + begin + kStreamChunk, 1.0f);
    std::fill(b.data() + begin, b.data() + begin + kStreamChunk, 2.0f);
    std::fill(c.data() + begin, c.data() + begin + kStreamChunk, 0.5f);
  };
  parallel_chunks(chunks, init);
  auto copy = [&](int64_t i) {
    copy_chunk(a.data() + i * kStreamChunk, b.data() + i * kStreamChunk, kStreamChunk);
  };
  auto stream_copy = [&](int64_t i) {
    stream_copy_chunk(a.data() + i * kStreamChunk, b.data() + i * kStreamChunk, kStreamChunk);
  };
  auto triad = [&](int64_t i) {
    const int64_t begin = i * kStreamChunk;
    triad_chunk(a.data() + begin, b.data() + begin, c.data() + begin, 0.5f, kStreamChunk);
  };
  // More passes than FMA trials: one pass is only a few milliseconds.
  const int passes = 2 * o.trials;
  StreamFigures f;
  const double bytes = 4.0 * n;
  for (int t = 0; t <= passes; ++t) {
    double t0 = now_ms();
    parallel_chunks(chunks, copy);
    const double copy_ms = now_ms() - t0;
    t0 = now_ms();
    parallel_chunks(chunks, triad);
    const double triad_ms = now_ms() - t0;
    t0 = now_ms();
    parallel_chunks(chunks, stream_copy);
    const double stream_copy_ms = now_ms() - t0;
    if (t == 0) continue;  // warm-up
    f.copy_gbps = std::max(f.copy_gbps, 2 * bytes / (copy_ms * 1e6));
    f.triad_gbps = std::max(f.triad_gbps, 3 * bytes / (triad_ms * 1e6));
    f.stream_copy_gbps = std::max(f.stream_copy_gbps, 2 * bytes / (stream_copy_ms * 1e6));
  }
  return f;
}

}  // namespace

Calibration measure_calibration(const CalibrationOptions& options) {
  if (options.trials < 1 || options.fma_trial_ms <= 0 || options.stream_bytes <= 0) {
    user_error << "calibration needs at least 1 trial, a positive trial time and a positive "
               << "array size; got " << options.trials << " trials, " << options.fma_trial_ms
               << " ms, " << options.stream_bytes << " bytes";
  }
  Calibration c;
  c.fingerprint = calibration_fingerprint();
  c.threads = num_threads();
  c.peak_gflops = measure_fma_gflops(options, &c.fma_isa);
  const StreamFigures s = measure_stream(options);
  c.copy_gbps = s.copy_gbps;
  c.triad_gbps = s.triad_gbps;
  c.stream_copy_gbps = s.stream_copy_gbps;
  c.peak_gbps = std::max({s.copy_gbps, s.triad_gbps, s.stream_copy_gbps});
  c.created_unix = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return c;
}

}  // namespace kiln
