// Right answer, then one more bf16 written just past the end of y.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "rmsnorm.h"

namespace honest {
#include "initial_program.cu"
}  // namespace honest

__global__ void Scribble(__nv_bfloat16* p) { *p = __float2bfloat16(1.0f); }
cudaError_t RmsNorm(const RmsNormArgs& a, cudaStream_t stream) {
  if (const cudaError_t e = honest::RmsNorm(a, stream); e != cudaSuccess) return e;
  Scribble<<<1, 1, 0, stream>>>(a.y + static_cast<size_t>(a.rows) * a.cols);
  return cudaGetLastError();
}
