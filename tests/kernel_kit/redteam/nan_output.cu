// Right everywhere but one element, which is NaN.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "rmsnorm.h"

namespace honest {
#include "initial_program.cu"
}  // namespace honest

__global__ void Nan(__nv_bfloat16* y) { y[7] = __float2bfloat16(nanf("")); }
cudaError_t RmsNorm(const RmsNormArgs& a, cudaStream_t stream) {
  if (const cudaError_t e = honest::RmsNorm(a, stream); e != cudaSuccess) return e;
  Nan<<<1, 1, 0, stream>>>(a.y);
  return cudaGetLastError();
}
