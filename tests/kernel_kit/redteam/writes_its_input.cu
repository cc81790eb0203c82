// Right answer, then its input x changed in place.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "rmsnorm.h"

namespace honest {
#include "initial_program.cu"
}  // namespace honest

__global__ void Touch(__nv_bfloat16* x) { x[0] = __float2bfloat16(__bfloat162float(x[0]) + 1.0f); }
cudaError_t RmsNorm(const RmsNormArgs& a, cudaStream_t stream) {
  if (const cudaError_t e = honest::RmsNorm(a, stream); e != cudaSuccess) return e;
  Touch<<<1, 1, 0, stream>>>(const_cast<__nv_bfloat16*>(a.x));
  return cudaGetLastError();
}
