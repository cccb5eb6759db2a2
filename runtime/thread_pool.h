#pragma once
/// \file
/// The thread pool behind `parallel` loops: persistent worker threads, a
/// configurable count, and nested parallel loops run serially on the calling
/// thread. Generated code calls the C entry points below.

#include <cstdint>

/// The most threads parallel loops use: more is a mistake (a count of
/// 100000 makes the system refuse threads), never a speed-up.
#define KILN_MAX_THREADS 1024
/// kiln_parallel_for's result when the system refused to start the pool's
/// threads (generated code returns 1 when an intermediate buffer could not
/// be allocated).
#define KILN_ERROR_NO_THREADS 2
/// A generated kernel's result when read check i of its LoweredFunc fails
/// at the sizes it was called with: KILN_KERNEL_READ_OUT_OF_BOUNDS + i.
/// Nothing has been read or written then.
#define KILN_KERNEL_READ_OUT_OF_BOUNDS 16

extern "C" {
/// The body of a parallel loop: runs iteration `index` with captured state.
typedef int (*kiln_parallel_body)(int64_t index, void* closure);
/// Runs body(i, closure) for i in [0, n) on the pool; returns the first
/// non-zero result of a body, KILN_ERROR_NO_THREADS when the pool could not
/// start, else 0. Never throws.
int kiln_parallel_for(int64_t n, kiln_parallel_body body, void* closure);
/// 64-byte aligned allocation for intermediate buffers (null on failure).
void* kiln_malloc(int64_t bytes);
void kiln_free(void* p);
/// kiln::set_num_threads and kiln::num_threads for C callers (packages);
/// n is clamped to [1, KILN_MAX_THREADS] (a package checks it first).
void kiln_set_num_threads(int n);
int kiln_num_threads(void);
}

namespace kiln {
/// Sets the number of threads parallel loops use: n < 1 means 1, more than
/// KILN_MAX_THREADS is a UserError. Default: the KILN_NUM_THREADS
/// environment variable, else the hardware concurrency (both capped).
void set_num_threads(int n);
int num_threads();
}  // namespace kiln
