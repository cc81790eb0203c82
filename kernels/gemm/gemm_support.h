// Host helpers shared by the launchers of the GEMM family: argument checks, device queries,
// TMA descriptors, occupancy and the split-K reduction. Every CUDA call is checked.
#pragma once

#include <cstdint>
#include <mutex>

#include <cuda.h>
#include <cuda_runtime_api.h>

#include "common/cuda_check.h"
#include "core/status.h"
#include "gemm/gemm_operation.h"

namespace kevolve::gemm {

// M, N, K at least 1 and each below 2^31 (tile indices are 32-bit; offsets are 64-bit).
Status CheckShapeBasics(const GemmShape& shape);

// CanImplement, non-null buffers, 16-byte aligned A and B when `needs_16b_operands`, 4-byte
// aligned C, and a large enough workspace for split-K.
Status CheckArgsCommon(const GemmOperation& op, const GemmArgs& args, bool needs_16b_operands);

// FailedPrecondition unless the current device is compute capability 9.0 (sm_90a code).
Status RequireSm90a();

// Multiprocessors of the current device (cached per device).
Result<int> CurrentDeviceSmCount();

// Raises the kernel's dynamic shared-memory limit to `bytes`, once per kernel.
Status SetMaxDynamicSmem(const void* kernel, int bytes, std::once_flag& once, Status& status);

// How many clusters of `cluster` CTAs (or, for cluster == 1, CTAs) of this kernel can be
// resident at once on the current device: the size of a persistent grid.
Result<int> MaxActiveClusters(const void* kernel, int threads, int smem_bytes, int cluster);

// A 2-D TMA descriptor over a row-major bf16 matrix of `rows` x `cols` (cols contiguous),
// box = 64 columns x `box_rows` rows, 128-byte swizzle, out-of-range elements read as zero.
// REQUIRES: cols % 8 == 0 and base 16-byte aligned (checked: InvalidArgument).
Result<CUtensorMap> MakeTensorMapBf16Sw128(const void* base, int64_t cols, int64_t rows,
                                            int box_rows);

// C[m,n] (bf16) = sum over split_k slices of workspace[split_k, m, n] (fp32).
Status LaunchSplitKReduce(const float* workspace, int split_k, int64_t m, int64_t n, void* c,
                          cudaStream_t stream);

}  // namespace kevolve::gemm
