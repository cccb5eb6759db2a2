#pragma once
/// \file
/// The thread pool behind `parallel` loops: persistent worker threads, a
/// configurable count, and nested parallel loops run serially on the calling
/// thread. Generated code calls the C entry points below.

#include <cstdint>

extern "C" {
/// The body of a parallel loop: runs iteration `index` with captured state.
typedef int (*kiln_parallel_body)(int64_t index, void* closure);
/// Runs body(i, closure) for i in [0, n) on the pool; returns the first
/// non-zero result of a body, else 0.
int kiln_parallel_for(int64_t n, kiln_parallel_body body, void* closure);
/// 64-byte aligned allocation for intermediate buffers (null on failure).
void* kiln_malloc(int64_t bytes);
void kiln_free(void* p);
/// kiln::set_num_threads and kiln::num_threads for C callers (packages).
void kiln_set_num_threads(int n);
int kiln_num_threads(void);
}

namespace kiln {
/// Sets the number of threads parallel loops use (>= 1). Default: the
/// KILN_NUM_THREADS environment variable, else the hardware concurrency.
void set_num_threads(int n);
int num_threads();
}  // namespace kiln
