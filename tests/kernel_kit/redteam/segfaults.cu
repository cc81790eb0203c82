// The seed's kernel, and host code that dereferences a null pointer on its fifth call.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "rmsnorm.h"

namespace honest {
#include "initial_program.cu"
}  // namespace honest

cudaError_t RmsNorm(const RmsNormArgs& a, cudaStream_t stream) {
  static int calls = 0;
  static volatile int* nowhere = nullptr;
  if (++calls == 5) *nowhere = 1;
  return honest::RmsNorm(a, stream);
}
