// Never finishes: a kernel that spins on a flag nobody sets.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "rmsnorm.h"

namespace honest {
#include "initial_program.cu"
}  // namespace honest

__global__ void Spin(volatile int* flag) {
  while (*flag == 0) {
  }
}
cudaError_t RmsNorm(const RmsNormArgs&, cudaStream_t stream) {
  static int* flag = nullptr;
  if (flag == nullptr) {
    cudaMalloc(&flag, sizeof(int));
    cudaMemset(flag, 0, sizeof(int));
  }
  Spin<<<1, 1, 0, stream>>>(flag);
  return cudaGetLastError();
}
