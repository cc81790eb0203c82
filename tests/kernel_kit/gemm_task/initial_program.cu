// The plain GEMM: one thread per output, fp32 sums over every k. Honest and slow.
#include "gemm.h"

namespace {

__global__ void PlainGemm(GemmArgs g) {
  const int i = blockIdx.y * blockDim.y + threadIdx.y, j = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= g.m || j >= g.n) return;
  const __nv_bfloat16* a = g.a + static_cast<size_t>(i) * g.k;
  const __nv_bfloat16* b = g.b + static_cast<size_t>(j) * g.k;
  float sum = 0.f;
  for (int kk = 0; kk < g.k; ++kk) sum += __bfloat162float(a[kk]) * __bfloat162float(b[kk]);
  g.c[static_cast<size_t>(i) * g.n + j] = __float2bfloat16(sum);
}

}  // namespace

cudaError_t Gemm(const GemmArgs& g, cudaStream_t stream) {
  const dim3 block(16, 16), grid((g.n + 15) / 16, (g.m + 15) / 16);
  PlainGemm<<<grid, block, 0, stream>>>(g);
  return cudaGetLastError();
}
