// The vendor baselines `kiln bench --target cuda` is compared with, timed the
// same way (CUDA events, one warm-up, median of repeats):
//   vendor_gpu sgemm M N K          cuBLAS SGEMM, row-major C = A * B
//   vendor_gpu conv N C H W K R S P  cuDNN forward convolution, NCHW, fp32,
//                                    stride 1, padding P, fastest algorithm
// Prints one line: "<what> median_ms <t> gflops <g>". Build (needs the
// toolkit and cuDNN):
//   g++ -O2 -I/usr/local/cuda/include vendor_gpu.cpp -L/usr/local/cuda/lib64 \
//       -lcublas -lcudnn -lcudart -o vendor_gpu
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define CHECK(x)                                                              \
  do {                                                                        \
    auto r_ = (x);                                                            \
    if (r_ != 0) {                                                            \
      std::fprintf(stderr, "%s failed (%d) at line %d\n", #x, int(r_), __LINE__); \
      std::exit(1);                                                           \
    }                                                                         \
  } while (0)

template <typename F>
double median_ms(F run, int repeats = 20) {
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  run();
  CHECK(cudaDeviceSynchronize());
  std::vector<float> ms;
  for (int i = 0; i < repeats; ++i) {
    CHECK(cudaEventRecord(a));
    run();
    CHECK(cudaEventRecord(b));
    CHECK(cudaEventSynchronize(b));
    float t = 0;
    CHECK(cudaEventElapsedTime(&t, a, b));
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

float* device_random(size_t n) {
  std::vector<float> h(n);
  for (size_t i = 0; i < n; ++i) h[i] = float(std::rand()) / RAND_MAX - 0.5f;
  float* d = nullptr;
  CHECK(cudaMalloc(&d, n * sizeof(float)));
  CHECK(cudaMemcpy(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  return d;
}

int sgemm(int M, int N, int K) {
  float *A = device_random(size_t(M) * K), *B = device_random(size_t(K) * N), *C = device_random(size_t(M) * N);
  cublasHandle_t h;
  CHECK(cublasCreate(&h));
  const float one = 1, zero = 0;
  // Row-major C = A B is column-major C^T = B^T A^T.
  double ms = median_ms([&] {
    CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &one, B, N, A, K, &zero, C, N));
  });
  std::printf("cublas_sgemm M=%d N=%d K=%d median_ms %.4f gflops %.1f\n", M, N, K, ms,
              2.0 * M * N * K / (ms * 1e6));
  return 0;
}

int conv(int n, int c, int h, int w, int k, int r, int s, int pad) {
  cudnnHandle_t handle;
  CHECK(cudnnCreate(&handle));
  cudnnTensorDescriptor_t x, y;
  cudnnFilterDescriptor_t f;
  cudnnConvolutionDescriptor_t cd;
  CHECK(cudnnCreateTensorDescriptor(&x));
  CHECK(cudnnCreateTensorDescriptor(&y));
  CHECK(cudnnCreateFilterDescriptor(&f));
  CHECK(cudnnCreateConvolutionDescriptor(&cd));
  CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w));
  CHECK(cudnnSetFilter4dDescriptor(f, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, r, s));
  CHECK(cudnnSetConvolution2dDescriptor(cd, pad, pad, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  int on, oc, oh, ow;
  CHECK(cudnnGetConvolution2dForwardOutputDim(cd, x, f, &on, &oc, &oh, &ow));
  CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, on, oc, oh, ow));
  float *X = device_random(size_t(n) * c * h * w), *F = device_random(size_t(k) * c * r * s),
        *Y = device_random(size_t(on) * oc * oh * ow);
  cudnnConvolutionFwdAlgoPerf_t perf[8];
  int found = 0;
  CHECK(cudnnFindConvolutionForwardAlgorithm(handle, x, f, cd, y, 8, &found, perf));
  size_t ws_bytes = perf[0].memory;
  void* ws = nullptr;
  if (ws_bytes) CHECK(cudaMalloc(&ws, ws_bytes));
  const float one = 1, zero = 0;
  double ms = median_ms([&] {
    CHECK(cudnnConvolutionForward(handle, &one, x, X, f, F, cd, perf[0].algo, ws, ws_bytes, &zero, y, Y));
  });
  double flops = 2.0 * on * oc * oh * ow * c * r * s;
  std::printf("cudnn_conv N=%d C=%d H=%d W=%d K=%d R=%d S=%d pad=%d algo %d median_ms %.4f gflops %.1f\n",
              n, c, h, w, k, r, s, pad, int(perf[0].algo), ms, flops / (ms * 1e6));
  return 0;
}

int main(int argc, char** argv) {
  std::vector<int> v;
  for (int i = 2; i < argc; ++i) v.push_back(std::atoi(argv[i]));
  if (argc == 5 && std::string(argv[1]) == "sgemm") return sgemm(v[0], v[1], v[2]);
  if (argc == 10 && std::string(argv[1]) == "conv") return conv(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
  std::fprintf(stderr, "usage: vendor_gpu sgemm M N K | vendor_gpu conv N C H W K R S PAD\n");
  return 2;
}
