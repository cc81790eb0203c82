// The kit's GEMM test task: C = A x B^T, bf16 in, fp32 sums, bf16 out (gemm.h). The harness
// links cuBLAS: its reference is cuBLAS with fp32 output and pedantic fp32 compute, and its
// FLOP ceiling is the rate of a large cuBLAS bf16 GEMM measured in the same run, so the
// speed-of-light time of a shape is the larger of its bytes over the copy bandwidth and its
// 2 M N K FLOPs over that rate. No baseline: the score is the fraction of the speed of light.
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>

#include "gemm.h"
#include "kevolve_kit.h"

namespace {

using kevolve::kit::DType;
using kevolve::kit::Shape;
using kevolve::kit::Tensor;
using kevolve::kit::TensorSpec;

cudaError_t FromCublas(cublasStatus_t s) {
  return s == CUBLAS_STATUS_SUCCESS ? cudaSuccess : cudaErrorUnknown;
}

// Row-major C [M, N] = A [M, K] x B [N, K]^T is column-major C^T = B x A^T: cuBLAS's "TN" GEMM
// with the operands swapped.
cudaError_t CublasGemm(cublasHandle_t handle, const void* a, const void* b, void* c,
                       cudaDataType_t c_type, int m, int n, int k, cublasComputeType_t compute) {
  const float alpha = 1.f, beta = 0.f;
  return FromCublas(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, b,
                                 CUDA_R_16BF, k, a, CUDA_R_16BF, k, &beta, c, c_type, n, compute,
                                 CUBLAS_GEMM_DEFAULT));
}

struct GemmProblem : kevolve::kit::Problem {
  std::vector<TensorSpec> Tensors(const Shape& s) const override {
    const int64_t m = s.Get("M"), n = s.Get("N"), k = s.Get("K");
    return {
        {"a", DType::kBF16, m * k, false, -1.0, 1.0},
        {"b", DType::kBF16, n * k, false, -1.0, 1.0},
        {"c", DType::kBF16, m * n, true},
    };
  }
  double MinBytes(const Shape& s) const override {
    const double m = s.Get("M"), n = s.Get("N"), k = s.Get("K");
    return 2.0 * (m * k + n * k + m * n);
  }
  double MinFlops(const Shape& s) const override {
    return 2.0 * static_cast<double>(s.Get("M")) * s.Get("N") * s.Get("K");
  }

  // The best of five 8192^3 bf16 GEMMs by cuBLAS (fp32 compute), after a warm-up.
  double FlopRate(cudaStream_t stream) const override {
    constexpr int kSize = 8192;
    const size_t elems = static_cast<size_t>(kSize) * kSize;
    void *a = nullptr, *b = nullptr, *c = nullptr;
    double best_ms = 0;
    cudaEvent_t start = nullptr, stop = nullptr;
    if (Handle(stream) != nullptr && cudaMalloc(&a, 2 * elems) == cudaSuccess &&
        cudaMalloc(&b, 2 * elems) == cudaSuccess && cudaMalloc(&c, 2 * elems) == cudaSuccess &&
        cudaMemsetAsync(a, 0x3C, 2 * elems, stream) == cudaSuccess &&
        cudaMemsetAsync(b, 0x3C, 2 * elems, stream) == cudaSuccess &&
        cudaEventCreate(&start) == cudaSuccess && cudaEventCreate(&stop) == cudaSuccess) {
      for (int rep = 0; rep < 6; ++rep) {
        cudaEventRecord(start, stream);
        if (CublasGemm(handle_, a, b, c, CUDA_R_16BF, kSize, kSize, kSize, CUBLAS_COMPUTE_32F) !=
            cudaSuccess) {
          best_ms = 0;
          break;
        }
        cudaEventRecord(stop, stream);
        float ms = 0;
        if (cudaEventSynchronize(stop) != cudaSuccess ||
            cudaEventElapsedTime(&ms, start, stop) != cudaSuccess) {
          best_ms = 0;
          break;
        }
        if (rep > 0) best_ms = best_ms == 0 ? ms : std::min<double>(best_ms, ms);
      }
    }
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
    if (start != nullptr) cudaEventDestroy(start);
    if (stop != nullptr) cudaEventDestroy(stop);
    return best_ms > 0 ? 2.0 * kSize * kSize * static_cast<double>(kSize) / (best_ms * 1e-3) : 0;
  }

  cudaError_t Reference(const Shape& s, const std::vector<Tensor>& t,
                        const std::vector<float*>& ref, cudaStream_t stream) const override {
    if (Handle(stream) == nullptr) return cudaErrorNotReady;
    return CublasGemm(handle_, t[0].data, t[1].data, ref[0], CUDA_R_32F,
                      static_cast<int>(s.Get("M")), static_cast<int>(s.Get("N")),
                      static_cast<int>(s.Get("K")), CUBLAS_COMPUTE_32F_PEDANTIC);
  }
  cudaError_t Launch(const Shape& s, const std::vector<Tensor>& t,
                     cudaStream_t stream) const override {
    return Gemm(GemmArgs{t[0].As<const __nv_bfloat16>(), t[1].As<const __nv_bfloat16>(),
                         t[2].As<__nv_bfloat16>(), static_cast<int>(s.Get("M")),
                         static_cast<int>(s.Get("N")), static_cast<int>(s.Get("K"))},
                stream);
  }
  // bf16 output of fp32 sums: 2^-8 relative for the rounding, and room for another order of
  // the K products (|c| is about sqrt(K) / 3, at most 20 here). fp16 sums drift by ~0.1 at
  // K = 4096 and fp8 inputs by ~1: both far outside.
  double Atol() const override { return 2e-2; }
  double Rtol() const override { return 1e-2; }

 private:
  // The handle, made on first use and bound to `stream` (the kit uses one stream). It lives as
  // long as the process: a static destructor could run after CUDA has shut down.
  cublasHandle_t Handle(cudaStream_t stream) const {
    if (handle_ == nullptr && cublasCreate(&handle_) != CUBLAS_STATUS_SUCCESS) handle_ = nullptr;
    if (handle_ != nullptr) cublasSetStream(handle_, stream);
    return handle_;
  }
  mutable cublasHandle_t handle_ = nullptr;
};

}  // namespace

KEVOLVE_KIT_PROBLEM(GemmProblem)
