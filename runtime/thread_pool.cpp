// The runtime behind generated code: the thread pool for parallel loops and
// aligned allocation. AOT objects and packages link it through
// libkiln_runtime.a (base/ and runtime/), so it depends on nothing else in
// kiln.
//
// The pool: persistent workers, created on first use; the calling thread
// works too; iterations are handed out in chunks by an atomic counter. A
// parallel loop inside a parallel loop runs serially on the thread that
// reaches it (a thread_local flag), so nesting never deadlocks or
// oversubscribes. One parallel loop uses the pool at a time; a second
// caller waits for it.
//
// Latency matters as much as throughput: a packaged op called from PyTorch
// on a 16 x 100 softmax, or a kernel with several parallel stages, runs
// loops of a few microseconds back to back. Waking a sleeping thread costs
// tens of microseconds on a virtual machine, so (as OpenMP runtimes and
// Halide's pool do) a worker that finishes a loop spins for a short while
// on the job counter before it sleeps, and the caller never waits for a
// worker that had not joined by the time the iterations ran out: the job is
// closed, and a worker arriving later leaves it alone.
#include "runtime/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "base/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KILN_CPU_RELAX() _mm_pause()
#else
#define KILN_CPU_RELAX() std::this_thread::yield()
#endif

namespace {

thread_local bool t_in_parallel = false;

/// How long an idle worker spins for the next loop before it sleeps.
constexpr std::chrono::microseconds kSpinTime{200};

int default_thread_count() {
  if (const char* env = std::getenv("KILN_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return std::min(n, KILN_MAX_THREADS);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw >= 1 ? std::min(static_cast<int>(hw), KILN_MAX_THREADS) : 1;
}

std::atomic<int> g_requested_threads{0};  // 0: not set yet

int requested_threads() {
  int n = g_requested_threads.load();
  if (n == 0) {
    int d = default_thread_count();
    g_requested_threads.compare_exchange_strong(n, d);
    n = g_requested_threads.load();
  }
  return n;
}

/// Runs body over [0, n) on the calling thread; the first failure stops it.
int run_serial(int64_t n, kiln_parallel_body body, void* closure) {
  for (int64_t i = 0; i < n; i++) {
    int rc = body(i, closure);
    if (rc != 0) return rc;
  }
  return 0;
}

class ThreadPool {
 public:
  /// Runs one parallel loop with `threads` threads (the caller included).
  int run(int64_t n, kiln_parallel_body body, void* closure, int threads) {
    std::lock_guard<std::mutex> job_lock(job_mu_);
    resize(threads - 1);
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      body_ = body;
      closure_ = closure;
      n_ = n;
      // Small chunks balance uneven iterations; a few per thread keep the
      // counter off the critical path for cheap ones.
      chunk_ = std::max<int64_t>(1, n / (static_cast<int64_t>(threads) * 8));
      next_.store(0);
      error_.store(0);
      joined_ = 0;
      closed_ = false;
      generation_.store(generation_.load() + 1, std::memory_order_release);
      wake = sleeping_ > 0;
    }
    if (wake) work_cv_.notify_all();  // spinning workers see generation_ change
    work();
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;  // workers that have not joined yet stay out
    done_cv_.wait(lock, [&] { return joined_ == 0; });
    return error_.load();
  }

 private:
  void work() {
    t_in_parallel = true;
    for (;;) {
      int64_t begin = next_.fetch_add(chunk_);
      if (begin >= n_ || error_.load(std::memory_order_relaxed) != 0) break;
      int64_t end = std::min(n_, begin + chunk_);
      for (int64_t i = begin; i < end; i++) {
        int rc = body_(i, closure_);
        if (rc != 0) {
          int zero = 0;
          error_.compare_exchange_strong(zero, rc);
          break;
        }
      }
    }
    t_in_parallel = false;
  }

  /// Spins until generation_ differs from `seen` or kSpinTime passes.
  void spin_for_work(uint64_t seen) const {
    const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
    for (int i = 0;; ++i) {
      if (generation_.load(std::memory_order_acquire) != seen) return;
      if ((i & 63) == 63 && std::chrono::steady_clock::now() >= deadline) return;
      KILN_CPU_RELAX();
    }
  }

  void worker_main(int index) {
    uint64_t seen = generation_.load();
    for (;;) {
      spin_for_work(seen);
      {
        std::unique_lock<std::mutex> lock(mu_);
        ++sleeping_;
        work_cv_.wait(lock, [&] { return stop_ || index >= active_ || generation_.load() != seen; });
        --sleeping_;
        if (stop_ || index >= active_) return;
        seen = generation_.load();
        if (closed_) continue;  // the caller finished this loop without us
        ++joined_;
      }
      work();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--joined_ == 0 && closed_) done_cv_.notify_one();
      }
    }
  }

  /// Keeps exactly `count` workers (called with job_mu_ held, between jobs).
  void resize(int count) {
    if (static_cast<int>(workers_.size()) == count) return;
    stop_workers();
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_ = count;
    }
    try {
      for (int i = 0; i < count; i++) {
        workers_.emplace_back([this, i] { worker_main(i); });
      }
    } catch (...) {
      // The system refused a thread: no pool rather than half of one.
      stop_workers();
      throw;
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_ = 0;  // every worker exits its loop
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  std::mutex job_mu_;  ///< one parallel loop at a time
  std::mutex mu_;      ///< guards the fields below and the job fields' publication
  std::condition_variable work_cv_, done_cv_;
  std::vector<std::thread> workers_;
  int active_ = 0;  ///< workers with index below this stay alive
  bool stop_ = false;
  /// Bumped for each loop; read without the lock by spinning workers.
  std::atomic<uint64_t> generation_{0};
  int sleeping_ = 0;      ///< workers blocked on work_cv_
  int joined_ = 0;        ///< workers inside the current loop's work()
  bool closed_ = true;    ///< the caller is done with the loop's iterations

  kiln_parallel_body body_ = nullptr;
  void* closure_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 1;
  std::atomic<int64_t> next_{0};
  std::atomic<int> error_{0};
};

// Deliberately leaked: destroying it at exit would join workers while
// other static destructors run, and a joinable std::thread destroyed
// without a join terminates the process.
ThreadPool* g_pool = nullptr;
std::mutex g_pool_mu;

ThreadPool& pool() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (!g_pool) {
    static std::once_flag atfork_once;
    std::call_once(atfork_once, [] {
      // A forked child has none of the parent's workers: it starts a fresh
      // pool (the old one is abandoned, its threads never existed here).
      pthread_atfork(nullptr, nullptr, [] {
        new (&g_pool_mu) std::mutex();
        g_pool = nullptr;
      });
    });
    g_pool = new ThreadPool();
  }
  return *g_pool;
}

}  // namespace

extern "C" {

int kiln_parallel_for(int64_t n, kiln_parallel_body body, void* closure) {
  if (n <= 0) return 0;
  int threads = requested_threads();
  if (n == 1 || threads <= 1 || t_in_parallel) return run_serial(n, body, closure);
  // The pool keeps threads - 1 workers even when n is smaller: resizing
  // per loop would cost more than idle workers finding no work. Nothing
  // may escape into generated code (or a package's C caller).
  try {
    return pool().run(n, body, closure, threads);
  } catch (...) {
    return KILN_ERROR_NO_THREADS;
  }
}

void* kiln_malloc(int64_t bytes) {
  if (bytes < 0) return nullptr;
  // aligned_alloc wants a multiple of the alignment; 0 bytes still gets a
  // unique, freeable pointer.
  size_t size = (static_cast<size_t>(bytes) + 63) / 64 * 64;
  if (size == 0) size = 64;
  return std::aligned_alloc(64, size);
}

void kiln_free(void* p) { std::free(p); }

void kiln_set_num_threads(int n) {
  g_requested_threads.store(std::clamp(n, 1, KILN_MAX_THREADS));
}

int kiln_num_threads(void) { return requested_threads(); }

}  // extern "C"

namespace kiln {

void set_num_threads(int n) {
  if (n > KILN_MAX_THREADS) {
    user_error << "thread count " << n << " is too large; use 1 to " << KILN_MAX_THREADS;
  }
  g_requested_threads.store(n < 1 ? 1 : n);
}

int num_threads() { return requested_threads(); }

}  // namespace kiln
