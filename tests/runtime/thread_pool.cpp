// The runtime thread pool on its own: every index runs once, errors come
// back, nested loops run serially, concurrent callers, thread counts.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <fstream>

#include "base/error.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

struct Counts {
  std::vector<std::atomic<int>> hits;
  explicit Counts(int64_t n) : hits(n) {}
};

int count_body(int64_t i, void* closure) {
  static_cast<Counts*>(closure)->hits[i].fetch_add(1);
  return 0;
}

class ThreadCount {
 public:
  ThreadCount() : saved_(num_threads()) {}
  ~ThreadCount() { set_num_threads(saved_); }

 private:
  int saved_;
};

TEST(ThreadPool, EveryIndexOnceForManyThreadCounts) {
  ThreadCount restore;
  for (int threads : {1, 2, 3, 5}) {
    set_num_threads(threads);
    for (int64_t n : {0, 1, 2, 7, 1000}) {
      Counts c(n);
      EXPECT_EQ(kiln_parallel_for(n, count_body, &c), 0);
      for (int64_t i = 0; i < n; i++) {
        EXPECT_EQ(c.hits[i].load(), 1) << "index " << i << " of " << n << " with " << threads << " threads";
      }
    }
  }
}

// Back-to-back loops on stack closures, with pauses of every length between
// them (workers spinning, falling asleep, waking while the caller already
// finished the iterations alone): every loop sees each index once, and no
// worker touches a closure after its loop returned (the closure is
// overwritten right after each loop; a late worker would count into the
// next loop's array and break its count).
TEST(ThreadPool, BackToBackLoopsWithWorkersSpinningAndSleeping) {
  ThreadCount restore;
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    for (int round = 0; round < 3000; ++round) {
      const int64_t n = 1 + round % 5;
      Counts c(n);
      ASSERT_EQ(kiln_parallel_for(n, count_body, &c), 0);
      for (int64_t i = 0; i < n; i++) {
        ASSERT_EQ(c.hits[i].load(), 1) << "round " << round << ", index " << i;
      }
      // Past the spin time now and then, so workers go to sleep too.
      if (round % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (round % 97 == 0) std::this_thread::sleep_for(std::chrono::microseconds(150));
    }
  }
}

TEST(ThreadPool, ReturnsTheFailure) {
  ThreadCount restore;
  set_num_threads(2);
  auto fail_at_17 = [](int64_t i, void*) { return i == 17 ? 5 : 0; };
  EXPECT_EQ(kiln_parallel_for(100, fail_at_17, nullptr), 5);
  set_num_threads(1);
  EXPECT_EQ(kiln_parallel_for(100, fail_at_17, nullptr), 5);
}

TEST(ThreadPool, NestedLoopsRunSerially) {
  ThreadCount restore;
  set_num_threads(2);
  Counts c(40 * 30);
  auto outer = [](int64_t i, void* closure) {
    struct Inner {
      Counts* c;
      int64_t row;
    } inner{static_cast<Counts*>(closure), i};
    return kiln_parallel_for(
        30,
        [](int64_t j, void* p) {
          auto* in = static_cast<Inner*>(p);
          in->c->hits[in->row * 30 + j].fetch_add(1);
          return 0;
        },
        &inner);
  };
  EXPECT_EQ(kiln_parallel_for(40, outer, &c), 0);
  for (auto& h : c.hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPool, ConcurrentCallersAndThreadCounts) {
  ThreadCount restore;
  set_num_threads(3);
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 3; t++) {
    callers.emplace_back([&] {
      for (int rep = 0; rep < 20; rep++) {
        Counts c(257);
        if (kiln_parallel_for(257, count_body, &c) != 0) failures++;
        for (auto& h : c.hits) {
          if (h.load() != 1) failures++;
        }
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);

  set_num_threads(0);
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(-4);
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(2);
  EXPECT_EQ(num_threads(), 2);
}

TEST(ThreadPool, MallocIsAlignedAndFreeable) {
  for (int64_t bytes : {0, 1, 63, 64, 65, 100000}) {
    void* p = kiln_malloc(bytes);
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    kiln_free(p);
  }
  EXPECT_EQ(kiln_malloc(-1), nullptr);
}

TEST(ThreadPool, ThreadCountsAreBounded) {
  ThreadCount restore;
  for (int bad : {KILN_MAX_THREADS + 1, 100000}) {
    try {
      set_num_threads(bad);
      ADD_FAILURE() << bad << " threads accepted";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("use 1 to 1024"), std::string::npos) << e.what();
    }
  }
  // The C entry point cannot throw: it clamps.
  kiln_set_num_threads(100000);
  EXPECT_EQ(num_threads(), KILN_MAX_THREADS);
  kiln_set_num_threads(-5);
  EXPECT_EQ(num_threads(), 1);
}

TEST(ThreadPool, ThreadsTheSystemRefusesAreAnErrorCodeNotACrash) {
  // In a child whose address space cannot hold 1023 thread stacks: the
  // loop returns KILN_ERROR_NO_THREADS (the std::system_error stays
  // inside), and a later loop with fewer threads runs.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max =
        static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + (256 << 20);
    if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(10);
    set_num_threads(KILN_MAX_THREADS);
    Counts c(10000);
    if (kiln_parallel_for(10000, count_body, &c) != KILN_ERROR_NO_THREADS) ::_exit(11);
    set_num_threads(2);
    Counts d(1000);
    if (kiln_parallel_for(1000, count_body, &d) != 0) ::_exit(12);
    for (auto& h : d.hits)
      if (h.load() != 1) ::_exit(13);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: no rlimit, 11: not the error code, 12/13: no recovery";
}

}  // namespace
}  // namespace kiln
