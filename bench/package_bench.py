#!/usr/bin/env python3
"""Figures for kiln packages, measured in one run (not a test):

1. Per-call overhead: a small packaged op called from C (through the
   package's checked DLPack entry point) against the same op called from
   PyTorch (torch.ops.<pkg>.<op>, which also allocates the output) and
   from NumPy (the ctypes loader). Median of batches of calls.
2. Package kernels against PyTorch's own CPU kernels at the same thread
   count: matmul, conv2d, softmax. Median of repeats, warm.

Usage: /usr/bin/python3 bench/package_bench.py <kiln command> <work dir> [--threads 2]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("kiln")
p.add_argument("work")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--db", default="", help="tuning database to take schedules from")
args = p.parse_args()

SPEC = {
    "name": "bp",
    "ops": [
        {"op": "matmul", "shape": {"M": 8, "N": 8, "K": 8}},
        {"op": "matmul", "shape": {"M": 512, "N": 512, "K": 512}},
        {"op": "softmax", "shape": {"M": 16, "N": 100}},
        {"op": "softmax", "shape": {"M": 1024, "N": 1024}},
        {"op": "conv2d", "shape": {"N": 1, "C": 64, "H": 56, "W": 56, "K": 64, "R": 3, "S": 3,
                                   "stride": 1, "pad": 1}},
    ],
}

shutil.rmtree(args.work, ignore_errors=True)
os.makedirs(args.work)
pkg = os.path.join(args.work, "bp")
with open(os.path.join(args.work, "spec.json"), "w") as f:
    json.dump(SPEC, f)
cmd = [args.kiln, "package", "--spec", os.path.join(args.work, "spec.json"), "--out", pkg,
       "--threads", str(args.threads)]
if args.db:
    cmd += ["--db", args.db]
t0 = time.time()
subprocess.run(cmd, check=True)
print("kiln package: %.1f s" % (time.time() - t0))

sys.path.insert(0, os.path.join(pkg, "python"))
import bp  # noqa: E402

t0 = time.time()
ops = bp.load_torch()
print("torch extension build + load: %.1f s" % (time.time() - t0))
torch.set_num_threads(args.threads)
bp.set_num_threads(args.threads)

# ---- 1. per-call overhead
C_PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bp.h"
static double now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int cmp(const void* a, const void* b) { double x = *(const double*)a, y = *(const double*)b; return x < y ? -1 : x > y; }
static DLTensor t2(float* d, int64_t* s) { DLTensor t = {d, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, s, NULL, 0}; return t; }
#define BATCHES 200
#define CALLS 100
static double median_ns(int which, DLTensor* a, DLTensor* b, DLTensor* c) {
  double per[BATCHES];
  for (int r = 0; r < BATCHES; r++) {
    double t0 = now_ns();
    for (int i = 0; i < CALLS; i++) {
      int rc = which == 0 ? bp_matmul(a, b, c) : bp_softmax(a, c);
      if (rc) { printf("error %s\n", bp_last_error()); exit(1); }
    }
    per[r] = (now_ns() - t0) / CALLS;
  }
  qsort(per, BATCHES, sizeof(double), cmp);
  return per[BATCHES / 2];
}
int main(int argc, char** argv) {
  bp_set_num_threads(atoi(argv[1]));
  static float a[16 * 100], b[64], c[16 * 100];
  for (int i = 0; i < 1600; i++) a[i] = (float)(i % 17) / 17.0f;
  for (int i = 0; i < 64; i++) b[i] = (float)(i % 5) / 5.0f;
  int64_t s8[] = {8, 8}, s16[] = {16, 100};
  DLTensor A8 = t2(a, s8), B8 = t2(b, s8), C8 = t2(c, s8), X = t2(a, s16), Y = t2(c, s16);
  median_ns(0, &A8, &B8, &C8);  /* warm-up */
  printf("%.1f %.1f\n", median_ns(0, &A8, &B8, &C8), median_ns(1, &X, NULL, &Y));
  return 0;
}
"""
with open(os.path.join(args.work, "overhead.c"), "w") as f:
    f.write(C_PROGRAM)
exe = os.path.join(args.work, "overhead")
subprocess.run(["cc", "-O2", "-I" + os.path.join(pkg, "include"), os.path.join(args.work, "overhead.c"),
                "-L" + pkg, "-lbp", "-Wl,-rpath," + pkg, "-o", exe], check=True)
def c_call_ns(threads):
    out = subprocess.run([exe, str(threads)], check=True, capture_output=True, text=True).stdout
    return tuple(map(float, out.split()))


def median_call_ns(fn, batches=200, calls=100):
    for _ in range(calls):
        fn()
    per = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        per.append((time.perf_counter_ns() - t0) / calls)
    return statistics.median(per)


a8, b8 = torch.rand(8, 8), torch.rand(8, 8)
x16 = torch.rand(16, 100)
na8, nb8, nx16 = a8.numpy(), b8.numpy(), x16.numpy()
# One thread shows the call path alone; with more, the softmax's parallel
# row loop also wakes the pool's workers.
for threads in sorted({1, args.threads}):
    torch.set_num_threads(threads)
    bp.set_num_threads(threads)
    c_matmul_ns, c_softmax_ns = c_call_ns(threads)
    print("\nper-call time, small sizes (median of 200 batches of 100 calls, %d thread%s):" %
          (threads, "" if threads == 1 else "s"))
    print("  %-38s %12s %14s" % ("", "matmul 8^3", "softmax 16x100"))
    rows = [
        ("C (bp_matmul / bp_softmax)", c_matmul_ns, c_softmax_ns),
        ("PyTorch torch.ops.bp.*", median_call_ns(lambda: ops.matmul(a8, b8)),
         median_call_ns(lambda: ops.softmax(x16))),
        ("NumPy loader bp.*", median_call_ns(lambda: bp.matmul(na8, nb8)),
         median_call_ns(lambda: bp.softmax(nx16))),
        ("PyTorch's own (torch.matmul/softmax)", median_call_ns(lambda: torch.matmul(a8, b8)),
         median_call_ns(lambda: torch.softmax(x16, -1))),
    ]
    for name, mm, sm in rows:
        print("  %-38s %9.0f ns %11.0f ns" % (name, mm, sm))
    print("  PyTorch-over-C overhead: matmul %+.0f ns, softmax %+.0f ns per call" %
          (rows[1][1] - rows[0][1], rows[1][2] - rows[0][2]))
torch.set_num_threads(args.threads)
bp.set_num_threads(args.threads)


# ---- 2. package kernels against PyTorch's CPU kernels
def median_min_ms(fn, repeats=30):
    # Each library's idle threads spin for a while after its last call
    # (libgomp's behind PyTorch for milliseconds, kiln's pool for 200 us)
    # and take a core from whoever runs next: let them settle first, so
    # each side is timed alone.
    time.sleep(0.5)
    for _ in range(3):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts), min(ts)


torch.manual_seed(0)
A, B = torch.randn(512, 512), torch.randn(512, 512)
X = torch.randn(1024, 1024)
D, W = torch.randn(1, 64, 56, 56), torch.randn(64, 64, 3, 3)
for got, want, what in [(ops.matmul(A, B), A @ B, "matmul"), (ops.softmax(X), torch.softmax(X, -1), "softmax"),
                        (ops.conv2d(D, W), F.conv2d(D, W, padding=1), "conv2d")]:
    err = (got - want).abs().max().item() / want.abs().max().item()
    assert err < 1e-4, "%s differs from torch: %g" % (what, err)
# On a loaded machine OpenMP's barriers (PyTorch) suffer more than kiln's
# chunked pool when a thread is descheduled: the minimum shows each side
# undisturbed, the median what a caller gets; the load average is printed.
print("\nkiln package vs PyTorch %s CPU kernels, %d threads (torch.get_num_threads()=%d, "
      "load average %.1f); ms, median / min of 30:" %
      (torch.__version__, args.threads, torch.get_num_threads(), os.getloadavg()[0]))
for name, flops, kiln_fn, torch_fn in [
    ("matmul 512^3", 2 * 512 ** 3, lambda: ops.matmul(A, B), lambda: torch.matmul(A, B)),
    ("conv2d 1x64x56x56, 64x3x3", 2 * 64 * 56 * 56 * 64 * 9, lambda: ops.conv2d(D, W),
     lambda: F.conv2d(D, W, padding=1)),
    ("softmax 1024x1024", 0, lambda: ops.softmax(X), lambda: torch.softmax(X, -1)),
]:
    (k, kmin), (t, tmin) = median_min_ms(kiln_fn), median_min_ms(torch_fn)
    extra = ""
    if flops:
        extra = "  (min: %.0f vs %.0f GFLOP/s)" % (flops / kmin / 1e6, flops / tmin / 1e6)
    print("  %-28s kiln %7.3f / %7.3f  torch %7.3f / %7.3f  torch/kiln %.2fx / %.2fx%s" %
          (name, k, kmin, t, tmin, t / k, tmin / kmin, extra))
