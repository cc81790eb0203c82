// Device code for the GPU red-team test (gemm_redteam_test.cc): a plain GEMM whose precision
// and K coverage can be made wrong on purpose, and a conversion used to read leftover memory.
// Test-only; never part of the kernel family.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "core/status.h"
#include "gemm/gemm_operation.h"

namespace kevolve::gemm::redteam {

enum class Precision {
  kFp32Accumulate,  // bf16 inputs, fp32 sums: what the task allows
  kFp16Accumulate,  // products and sums in fp16
  kFp8Inputs,       // inputs rounded to fp8 e4m3, fp32 sums
};

// C[m,n] = A[m,k] x B[n,k]^T (B in the [N,K] layout), one thread per output, summing over the
// first `k_used` of the k terms. REQUIRES: args.shape.b_layout == kNK, k_used <= args.shape.k.
Status LaunchPlainGemm(const GemmArgs& args, Precision precision, int64_t k_used,
                       cudaStream_t stream);

// dst[i] = bf16(src[i]) for `count` fp32 values.
Status LaunchFp32ToBf16(const void* src, void* dst, int64_t count, cudaStream_t stream);

}  // namespace kevolve::gemm::redteam
