// The runtime behind generated code: the thread pool for parallel loops and
// aligned allocation. This file is all of libkiln_runtime.a, which AOT
// objects link against, so it depends on nothing else in kiln.
//
// The pool: persistent workers, created on first use; the calling thread
// works too; iterations are handed out in chunks by an atomic counter. A
// parallel loop inside a parallel loop runs serially on the thread that
// reaches it (a thread_local flag), so nesting never deadlocks or
// oversubscribes. One parallel loop uses the pool at a time; a second
// caller waits for it.
#include "runtime/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace {

thread_local bool t_in_parallel = false;

int default_thread_count() {
  if (const char* env = std::getenv("KILN_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw >= 1 ? static_cast<int>(hw) : 1;
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
      busy_ = static_cast<int>(workers_.size());
      generation_++;
    }
    work_cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return busy_ == 0; });
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

  void worker_main(int index) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return stop_ || index >= active_ || generation_ != seen; });
        if (stop_ || index >= active_) return;
        seen = generation_;
      }
      work();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--busy_ == 0) done_cv_.notify_one();
      }
    }
  }

  /// Keeps exactly `count` workers (called with job_mu_ held, between jobs).
  void resize(int count) {
    if (static_cast<int>(workers_.size()) == count) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_ = 0;  // every worker exits its loop
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_ = count;
    }
    for (int i = 0; i < count; i++) {
      workers_.emplace_back([this, i] { worker_main(i); });
    }
  }

  std::mutex job_mu_;  ///< one parallel loop at a time
  std::mutex mu_;      ///< guards the fields below and the job fields' publication
  std::condition_variable work_cv_, done_cv_;
  std::vector<std::thread> workers_;
  int active_ = 0;  ///< workers with index below this stay alive
  bool stop_ = false;
  uint64_t generation_ = 0;
  int busy_ = 0;

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
  // per loop would cost more than idle workers finding no work.
  return pool().run(n, body, closure, threads);
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

void kiln_set_num_threads(int n) { g_requested_threads.store(n < 1 ? 1 : n); }

int kiln_num_threads(void) { return requested_threads(); }

}  // extern "C"

namespace kiln {

void set_num_threads(int n) { g_requested_threads.store(n < 1 ? 1 : n); }

int num_threads() { return requested_threads(); }

}  // namespace kiln
