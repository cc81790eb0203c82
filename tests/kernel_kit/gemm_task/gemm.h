// The contract of the kit's GEMM test task: C = A x B^T in bf16 with fp32 accumulation.
//
//   a  [M, K]  bf16, row-major        element (i, kk) at i * K + kk
//   b  [N, K]  bf16, row-major (B^T)  element (j, kk) at j * K + kk
//   c  [M, N]  bf16, row-major        c[i, j] = sum over kk of a[i, kk] * b[j, kk], fp32 sums
//
// REQUIRES: M, N, K >= 1 (any sizes: no multiple of a tile is implied). Products and sums are
// fp32 or wider; only c is rounded to bf16. Inputs in lower precision (fp16 sums, fp8 inputs)
// are wrong answers, not faster ones.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

struct GemmArgs {
  const __nv_bfloat16* a = nullptr;
  const __nv_bfloat16* b = nullptr;
  __nv_bfloat16* c = nullptr;
  int m = 0, n = 0, k = 0;
};

// Enqueues C = A x B^T on `stream` and returns the launch's error.
cudaError_t Gemm(const GemmArgs& args, cudaStream_t stream);
