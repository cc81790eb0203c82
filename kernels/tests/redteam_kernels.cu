#include "tests/redteam_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "common/cuda_check.h"

namespace kevolve::gemm::redteam {
namespace {

constexpr int kTile = 16;

__device__ float Fp8(float x) { return static_cast<float>(__nv_fp8_e4m3(x)); }

__global__ void PlainGemmKernel(const __nv_bfloat16* a, const __nv_bfloat16* b,
                                __nv_bfloat16* c, int64_t m, int64_t n, int64_t k,
                                int64_t k_used, int precision) {
  const int64_t row = static_cast<int64_t>(blockIdx.y) * kTile + threadIdx.y;
  const int64_t col = static_cast<int64_t>(blockIdx.x) * kTile + threadIdx.x;
  if (row >= m || col >= n) return;
  const __nv_bfloat16* a_row = a + row * k;
  const __nv_bfloat16* b_row = b + col * k;
  if (precision == static_cast<int>(Precision::kFp16Accumulate)) {
    __half sum = __float2half(0.0f);
    for (int64_t i = 0; i < k_used; ++i) {
      sum = __hadd(sum, __hmul(__float2half(__bfloat162float(a_row[i])),
                               __float2half(__bfloat162float(b_row[i]))));
    }
    c[row * n + col] = __float2bfloat16(__half2float(sum));
    return;
  }
  const bool fp8 = precision == static_cast<int>(Precision::kFp8Inputs);
  float sum = 0.0f;
  for (int64_t i = 0; i < k_used; ++i) {
    const float x = __bfloat162float(a_row[i]);
    const float y = __bfloat162float(b_row[i]);
    sum += fp8 ? Fp8(x) * Fp8(y) : x * y;
  }
  c[row * n + col] = __float2bfloat16(sum);
}

__global__ void Fp32ToBf16Kernel(const float* src, __nv_bfloat16* dst, int64_t count) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    dst[i] = __float2bfloat16(src[i]);
  }
}

}  // namespace

Status LaunchPlainGemm(const GemmArgs& args, Precision precision, int64_t k_used,
                       cudaStream_t stream) {
  const GemmShape& s = args.shape;
  if (s.b_layout != BLayout::kNK || k_used > s.k) {
    return Status::InvalidArgument("plain GEMM: B must be [N,K] and k_used <= K");
  }
  const dim3 block(kTile, kTile);
  const dim3 grid(static_cast<unsigned>((s.n + kTile - 1) / kTile),
                  static_cast<unsigned>((s.m + kTile - 1) / kTile));
  PlainGemmKernel<<<grid, block, 0, stream>>>(
      static_cast<const __nv_bfloat16*>(args.a), static_cast<const __nv_bfloat16*>(args.b),
      static_cast<__nv_bfloat16*>(args.c), s.m, s.n, s.k, k_used, static_cast<int>(precision));
  return KEVOLVE_CUDA_STATUS(cudaGetLastError());
}

Status LaunchFp32ToBf16(const void* src, void* dst, int64_t count, cudaStream_t stream) {
  Fp32ToBf16Kernel<<<1024, 256, 0, stream>>>(static_cast<const float*>(src),
                                             static_cast<__nv_bfloat16*>(dst), count);
  return KEVOLVE_CUDA_STATUS(cudaGetLastError());
}

}  // namespace kevolve::gemm::redteam
