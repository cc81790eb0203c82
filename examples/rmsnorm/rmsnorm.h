// The contract of the RMSNorm task: y[r, c] = x[r, c] / sqrt(mean_c(x[r, :]^2) + eps) * w[c],
// bf16 in and out, fp32 arithmetic. x and y are row-major [rows, cols], contiguous; w is
// [cols]. Any rows >= 1 and cols >= 1; pointers are 256-byte aligned.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

struct RmsNormArgs {
  const __nv_bfloat16* x;
  const __nv_bfloat16* weight;
  __nv_bfloat16* y;
  int rows;
  int cols;
  float eps;
};

// Queues the kernel(s) on `stream` and returns the launch's error (cudaGetLastError()).
cudaError_t RmsNorm(const RmsNormArgs& args, cudaStream_t stream);
