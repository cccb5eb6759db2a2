/* Calls a CUDA package (the "gp" spec of package_cuda_test.cpp: matmul with
 * M=64, K=32 and N free or 48; softmax with N=100 and M free; conv2d NCHW
 * 2x3x9x11 by 5x3x3x3, pad 1) from C with
 * device tensors and compares with naive loops on the host. Without a GPU
 * (no libcuda, or cuInit fails) it checks that a call with a CUDA tensor
 * fails with GP_ERROR_CUDA and a message instead, and exits 0.
 * Exit code: 0 all good, 1 a check failed. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void*, size_t);
static CUresult (*cuMemcpyDtoH)(void*, CUdeviceptr, size_t);
static CUresult (*cuCtxSynchronize)(void);

static int failures = 0;

static DLTensor tensor(void* data, int device_type, int32_t ndim, int64_t* shape) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.device.device_type = (DLDeviceType)device_type;
  t.ndim = ndim;
  t.dtype.code = kDLFloat;
  t.dtype.bits = 32;
  t.dtype.lanes = 1;
  t.shape = shape;
  return t;
}

static void check(int ok, const char* what) {
  printf("%s %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) failures++;
}

static int gpu_available(void) {
  void* lib = dlopen("libcuda.so.1", RTLD_NOW);
  if (!lib) return 0;
  *(void**)&cuInit = dlsym(lib, "cuInit");
  *(void**)&cuDeviceGet = dlsym(lib, "cuDeviceGet");
  *(void**)&cuDevicePrimaryCtxRetain = dlsym(lib, "cuDevicePrimaryCtxRetain");
  *(void**)&cuCtxSetCurrent = dlsym(lib, "cuCtxSetCurrent");
  *(void**)&cuMemAlloc = dlsym(lib, "cuMemAlloc_v2");
  *(void**)&cuMemcpyHtoD = dlsym(lib, "cuMemcpyHtoD_v2");
  *(void**)&cuMemcpyDtoH = dlsym(lib, "cuMemcpyDtoH_v2");
  *(void**)&cuCtxSynchronize = dlsym(lib, "cuCtxSynchronize");
  CUdevice dev;
  CUcontext ctx;
  return cuInit && cuInit(0) == 0 && cuDeviceGet(&dev, 0) == 0 &&
         cuDevicePrimaryCtxRetain(&ctx, dev) == 0 && cuCtxSetCurrent(ctx) == 0;
}

static CUdeviceptr upload(const float* host, size_t n) {
  CUdeviceptr d = 0;
  if (cuMemAlloc(&d, n * sizeof(float) + 4) || cuMemcpyHtoD(d, host, n * sizeof(float))) {
    printf("FAIL cannot allocate or copy %zu floats on the GPU\n", n);
    exit(1);
  }
  return d;
}

static double max_rel_err(const float* got, const float* want, size_t n) {
  double worst = 0, scale = 1e-6;
  for (size_t i = 0; i < n; i++) scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
  for (size_t i = 0; i < n; i++) {
    double e = fabs((double)got[i] - want[i]) / scale;
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

static void matmul_case(int N) {
  enum { M = 64, K = 32 };
  float* a = malloc(sizeof(float) * M * K);
  float* b = malloc(sizeof(float) * K * N);
  float* c = malloc(sizeof(float) * M * N);
  float* want = calloc((size_t)M * N, sizeof(float));
  for (int i = 0; i < M * K; i++) a[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
  for (int i = 0; i < K * N; i++) b[i] = (float)((i * 53) % 97) / 48.0f - 1.0f;
  for (int i = 0; i < M; i++)
    for (int k = 0; k < K; k++)
      for (int j = 0; j < N; j++) want[i * N + j] += a[i * K + k] * b[k * N + j];
  int64_t sa[] = {M, K}, sb[] = {K, N}, sc[] = {M, N};
  CUdeviceptr da = upload(a, (size_t)M * K), db = upload(b, (size_t)K * N), dc = upload(c, 1);
  cuMemAlloc(&dc, sizeof(float) * M * N);
  DLTensor A = tensor((void*)da, kDLCUDA, 2, sa), B = tensor((void*)db, kDLCUDA, 2, sb),
           C = tensor((void*)dc, kDLCUDA, 2, sc);
  int rc = gp_matmul(&A, &B, &C);
  if (rc) printf("  gp_matmul: %s\n", gp_last_error());
  cuCtxSynchronize();
  cuMemcpyDtoH(c, dc, sizeof(float) * M * N);
  char what[64];
  snprintf(what, sizeof what, "matmul on the GPU, N=%d (error %.2g)", N, max_rel_err(c, want, (size_t)M * N));
  check(rc == 0 && max_rel_err(c, want, (size_t)M * N) < 1e-4, what);
  /* A host tensor is refused before any launch. */
  DLTensor host = tensor(a, kDLCPU, 2, sa);
  check(gp_matmul(&host, &B, &C) == GP_ERROR_DEVICE && strstr(gp_last_error(), "device type 1"),
        "host tensor refused by a CUDA package");
  free(a), free(b), free(c), free(want);
}

static void softmax_case(int M) {
  enum { N = 100 };
  float* x = malloc(sizeof(float) * M * N);
  float* y = malloc(sizeof(float) * M * N);
  float* want = malloc(sizeof(float) * M * N);
  for (int i = 0; i < M * N; i++) x[i] = (float)((i * 29) % 113) / 20.0f - 2.0f;
  for (int i = 0; i < M; i++) {
    float mx = x[i * N];
    for (int j = 1; j < N; j++) mx = x[i * N + j] > mx ? x[i * N + j] : mx;
    double s = 0;
    for (int j = 0; j < N; j++) s += exp(x[i * N + j] - mx);
    for (int j = 0; j < N; j++) want[i * N + j] = (float)(exp(x[i * N + j] - mx) / s);
  }
  int64_t shape[] = {M, N};
  CUdeviceptr dx = upload(x, (size_t)M * N), dy = upload(y, (size_t)M * N);
  DLTensor X = tensor((void*)dx, kDLCUDA, 2, shape), Y = tensor((void*)dy, kDLCUDA, 2, shape);
  int rc = gp_softmax(&X, &Y);
  if (rc) printf("  gp_softmax: %s\n", gp_last_error());
  cuCtxSynchronize();
  cuMemcpyDtoH(y, dy, sizeof(float) * M * N);
  char what[64];
  snprintf(what, sizeof what, "softmax on the GPU, M=%d (error %.2g)", M, max_rel_err(y, want, (size_t)M * N));
  check(rc == 0 && max_rel_err(y, want, (size_t)M * N) < 1e-4, what);
  free(x), free(y), free(want);
}

static void conv2d_case(void) {
  enum { N = 2, C = 3, H = 9, W = 11, K = 5, R = 3, S = 3 };
  static float x[N * C * H * W], w[K * C * R * S], y[N * K * H * W], want[N * K * H * W];
  for (int i = 0; i < N * C * H * W; i++) x[i] = (float)((i * 31) % 89) / 44.0f - 1.0f;
  for (int i = 0; i < K * C * R * S; i++) w[i] = (float)((i * 17) % 23) / 11.0f - 1.0f;
  for (int n = 0; n < N; n++)
    for (int k = 0; k < K; k++)
      for (int h = 0; h < H; h++)
        for (int v = 0; v < W; v++) {
          double acc = 0;
          for (int c = 0; c < C; c++)
            for (int r = 0; r < R; r++)
              for (int q = 0; q < S; q++) {
                int hh = h + r - 1, vv = v + q - 1;
                if (hh < 0 || hh >= H || vv < 0 || vv >= W) continue;
                acc += x[((n * C + c) * H + hh) * W + vv] * w[((k * C + c) * R + r) * S + q];
              }
          want[((n * K + k) * H + h) * W + v] = (float)acc;
        }
  int64_t sx[] = {N, C, H, W}, sw[] = {K, C, R, S}, sy[] = {N, K, H, W};
  CUdeviceptr dx = upload(x, sizeof x / sizeof *x), dw = upload(w, sizeof w / sizeof *w),
              dy = upload(y, sizeof y / sizeof *y);
  DLTensor X = tensor((void*)dx, kDLCUDA, 4, sx), Wt = tensor((void*)dw, kDLCUDA, 4, sw),
           Y = tensor((void*)dy, kDLCUDA, 4, sy);
  int rc = gp_conv2d(&X, &Wt, &Y);
  if (rc) printf("  gp_conv2d: %s\n", gp_last_error());
  cuCtxSynchronize();
  cuMemcpyDtoH(y, dy, sizeof y);
  char what[64];
  snprintf(what, sizeof what, "conv2d on the GPU (error %.2g)", max_rel_err(y, want, sizeof y / sizeof *y));
  check(rc == 0 && max_rel_err(y, want, sizeof y / sizeof *y) < 1e-4, what);
}

int main(void) {
  if (!gpu_available()) {
    int64_t s[] = {64, 32}, sb[] = {32, 48}, sc[] = {64, 48};
    DLTensor A = tensor((void*)0x1000000, kDLCUDA, 2, s), B = tensor((void*)0x2000000, kDLCUDA, 2, sb),
             C = tensor((void*)0x3000000, kDLCUDA, 2, sc);
    int rc = gp_matmul(&A, &B, &C);
    printf("no GPU here; a CUDA call says: %s\n", gp_last_error());
    check(rc == GP_ERROR_CUDA && strstr(gp_last_error(), "CUDA driver"), "no GPU: GP_ERROR_CUDA with a message");
    return failures != 0;
  }
  matmul_case(48); /* the specialized kernel */
  matmul_case(7);  /* the free-N kernel */
  matmul_case(300);
  softmax_case(1);
  softmax_case(37);
  softmax_case(1000);
  conv2d_case();
  printf("%d failures\n", failures);
  return failures != 0;
}
