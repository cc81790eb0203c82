// The contract of the decode-attention task: one new token's attention over a KV cache, bf16 GQA.
//
// For every batch b < B and query head h < Hq, with G = Hq / Hkv query heads per KV head and
// kv = h / G (the mapping of repeat_interleave, as torch's scaled_dot_product_attention with
// enable_gqa=True uses):
//
//   s_j     = scale * dot(q[b, h, 0, :], k[b, kv, j, :])          for j < S   (fp32)
//   o[b, h] = sum_j softmax(s)_j * v[b, kv, j, :]                               (fp32, then bf16)
//
// Layouts, all contiguous, row-major, bf16 (__nv_bfloat16):
//   q  [B, Hq,  1, D]      element (b, h, d)    at (b * Hq + h) * D + d
//   k  [B, Hkv, S, D]      element (b, kv, j, d) at ((b * Hkv + kv) * S + j) * D + d
//   v  [B, Hkv, S, D]      as k
//   o  [B, Hq,  1, D]      as q; written, never read
// Indices into k and v pass 2^31 (B = 64, S = 32768, Hkv = 8, D = 128 is 2^31 elements): form
// offsets in 64 bits.
//
// Numerics: scores, the softmax (max, exponentials, sum) and the weighted sum of V are fp32 or
// wider; only o is rounded to bf16. Rounding the softmax weights to bf16 for a tensor-core P x V
// is within the task's tolerance (README.md, "Tolerance").
//
// REQUIRES: D == 64 or D == 128; Hkv >= 1 and Hq % Hkv == 0; B >= 1; S >= 1 (any S: no multiple
// of a tile is implied); scale == 1 / sqrt(D); q, k, v and o aligned to 16 bytes (cudaMalloc
// gives 256); workspace as below. A candidate that cannot run a shape returns an error
// (cudaErrorInvalidValue, cudaErrorInvalidConfiguration) instead of launching: the shape then
// counts as failed, never as a wrong answer.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

// The most context splits (CTAs along S per query head) the workspace has room for.
inline constexpr int kAttentionMaxSplits = 128;

// Bytes of the fp32 scratch the harness passes in `workspace`: room, per query head, for
// kAttentionMaxSplits partial outputs of D floats plus their running max and sum, and one 32-bit
// word more (a counter, for a kernel whose last CTA combines the partials). For the suite's
// largest head count (B = 64, Hq = 64, D = 128) that is 272 MB.
inline constexpr size_t AttentionWorkspaceBytes(int64_t batch, int64_t q_heads, int64_t head_dim) {
  return static_cast<size_t>(batch * q_heads * (kAttentionMaxSplits * (head_dim + 2) + 1)) *
         sizeof(float);
}

struct AttentionArgs {
  const __nv_bfloat16* q = nullptr;  // [B, Hq, 1, D]
  const __nv_bfloat16* k = nullptr;  // [B, Hkv, S, D]
  const __nv_bfloat16* v = nullptr;  // [B, Hkv, S, D]
  __nv_bfloat16* o = nullptr;        // [B, Hq, 1, D]
  int batch = 0;                     // B
  int q_heads = 0;                   // Hq
  int kv_heads = 0;                  // Hkv
  int seq_len = 0;                   // S, keys in the cache
  int head_dim = 0;                  // D
  float scale = 0;                   // 1 / sqrt(D)
  // Scratch owned by the harness, AttentionWorkspaceBytes(B, Hq, D) bytes, 256-byte aligned, on
  // the same device. Its contents on entry are undefined (another kernel, the seed, may have used
  // it last): a kernel that needs zeros (counters) clears them on `stream` itself. Shared by every
  // launch on the stream, so nothing in it survives from one call to the next.
  float* workspace = nullptr;
  size_t workspace_bytes = 0;
};

// Computes o for `a` on `stream`: enqueues kernels only (no synchronization, no allocation, no
// other stream), and returns the launch's error, or an error without launching when the shape
// breaks a REQUIRES or the kernel's own configuration cannot run it. Thread-compatible.
cudaError_t AttentionDecode(const AttentionArgs& a, cudaStream_t stream);
