/* Per-call time of a CUDA package's entry point on a GPU, from C: the
 * package of tests/package/package_cuda_test.cpp ("gp"), softmax at 16 x 100
 * (three kernel launches per call) and matmul at 64 x 48 x 32 (one). Reports
 * the median over batches of 200 asynchronous calls (host time: checks,
 * dispatch, context push/pop, launches) and of calls each followed by
 * cuCtxSynchronize (round trip).
 * Build: cc -O2 -I<gp>/include package_cuda_overhead.c -L<gp> -lgp -ldl -o overhead */
#define _POSIX_C_SOURCE 199309L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gp.h"

typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st* CUcontext;
typedef unsigned long long CUdeviceptr;

static CUresult (*cuInit)(unsigned);
static CUresult (*cuDeviceGet)(CUdevice*, int);
static CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
static CUresult (*cuCtxSetCurrent)(CUcontext);
static CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
static CUresult (*cuCtxSynchronize)(void);

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static DLTensor t2(CUdeviceptr p, int64_t* shape) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = (void*)p;
  t.device.device_type = kDLCUDA;
  t.ndim = 2;
  t.dtype.code = kDLFloat;
  t.dtype.bits = 32;
  t.dtype.lanes = 1;
  t.shape = shape;
  return t;
}

/* Median ns per call over 50 batches of `calls` calls. */
static double median_ns(int which, DLTensor* a, DLTensor* b, DLTensor* c, int sync, int calls) {
  double per[50];
  for (int r = 0; r < 50; r++) {
    double t0 = now_ns();
    for (int i = 0; i < calls; i++) {
      int rc = which == 0 ? gp_softmax(a, c) : gp_matmul(a, b, c);
      if (rc) {
        printf("error: %s\n", gp_last_error());
        exit(1);
      }
      if (sync) cuCtxSynchronize();
    }
    cuCtxSynchronize();
    per[r] = (now_ns() - t0) / calls;
  }
  qsort(per, 50, sizeof(double), cmp);
  return per[25];
}

int main(void) {
  void* lib = dlopen("libcuda.so.1", RTLD_NOW);
  if (!lib) {
    printf("no libcuda.so.1\n");
    return 1;
  }
  *(void**)&cuInit = dlsym(lib, "cuInit");
  *(void**)&cuDeviceGet = dlsym(lib, "cuDeviceGet");
  *(void**)&cuDevicePrimaryCtxRetain = dlsym(lib, "cuDevicePrimaryCtxRetain");
  *(void**)&cuCtxSetCurrent = dlsym(lib, "cuCtxSetCurrent");
  *(void**)&cuMemAlloc = dlsym(lib, "cuMemAlloc_v2");
  *(void**)&cuCtxSynchronize = dlsym(lib, "cuCtxSynchronize");
  CUdevice dev;
  CUcontext ctx;
  if (cuInit(0) || cuDeviceGet(&dev, 0) || cuDevicePrimaryCtxRetain(&ctx, dev) || cuCtxSetCurrent(ctx)) {
    printf("no GPU\n");
    return 1;
  }
  CUdeviceptr x, y, a, b, c;
  cuMemAlloc(&x, 16 * 100 * 4);
  cuMemAlloc(&y, 16 * 100 * 4);
  cuMemAlloc(&a, 64 * 32 * 4);
  cuMemAlloc(&b, 32 * 48 * 4);
  cuMemAlloc(&c, 64 * 48 * 4);
  int64_t sx[] = {16, 100}, sa[] = {64, 32}, sb[] = {32, 48}, sc[] = {64, 48};
  DLTensor X = t2(x, sx), Y = t2(y, sx), A = t2(a, sa), B = t2(b, sb), C = t2(c, sc);
  median_ns(0, &X, NULL, &Y, 1, 20); /* loads the modules */
  median_ns(1, &A, &B, &C, 1, 20);
  printf("softmax 16x100 (3 launches): %.0f ns per call async, %.0f ns with cuCtxSynchronize\n",
         median_ns(0, &X, NULL, &Y, 0, 200), median_ns(0, &X, NULL, &Y, 1, 200));
  printf("matmul 64x48x32 (1 launch):  %.0f ns per call async, %.0f ns with cuCtxSynchronize\n",
         median_ns(1, &A, &B, &C, 0, 200), median_ns(1, &A, &B, &C, 1, 200));
  return 0;
}
