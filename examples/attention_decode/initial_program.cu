// Seed of the decode-attention task (attention_decode.h has the contract): a plain split-context
// kernel, not a tuned one. Each CTA takes one (batch, KV head, group of query heads, context
// split): it walks its keys a tile at a time, copying each tile of K and V into shared memory
// (cp.async, a ring of kStages tiles), keeps an fp32 online softmax per query head, and reads
// every K and V row once for all the query heads it holds (the point of GQA). With more than one
// split, the CTAs write unnormalized partials to the workspace and a combine step rescales them
// by their running maxima. The EVOLVE-BLOCK holds the design decisions as knobs;
// every combination of their choices compiles and computes the same function (static_asserts
// say why each constraint holds; the launcher refuses a shape it cannot run).
#include <cuda_bf16.h>
#include <cuda_pipeline.h>
#include <cuda_runtime.h>
#include <math_constants.h>

#include <cstdint>

#include "attention_decode.h"

namespace {

// EVOLVE-BLOCK-START
// Threads per CTA.
constexpr int kThreads = 128;  // choices: 64, 128, 256, 512
// Keys per tile: scored, softmaxed and multiplied into V together, between two barriers.
constexpr int kKeysPerTile = 64;  // choices: 16, 32, 64, 128, 256
// bf16 elements per copy and per shared-memory read of K and V: 4, 8 or 16 bytes.
constexpr int kVecElems = 4;  // choices: 2, 4, 8
// Tiles of K and V in shared memory: with 1 a tile is copied, then used; with n, the copies of
// the next n - 1 tiles are in flight while one is used.
constexpr int kStages = 1;  // choices: 1, 2, 3, 4
// Query heads of one GQA group held by a CTA; a larger group is split over several CTAs, each
// reading the group's K and V again. 16 (rows 8-15 of the tensor-core tile too) compiles and is
// not yet among the choices: no GPU has checked it.
constexpr int kHeadsPerCta = 8;  // choices: 1, 2, 4, 8
// Context splits: the most CTAs along S per (batch, KV head, head group) ...
constexpr int kMaxSplits = 16;  // choices: 1, 2, 4, 8, 16, 32, 64, 128
// ... as many as it takes to give every SM this many CTAs ...
constexpr int kCtasPerSm = 2;  // choices: 1, 2, 4, 8
// ... while each split keeps at least this many keys.
constexpr int kMinKeysPerSplit = 1024;  // choices: 64, 128, 256, 512, 1024, 2048, 4096
// How split partials combine: 0 = a second kernel, launched when the first has finished; 1 = the
// last CTA of each head group to finish (an atomic counter in the workspace, cleared by a memset
// first), in the same kernel; 2 = a second kernel launched while the first still runs
// (programmatic dependent launch), its CTAs waiting on the first's results.
constexpr int kCombine = 0;  // choices: 0, 1, 2
// Which units compute q.k and p.v. 0: CUDA cores, fp32 FMAs on values unpacked from shared
// memory kVecElems at a time, the tile's scores and weights staged in shared memory. 1: tensor
// cores, mma.sync m16n8k16 on bf16 with fp32 accumulation: the CTA's query heads are the rows
// of a 16-row tile (rows past kHeadsPerCta are zero), each warp takes 16-key slices of every tile
// with a softmax of its own, and the weights are rounded to bf16 for P x V (README.md,
// "Tolerance"). Tiles are copied 16 bytes at a time (kVecElems aside) into a swizzled layout.
constexpr int kUseTensorCores = 0;  // choices: 0, 1
// Tensor cores only: who copies a tile. 0: the whole CTA, then a barrier before any warp reads it
// and another before the stage is refilled; 1: each warp copies the 16-key slices it will use
// itself and waits only for its own copies (no CTA-wide barrier until the end).
constexpr int kWarpOwnsSlices = 0;  // choices: 0, 1
// Tensor cores only: bytes of L2 prefetch hinted with each 16-byte copy (0: none);
// the neighbouring rows of a tile are fetched from DRAM in larger bursts.
constexpr int kL2Prefetch = 0;  // choices: 0, 128, 256
// EVOLVE-BLOCK-END

constexpr int kWarpSize = 32;
constexpr float kLog2e = 1.4426950408889634f;

static_assert(kThreads % kWarpSize == 0, "whole warps");
static_assert(kMaxSplits >= 1 && kMaxSplits <= kAttentionMaxSplits,
              "the workspace holds kAttentionMaxSplits partials per query head");
static_assert(kStages >= 1 && kHeadsPerCta >= 1 && kKeysPerTile >= 1, "positive knobs");

// kN bf16 values fetched by one aligned load.
template <int kN>
struct BfVec;
template <>
struct BfVec<2> {
  using Raw = uint32_t;
};
template <>
struct BfVec<4> {
  using Raw = uint2;
};
template <>
struct BfVec<8> {
  using Raw = uint4;
};
using RawVec = typename BfVec<kVecElems>::Raw;
static_assert(sizeof(RawVec) == kVecElems * sizeof(__nv_bfloat16), "one load per vector");

__device__ __forceinline__ void Unpack(const RawVec& raw, float (&out)[kVecElems]) {
  const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
  for (int i = 0; i < kVecElems / 2; ++i) {
    const float2 f = __bfloat1622float2(pairs[i]);
    out[2 * i] = f.x;
    out[2 * i + 1] = f.y;
  }
}

// How a CTA's threads cover a tile, for head dimension kD.
template <int kD>
struct Tiling {
  static constexpr int kWarps = kThreads / kWarpSize;
  // Scores: a key's kD elements are spread over kLanesPerKey lanes of a warp, kVecElems per load,
  // kVecsPerLane loads per lane; a warp scores kKeysPerWarp keys at a time, the CTA kKeysPerStep.
  static constexpr int kLanesPerKey = kD / kVecElems < kWarpSize ? kD / kVecElems : kWarpSize;
  static constexpr int kVecsPerLane = kD / (kLanesPerKey * kVecElems);
  static constexpr int kKeysPerWarp = kWarpSize / kLanesPerKey;
  static constexpr int kKeysPerStep = kWarps * kKeysPerWarp;
  static constexpr int kSteps = (kKeysPerTile + kKeysPerStep - 1) / kKeysPerStep;
  // P x V: kColThreads threads own kVecElems output columns each; the CTA's kRowGroups groups of
  // them take every kRowGroups-th key of the tile.
  static constexpr int kColThreads = kD / kVecElems;
  static constexpr int kRowGroups = kThreads / kColThreads;
  // One stage of the ring: K [kKeysPerTile, kD] then V [kKeysPerTile, kD], bf16, rows as in
  // global memory.
  static constexpr int kTileElems = kKeysPerTile * kD;
  static constexpr size_t kStageBytes = 2 * kTileElems * sizeof(__nv_bfloat16);
  static constexpr size_t kRingBytes = kStages * kStageBytes;
  // Tensor cores only: after the last tile the ring's memory holds each warp's rows of the
  // output, [kWarps][kHeadsPerCta][kD] fp32, for the CTA's merge.
  static constexpr size_t kMergeBytes = kUseTensorCores ? kWarps * kHeadsPerCta * kD * sizeof(float) : 0;
  // kCombine 1 only: the last CTA's combine weighs its heads' splits in the ring's memory.
  static constexpr size_t kCombineBytes =
      kCombine == 1 ? kHeadsPerCta * kAttentionMaxSplits * sizeof(float) : 0;
  static constexpr size_t kAfterRingBytes =
      kMergeBytes > kCombineBytes ? kMergeBytes : kCombineBytes;
  static constexpr size_t kDynamicBytes =
      kRingBytes > kAfterRingBytes ? kRingBytes : kAfterRingBytes;

  static_assert(kSteps * kKeysPerStep >= kKeysPerTile && kKeysPerStep >= kKeysPerWarp,
                "the scoring steps cover a tile");
  static_assert(kD % kVecElems == 0, "a row of K or V is whole vectors");
  static_assert(kWarpSize % kLanesPerKey == 0,
                "a key's lanes never straddle two warps (the shuffle reduction stays in one)");
  static_assert(kLanesPerKey * kVecsPerLane * kVecElems == kD, "the lanes of a key cover its row");
  static_assert(kThreads % kColThreads == 0 && kRowGroups >= 1,
                "P x V: whole rows of kColThreads threads (kThreads >= 64 >= kD / kVecElems)");
  static_assert(kStageBytes % 16 == 0, "every stage starts 16-byte aligned, as cp.async needs");
};

struct SplitPlan {
  int splits = 1;          // CTAs along S per (batch, KV head, head group)
  int keys_per_split = 0;  // a multiple of kKeysPerTile; the last split may hold fewer keys
  int head_chunks = 1;     // CTAs along the query heads of one group
};

// Workspace layout (fp32 words), at fixed offsets so any split count up to kAttentionMaxSplits
// fits: partial outputs [B * Hq, splits, D], then (max, sum) pairs [B * Hq, splits, 2], then one
// counter per (batch, KV head, head chunk).
struct Workspace {
  float* partial_out;
  float* partial_max_sum;
  unsigned int* counters;
};

__host__ __device__ inline Workspace CarveWorkspace(float* base, const AttentionArgs& a) {
  const int64_t rows = static_cast<int64_t>(a.batch) * a.q_heads;
  Workspace w;
  w.partial_out = base;
  w.partial_max_sum = base + rows * kAttentionMaxSplits * a.head_dim;
  w.counters = reinterpret_cast<unsigned int*>(w.partial_max_sum + rows * kAttentionMaxSplits * 2);
  return w;
}

__device__ __forceinline__ float WarpMax(float x) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, offset));
  }
  return x;
}

__device__ __forceinline__ float WarpSum(float x) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    x += __shfl_xor_sync(0xffffffffu, x, offset);
  }
  return x;
}

// The block's threads write the normalized outputs of query-head rows [row0, row0 + rows) (row =
// b * Hq + h), each from its `splits` partials. Reads through L2 (__ldcg): in the in-kernel
// combine, other SMs wrote them. Every load of a phase is independent of the others, so they are
// in flight together (a loop over the splits that waits for each split's maximum before it
// loads the next would pay the memory latency once per split). Every split holds at least one
// key, so a row's maximum is finite and the split that reached it adds at least 1 to the sum.
// `s_weight` is shared memory for rows * splits floats, `s_total` for rows.
template <int kD>
__device__ void CombineRows(const Workspace& w, int64_t row0, int rows, int splits,
                            __nv_bfloat16* o, float* s_weight, float* s_total) {
  const int tid = threadIdx.x, threads = blockDim.x;
  const int lane = tid % kWarpSize, warp = tid / kWarpSize, warps = threads / kWarpSize;
  // 1. The splits' maxima, all loaded at once.
  for (int i = tid; i < rows * splits; i += threads) {
    s_weight[i] = __ldcg(w.partial_max_sum + ((row0 + i / splits) * kAttentionMaxSplits + i % splits) * 2);
  }
  __syncthreads();
  // 2. A warp per row: the row's maximum, then each split's weight and the total.
  for (int r = warp; r < rows; r += warps) {
    float* weight = s_weight + r * splits;
    const float* max_sum = w.partial_max_sum + (row0 + r) * kAttentionMaxSplits * 2;
    float m = -CUDART_INF_F;
    for (int i = lane; i < splits; i += kWarpSize) m = fmaxf(m, weight[i]);
    m = WarpMax(m);
    float total = 0.f;
    for (int i = lane; i < splits; i += kWarpSize) {
      weight[i] = exp2f(weight[i] - m);
      total += weight[i] * __ldcg(max_sum + 2 * i + 1);
    }
    total = WarpSum(total);
    if (lane == 0) s_total[r] = total;
  }
  __syncthreads();
  // 3. The weighted sum of the partial outputs, eight splits' loads in flight per thread.
  for (int i = tid; i < rows * kD; i += threads) {
    const int r = i / kD, d = i % kD;
    const float* out = w.partial_out + (row0 + r) * kAttentionMaxSplits * kD + d;
    const float* weight = s_weight + r * splits;
    float acc = 0.f;
#pragma unroll 8
    for (int k = 0; k < splits; ++k) acc += weight[k] * __ldcg(out + static_cast<int64_t>(k) * kD);
    o[(row0 + r) * kD + d] = __float2bfloat16(acc / s_total[r]);
  }
}

// Issues this thread's share of the copies of one tile (rows [0, tile_keys) of K and V from key
// tile0 on) into a stage of the ring. Rows past tile_keys are not copied and never read.
template <int kD>
__device__ __forceinline__ void CopyTile(__nv_bfloat16* stage, const __nv_bfloat16* k_base,
                                         const __nv_bfloat16* v_base, int tile0, int tile_keys) {
  using T = Tiling<kD>;
  for (int i = threadIdx.x; i < tile_keys * T::kColThreads; i += kThreads) {
    const int offset = i * kVecElems;  // row i / kColThreads, column (i % kColThreads) * kVecElems
    const int64_t global = static_cast<int64_t>(tile0) * kD + offset;
    __pipeline_memcpy_async(stage + offset, k_base + global, sizeof(RawVec));
    __pipeline_memcpy_async(stage + T::kTileElems + offset, v_base + global, sizeof(RawVec));
  }
}

// The tensor-core path's tile layout: a row of K or V is kD / 8 chunks of 16 bytes, and chunk c
// of row r sits at chunk c ^ (r % 8), so that the eight rows one ldmatrix phase reads at the
// same c fall in eight different bank groups.
template <int kD>
__device__ __forceinline__ int SwizzledOffset(int row, int chunk) {
  return row * kD + ((chunk ^ (row & 7)) << 3);
}

// One 16-byte cp.async, zero-filled when !valid, with kL2Prefetch's hint.
__device__ __forceinline__ void Copy16(__nv_bfloat16* shared, const __nv_bfloat16* global, bool valid) {
  const uint32_t dst = static_cast<uint32_t>(__cvta_generic_to_shared(shared));
  const int src_bytes = valid ? 16 : 0;
  if constexpr (kL2Prefetch == 256) {
    asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16, %2;\n"
                 :: "r"(dst), "l"(global), "r"(src_bytes) : "memory");
  } else if constexpr (kL2Prefetch == 128) {
    asm volatile("cp.async.cg.shared.global.L2::128B [%0], [%1], 16, %2;\n"
                 :: "r"(dst), "l"(global), "r"(src_bytes) : "memory");
  } else {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
                 :: "r"(dst), "l"(global), "r"(src_bytes) : "memory");
  }
}

// As CopyTile, in the swizzled layout, 16 bytes per copy, for the tensor-core path: rows up to
// the next multiple of 16 are written, those past tile_keys as zeros (a zero V row times a zero
// weight stays zero, where leftover bits could be NaN). With kWarpOwnsSlices each warp copies the
// 16-row slices it will use (warp, warp + kWarps, ...); otherwise the CTA shares all copies.
template <int kD>
__device__ __forceinline__ void CopyTileSwizzled(__nv_bfloat16* stage, const __nv_bfloat16* k_base,
                                                 const __nv_bfloat16* v_base, int tile0,
                                                 int tile_keys) {
  constexpr int kChunks = kD / 8;
  constexpr int kWarps = kThreads / kWarpSize;
  const int rows = (tile_keys + 15) / 16 * 16;  // <= kKeysPerTile, a multiple of 16
  auto copy = [&](int r, int c) {
    const bool valid = r < tile_keys;
    const int64_t global = static_cast<int64_t>(tile0 + (valid ? r : 0)) * kD + c * 8;
    const int shared = SwizzledOffset<kD>(r, c);
    Copy16(stage + shared, k_base + global, valid);
    Copy16(stage + Tiling<kD>::kTileElems + shared, v_base + global, valid);
  };
  if constexpr (kWarpOwnsSlices) {
    const int lane = threadIdx.x % kWarpSize;
    for (int row0 = threadIdx.x / kWarpSize * 16; row0 < rows; row0 += kWarps * 16) {
      for (int i = lane; i < 16 * kChunks; i += kWarpSize) copy(row0 + i / kChunks, i % kChunks);
    }
  } else {
    for (int i = threadIdx.x; i < rows * kChunks; i += kThreads) copy(i / kChunks, i % kChunks);
  }
}

[[maybe_unused]] __device__ __forceinline__ uint32_t SharedAddress(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Four 8x8 bf16 matrices from shared memory; lane l gives the address of row l % 8 of matrix
// l / 8, and register i holds this lane's pair of matrix i (row lane / 4, columns 2 (lane % 4)
// and the next), or of its transpose.
[[maybe_unused]] __device__ __forceinline__ void LoadMatrices(uint32_t (&r)[4], const __nv_bfloat16* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(SharedAddress(row)));
}
[[maybe_unused]] __device__ __forceinline__ void LoadMatricesTransposed(uint32_t (&r)[4], const __nv_bfloat16* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(SharedAddress(row)));
}

// c += a (16 x 16, row-major) x b (16 x 8, column-major), bf16 in, fp32 accumulated.
[[maybe_unused]] __device__ __forceinline__ void Mma16x8x16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                           uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

[[maybe_unused]] __device__ __forceinline__ uint32_t PackBf16(float lo, float hi) {
  const __nv_bfloat162 pair = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&pair);
}

// Grid (splits, Hkv * head_chunks, B); kThreads threads. Shared memory:
//   ring     [kStages] x (K [kKeysPerTile, kD], V [kKeysPerTile, kD]) bf16, dynamic; after the
//            last tile, the warps' rows for the merge (tensor cores) and the combine's weights
//   out      [kHeadsPerCta, kD] fp32, the CTA's unnormalized output, summed over its threads
//   max, sum [kHeadsPerCta] fp32, the CTA's running maximum (log2 domain) and sum of weights
// and, CUDA cores only, the tile's scores, then weights [kHeadsPerCta, kKeysPerTile] fp32.
template <int kD>
__global__ void __launch_bounds__(kThreads)
    DecodeSplitKernel(AttentionArgs a, SplitPlan plan, float* workspace) {
  using T = Tiling<kD>;
  extern __shared__ __align__(16) unsigned char s_ring[];
  __shared__ float s_out[kHeadsPerCta][kD];
  __shared__ float s_max[kHeadsPerCta], s_sum[kHeadsPerCta];
  __shared__ bool s_last;

  const int tid = threadIdx.x, lane = tid % kWarpSize, warp = tid / kWarpSize;
  const int split = blockIdx.x;
  const int kv = blockIdx.y / plan.head_chunks, chunk = blockIdx.y % plan.head_chunks;
  const int b = blockIdx.z;
  const int group = a.q_heads / a.kv_heads;
  const int head0 = kv * group + chunk * kHeadsPerCta;  // first query head of this CTA
  const int heads = min(kHeadsPerCta, group - chunk * kHeadsPerCta);
  const int key_begin = split * plan.keys_per_split;
  const int key_end = min(a.seq_len, key_begin + plan.keys_per_split);
  const int tiles = (key_end - key_begin + kKeysPerTile - 1) / kKeysPerTile;  // >= 1
  const int64_t kv_row0 = (static_cast<int64_t>(b) * a.kv_heads + kv) * a.seq_len;
  const int64_t row0 = static_cast<int64_t>(b) * a.q_heads + head0;  // output row of head 0
  const __nv_bfloat16* k_base = a.k + kv_row0 * kD;
  const __nv_bfloat16* v_base = a.v + kv_row0 * kD;
  auto stage_of = [&](int t) {
    return reinterpret_cast<__nv_bfloat16*>(s_ring + (t % kStages) * T::kStageBytes);
  };
  // Copies tile t if there is one; commits a group either way, so that group t is tile t's.
  auto issue = [&](int t) {
    if (t < tiles) {
      const int tile0 = key_begin + t * kKeysPerTile;
      const int tile_keys = min(kKeysPerTile, key_end - tile0);
      if constexpr (kUseTensorCores) {
        CopyTileSwizzled<kD>(stage_of(t), k_base, v_base, tile0, tile_keys);
      } else {
        CopyTile<kD>(stage_of(t), k_base, v_base, tile0, tile_keys);
      }
    }
    __pipeline_commit();
  };
  auto tile_keys_of = [&](int t) {
    return min(kKeysPerTile, key_end - (key_begin + t * kKeysPerTile));
  };
  for (int t = 0; t < kStages - 1; ++t) issue(t);

  for (int i = tid; i < kHeadsPerCta * kD; i += kThreads) s_out[i / kD][i % kD] = 0.f;
  for (int h = tid; h < kHeadsPerCta; h += kThreads) {
    s_max[h] = -CUDART_INF_F;
    s_sum[h] = 0.f;
  }

  if constexpr (!kUseTensorCores) {
    __shared__ float s_scores[kHeadsPerCta][kKeysPerTile];
    __shared__ float s_alpha[kHeadsPerCta];
    // This lane's slice of each query, pre-multiplied by scale * log2(e) so that scores come out
    // in the log2 domain (exp2f is one instruction). Heads past `heads` are zero and never
    // stored.
    const int key_in_warp = lane / T::kLanesPerKey, part = lane % T::kLanesPerKey;
    float q[kHeadsPerCta][T::kVecsPerLane * kVecElems];
#pragma unroll
    for (int h = 0; h < kHeadsPerCta; ++h) {
#pragma unroll
      for (int c = 0; c < T::kVecsPerLane; ++c) {
#pragma unroll
        for (int e = 0; e < kVecElems; ++e) {
          const int d = (c * T::kLanesPerKey + part) * kVecElems + e;
          q[h][c * kVecElems + e] =
              h < heads ? __bfloat162float(a.q[(row0 + h) * kD + d]) * (a.scale * kLog2e) : 0.f;
        }
      }
    }

    float acc[kHeadsPerCta][kVecElems] = {};  // P x V, columns col * kVecElems ...
    const int col = tid % T::kColThreads, row_group = tid / T::kColThreads;

    for (int t = 0; t < tiles; ++t) {
      // The stage tile t + kStages - 1 goes to held tile t - 1, which every thread finished with
      // before the barrier that ended the last iteration.
      issue(t + kStages - 1);
      __pipeline_wait_prior(kStages - 1);  // this thread's copies of tile t have landed ...
      __syncthreads();                     // ... and everyone's
      const __nv_bfloat16* tile_k = stage_of(t);
      const __nv_bfloat16* tile_v = tile_k + T::kTileElems;
      const int tile_keys = tile_keys_of(t);

      // 1. Scores of the tile's keys for every head; keys past the tile's end score -inf.
      for (int step = 0; step < T::kSteps; ++step) {
        const int j = step * T::kKeysPerStep + warp * T::kKeysPerWarp + key_in_warp;
        float dot[kHeadsPerCta] = {};
        if (j < tile_keys) {
#pragma unroll
          for (int c = 0; c < T::kVecsPerLane; ++c) {
            const int d0 = (c * T::kLanesPerKey + part) * kVecElems;
            float k[kVecElems];
            Unpack(*reinterpret_cast<const RawVec*>(tile_k + j * kD + d0), k);
#pragma unroll
            for (int h = 0; h < kHeadsPerCta; ++h) {
#pragma unroll
              for (int e = 0; e < kVecElems; ++e)
                dot[h] = fmaf(q[h][c * kVecElems + e], k[e], dot[h]);
            }
          }
        }
#pragma unroll
        for (int h = 0; h < kHeadsPerCta; ++h) {
          // All lanes shuffle (the loop bounds are uniform); a key's lanes are one aligned group.
#pragma unroll
          for (int offset = T::kLanesPerKey / 2; offset > 0; offset /= 2) {
            dot[h] += __shfl_xor_sync(0xffffffffu, dot[h], offset);
          }
          if (part == 0 && j < kKeysPerTile) {
            s_scores[h][j] = j < tile_keys ? dot[h] : -CUDART_INF_F;
          }
        }
      }
      __syncthreads();

      // 2. Online softmax, one warp per head: the tile's weights replace its scores, and alpha
      // rescales what the earlier tiles accumulated to the new running max.
      for (int h = warp; h < kHeadsPerCta; h += T::kWarps) {
        float tile_max = -CUDART_INF_F;
        for (int j = lane; j < kKeysPerTile; j += kWarpSize)
          tile_max = fmaxf(tile_max, s_scores[h][j]);
        tile_max = WarpMax(tile_max);
        const float old_max = s_max[h];
        const float new_max = fmaxf(old_max, tile_max);  // finite: the tile holds >= 1 key
        float sum = 0.f;
        for (int j = lane; j < kKeysPerTile; j += kWarpSize) {
          const float p = exp2f(s_scores[h][j] - new_max);  // 0 for the -inf past the end
          s_scores[h][j] = p;
          sum += p;
        }
        sum = WarpSum(sum);
        if (lane == 0) {
          const float alpha = exp2f(old_max - new_max);  // 0 on the first tile (old_max = -inf)
          s_alpha[h] = alpha;
          s_sum[h] = s_sum[h] * alpha + sum;
          s_max[h] = new_max;
        }
      }
      __syncthreads();

      // 3. acc = alpha * acc + P x V over the tile's keys.
#pragma unroll
      for (int h = 0; h < kHeadsPerCta; ++h) {
        const float alpha = s_alpha[h];
#pragma unroll
        for (int e = 0; e < kVecElems; ++e) acc[h][e] *= alpha;
      }
      for (int j = row_group; j < tile_keys; j += T::kRowGroups) {
        float v[kVecElems];
        Unpack(*reinterpret_cast<const RawVec*>(tile_v + j * kD + col * kVecElems), v);
#pragma unroll
        for (int h = 0; h < kHeadsPerCta; ++h) {
          const float p = s_scores[h][j];
#pragma unroll
          for (int e = 0; e < kVecElems; ++e) acc[h][e] = fmaf(p, v[e], acc[h][e]);
        }
      }
      __syncthreads();  // the next iteration overwrites this stage, s_scores and s_alpha
    }

    // The row groups' sums meet in shared memory.
#pragma unroll
    for (int h = 0; h < kHeadsPerCta; ++h) {
#pragma unroll
      for (int e = 0; e < kVecElems; ++e) atomicAdd(&s_out[h][col * kVecElems + e], acc[h][e]);
    }
  } else {
    static_assert(kHeadsPerCta <= 16, "a CTA's heads are rows of the 16-row tile");
    // Rows this lane holds: g, and g + 8 when a CTA has more than 8 heads (rows past the CTA's
    // heads are zero, and with 8 heads or fewer the row g + 8 is never computed on).
    constexpr int kRows = kHeadsPerCta > 8 ? 2 : 1;
    static_assert(kKeysPerTile % 16 == 0, "a tile is whole 16-key slices");
    __shared__ float s_warp_max[T::kWarps][kHeadsPerCta], s_warp_sum[T::kWarps][kHeadsPerCta];
    // Fragment coordinates (PTX ISA, mma.m16n8k16): this lane holds rows g and g + 8 of A and C
    // (A registers 0 and 2 and C elements 0 and 1 are row g; A registers 1 and 3 and C elements 2
    // and 3 row g + 8), columns 2 t and 2 t + 1 of each 8-column block.
    const int g = lane / 4, t4 = lane % 4;
    bool head_row[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) head_row[r] = g + 8 * r < heads;
    const float score_scale = a.scale * kLog2e;  // on the fp32 scores: q stays exact in bf16

    // q as the A operand, one 16-column block of D per register quad.
    uint32_t q_frag[kD / 16][4] = {};
#pragma unroll
    for (int kk = 0; kk < kD / 16; ++kk) {
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        const __nv_bfloat16* q_row =
            a.q + (row0 + (head_row[r] ? g + 8 * r : 0)) * kD + kk * 16 + 2 * t4;
        const __nv_bfloat162 lo = head_row[r] ? __halves2bfloat162(q_row[0], q_row[1])
                                              : __float2bfloat162_rn(0.f);
        const __nv_bfloat162 hi = head_row[r] ? __halves2bfloat162(q_row[8], q_row[9])
                                              : __float2bfloat162_rn(0.f);
        q_frag[kk][r] = *reinterpret_cast<const uint32_t*>(&lo);
        q_frag[kk][2 + r] = *reinterpret_cast<const uint32_t*>(&hi);
      }
    }

    float acc[kD / 8][4] = {};  // O: rows g and g + 8, columns 8 j + 2 t4 + {0, 1}
    // Per row the lane holds: the running maximum, and the sum over this lane's columns.
    float run_max[kRows], run_sum[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      run_max[r] = -CUDART_INF_F;
      run_sum[r] = 0.f;
    }
    // ldmatrix rows this lane addresses: for K, keys 8 (lane / 16) + lane % 8 and column chunk
    // (lane / 8) % 2 of a 16-wide block; for V, keys 8 ((lane / 8) % 2) + lane % 8 and chunk
    // lane / 16 of a pair of 8-wide blocks.
    const int k_key = (lane / 16) * 8 + lane % 8, k_chunk = (lane / 8) % 2;
    const int v_key = ((lane / 8) % 2) * 8 + lane % 8, v_chunk = lane / 16;

    // Without kWarpOwnsSlices the stage tile t + kStages - 1 goes to was held by tile t - 1, which
    // every warp finished with before the barrier that ended the last iteration; with it, the
    // warp's own slices of that stage, which its own lanes finished with.
    auto sync = [] {
      if constexpr (kWarpOwnsSlices) {
        __syncwarp();
      } else {
        __syncthreads();
      }
    };
    for (int t = 0; t < tiles; ++t) {
      issue(t + kStages - 1);
      __pipeline_wait_prior(kStages - 1);  // this thread's copies of tile t have landed ...
      sync();                              // ... and those of every thread that reads them
      const __nv_bfloat16* tile_k = stage_of(t);
      const __nv_bfloat16* tile_v = tile_k + T::kTileElems;
      const int tile_keys = tile_keys_of(t);

      for (int slice = warp; slice * 16 < tile_keys; slice += T::kWarps) {
        const int key0 = slice * 16;
        // S = q K^T for the slice's 16 keys: two 8-key blocks.
        float s[2][4] = {};
#pragma unroll
        for (int kk = 0; kk < kD / 16; ++kk) {
          uint32_t kf[4];
          LoadMatrices(kf, tile_k + SwizzledOffset<kD>(key0 + k_key, 2 * kk + k_chunk));
          Mma16x8x16(s[0], q_frag[kk], kf[0], kf[1]);
          Mma16x8x16(s[1], q_frag[kk], kf[2], kf[3]);
        }
        // Online softmax of each row over the slice; keys past the tile's end weigh 0.
        float p[2][4] = {};  // C layout: p[n][2 r + e] is row g + 8 r, key 8 n + 2 t4 + e
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
          float slice_max = -CUDART_INF_F;
#pragma unroll
          for (int n = 0; n < 2; ++n) {
#pragma unroll
            for (int e = 0; e < 2; ++e) {
              const bool valid = key0 + n * 8 + 2 * t4 + e < tile_keys;
              s[n][2 * r + e] = valid ? s[n][2 * r + e] * score_scale : -CUDART_INF_F;
              slice_max = fmaxf(slice_max, s[n][2 * r + e]);
            }
          }
          slice_max = fmaxf(slice_max, __shfl_xor_sync(0xffffffffu, slice_max, 1));
          slice_max = fmaxf(slice_max, __shfl_xor_sync(0xffffffffu, slice_max, 2));
          const float new_max = fmaxf(run_max[r], slice_max);  // finite: key0 < tile_keys
          const float alpha = exp2f(run_max[r] - new_max);     // 0 on this warp's first slice
#pragma unroll
          for (int n = 0; n < 2; ++n) {
#pragma unroll
            for (int e = 0; e < 2; ++e) p[n][2 * r + e] = exp2f(s[n][2 * r + e] - new_max);
          }
          run_sum[r] = run_sum[r] * alpha +
                       (p[0][2 * r] + p[0][2 * r + 1] + p[1][2 * r] + p[1][2 * r + 1]);
          run_max[r] = new_max;
#pragma unroll
          for (int j = 0; j < kD / 8; ++j) {
            acc[j][2 * r] *= alpha;
            acc[j][2 * r + 1] *= alpha;
          }
        }
        // P as the A operand (its C layout is A's), then O += P V, two 8-column blocks of V per
        // ldmatrix. Row g + 8 of P is zero unless the lane holds two rows.
        const uint32_t p_frag[4] = {PackBf16(p[0][0], p[0][1]), PackBf16(p[0][2], p[0][3]),
                                    PackBf16(p[1][0], p[1][1]), PackBf16(p[1][2], p[1][3])};
#pragma unroll
        for (int j = 0; j < kD / 8; j += 2) {
          uint32_t vf[4];
          LoadMatricesTransposed(vf, tile_v + SwizzledOffset<kD>(key0 + v_key, j + v_chunk));
          Mma16x8x16(acc[j], p_frag, vf[0], vf[1]);
          Mma16x8x16(acc[j + 1], p_frag, vf[2], vf[3]);
        }
      }
      sync();  // the next iteration overwrites this stage
    }

    // The warps' softmaxes meet: each rescales its rows to the CTA's maximum and stores them in a
    // slot of its own in the ring's memory (every warp is done with the ring after the barrier
    // below), then the threads sum the warps' slots column by column. Plain stores and loads:
    // a float atomicAdd on shared memory is a compare-and-swap loop on this GPU (SASS
    // ATOMS.CAST.SPIN), retried while other warps hit the same word.
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      run_sum[r] += __shfl_xor_sync(0xffffffffu, run_sum[r], 1);
      run_sum[r] += __shfl_xor_sync(0xffffffffu, run_sum[r], 2);
      const int h = g + 8 * r;
      if (t4 == 0 && h < kHeadsPerCta) {
        s_warp_max[warp][h] = run_max[r];  // -inf for a warp that saw no key
        s_warp_sum[warp][h] = run_sum[r];
      }
    }
    __syncthreads();
    float* merge = reinterpret_cast<float*>(s_ring);  // [kWarps][kHeadsPerCta][kD]
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      if (!head_row[r]) continue;
      const int h = g + 8 * r;
      float cta_max = -CUDART_INF_F;
      for (int w = 0; w < T::kWarps; ++w) cta_max = fmaxf(cta_max, s_warp_max[w][h]);
      const float factor = exp2f(run_max[r] - cta_max);  // 0 for a warp that saw no key
      float* mine = merge + (warp * kHeadsPerCta + h) * kD + 2 * t4;
#pragma unroll
      for (int j = 0; j < kD / 8; ++j) {
        *reinterpret_cast<float2*>(mine + j * 8) =
            make_float2(acc[j][2 * r] * factor, acc[j][2 * r + 1] * factor);
      }
      if (warp == 0 && t4 == 0) {
        float sum = 0.f;
        for (int w = 0; w < T::kWarps; ++w) {
          sum += s_warp_sum[w][h] * exp2f(s_warp_max[w][h] - cta_max);
        }
        s_max[h] = cta_max;
        s_sum[h] = sum;
      }
    }
    __syncthreads();
    for (int i = tid; i < heads * kD; i += kThreads) {
      const int h = i / kD, d = i % kD;
      float sum = 0.f;
#pragma unroll
      for (int w = 0; w < T::kWarps; ++w) sum += merge[(w * kHeadsPerCta + h) * kD + d];
      s_out[h][d] = sum;
    }
  }
  if constexpr (kCombine == 2) {
    // The combine kernel may launch now; it waits (griddepcontrol.wait) for this grid to finish
    // and its writes to be visible before it reads them.
    asm volatile("griddepcontrol.launch_dependents;\n");
  }
  __syncthreads();

  if (plan.splits == 1) {
    for (int i = tid; i < heads * kD; i += kThreads) {
      const int h = i / kD, d = i % kD;
      a.o[(row0 + h) * kD + d] = __float2bfloat16(s_out[h][d] / s_sum[h]);
    }
    return;
  }

  const Workspace w = CarveWorkspace(workspace, a);
  for (int i = tid; i < heads * kD; i += kThreads) {
    const int h = i / kD, d = i % kD;
    w.partial_out[((row0 + h) * kAttentionMaxSplits + split) * kD + d] = s_out[h][d];
  }
  for (int h = tid; h < heads; h += kThreads) {
    float* max_sum = w.partial_max_sum + ((row0 + h) * kAttentionMaxSplits + split) * 2;
    max_sum[0] = s_max[h];
    max_sum[1] = s_sum[h];
  }
  if (kCombine != 1) return;

  // The last CTA of this head group to finish combines the group's partials. Each thread makes
  // its own writes visible device-wide before the CTA is counted.
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    unsigned int* counter =
        w.counters + (static_cast<int64_t>(b) * a.kv_heads + kv) * plan.head_chunks + chunk;
    s_last = atomicAdd(counter, 1u) == static_cast<unsigned int>(plan.splits - 1);
  }
  __syncthreads();
  if (!s_last) return;
  __threadfence();
  // The ring's memory holds the weights (Tiling::kCombineBytes sizes it for them), s_max the
  // totals: both are free now.
  CombineRows<kD>(w, row0, heads, plan.splits, a.o, reinterpret_cast<float*>(s_ring), s_max);
}

// Grid (B * Hq), a query-head row per CTA; kD threads, one per output column.
template <int kD>
__global__ void __launch_bounds__(kD) CombineKernel(AttentionArgs a, int splits, float* workspace) {
  __shared__ float s_weight[kAttentionMaxSplits], s_total[1];
  if constexpr (kCombine == 2) asm volatile("griddepcontrol.wait;\n" ::: "memory");
  CombineRows<kD>(CarveWorkspace(workspace, a), blockIdx.x, 1, splits, a.o, s_weight, s_total);
}

int CeilDiv(int a, int b) { return (a + b - 1) / b; }

// Splits of the context: enough CTAs to give each SM kCtasPerSm, no more than kMaxSplits, no
// split under kMinKeysPerSplit keys (one split when S is short); whole tiles per split, and no
// split left empty.
SplitPlan PlanSplits(const AttentionArgs& a, int sm_count) {
  SplitPlan plan;
  plan.head_chunks = CeilDiv(a.q_heads / a.kv_heads, kHeadsPerCta);
  const int tiles = CeilDiv(a.seq_len, kKeysPerTile);
  const int64_t base_ctas = static_cast<int64_t>(a.batch) * a.kv_heads * plan.head_chunks;
  const int64_t wanted = (static_cast<int64_t>(kCtasPerSm) * sm_count + base_ctas - 1) / base_ctas;
  int splits = static_cast<int>(wanted < kMaxSplits ? wanted : kMaxSplits);
  splits = min(splits, a.seq_len / kMinKeysPerSplit);
  splits = max(1, min(splits, tiles));
  const int tiles_per_split = CeilDiv(tiles, splits);
  plan.splits = CeilDiv(tiles, tiles_per_split);
  plan.keys_per_split = tiles_per_split * kKeysPerTile;
  return plan;
}

struct DeviceLimits {
  int sm_count = 0;
  int smem_per_block_optin = 0;  // bytes a CTA may have, static and dynamic together
};

cudaError_t QueryLimits(DeviceLimits* out) {
  static DeviceLimits cached;  // the process uses one device
  if (cached.sm_count == 0) {
    int device = 0;
    DeviceLimits l;
    if (cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return e;
    if (cudaError_t e = cudaDeviceGetAttribute(&l.sm_count, cudaDevAttrMultiProcessorCount, device);
        e != cudaSuccess) {
      return e;
    }
    if (cudaError_t e = cudaDeviceGetAttribute(&l.smem_per_block_optin,
                                               cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
        e != cudaSuccess) {
      return e;
    }
    cached = l;
  }
  *out = cached;
  return cudaSuccess;
}

// Lets DecodeSplitKernel<kD> have its ring (past the 48 KB a CTA gets without asking), once, or
// says that this GPU cannot give a CTA that much.
template <int kD>
cudaError_t PrepareDecodeKernel(const DeviceLimits& limits) {
  static bool prepared = false;
  if (prepared) return cudaSuccess;
  cudaFuncAttributes attributes;
  if (cudaError_t e = cudaFuncGetAttributes(&attributes, DecodeSplitKernel<kD>); e != cudaSuccess) {
    return e;
  }
  if (attributes.sharedSizeBytes + Tiling<kD>::kDynamicBytes >
      static_cast<size_t>(limits.smem_per_block_optin)) {
    return cudaErrorInvalidConfiguration;  // kStages x kKeysPerTile too large for this head dim
  }
  if (cudaError_t e =
          cudaFuncSetAttribute(DecodeSplitKernel<kD>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                               static_cast<int>(Tiling<kD>::kDynamicBytes));
      e != cudaSuccess) {
    return e;
  }
  prepared = true;
  return cudaSuccess;
}

bool Aligned(const void* p, size_t bytes) { return reinterpret_cast<uintptr_t>(p) % bytes == 0; }

template <int kD>
cudaError_t LaunchDecode(const AttentionArgs& a, cudaStream_t stream) {
  DeviceLimits limits;
  if (cudaError_t e = QueryLimits(&limits); e != cudaSuccess) return e;
  if (cudaError_t e = PrepareDecodeKernel<kD>(limits); e != cudaSuccess) return e;
  const SplitPlan plan = PlanSplits(a, limits.sm_count);
  if (a.batch > 65535 || static_cast<int64_t>(a.kv_heads) * plan.head_chunks > 65535) {
    return cudaErrorInvalidConfiguration;  // grid y and z
  }
  if (plan.splits > 1) {
    if (a.workspace == nullptr ||
        a.workspace_bytes < AttentionWorkspaceBytes(a.batch, a.q_heads, kD)) {
      return cudaErrorInvalidValue;
    }
    if (kCombine == 1) {
      const Workspace w = CarveWorkspace(a.workspace, a);
      const size_t counters = static_cast<size_t>(a.batch) * a.kv_heads * plan.head_chunks;
      if (cudaError_t e = cudaMemsetAsync(w.counters, 0, counters * sizeof(unsigned int), stream);
          e != cudaSuccess) {
        return e;
      }
    }
  }
  const dim3 grid(plan.splits, a.kv_heads * plan.head_chunks, a.batch);
  DecodeSplitKernel<kD><<<grid, kThreads, Tiling<kD>::kDynamicBytes, stream>>>(a, plan, a.workspace);
  if (plan.splits > 1 && kCombine == 0) {
    CombineKernel<kD><<<a.batch * a.q_heads, kD, 0, stream>>>(a, plan.splits, a.workspace);
  } else if (plan.splits > 1 && kCombine == 2) {
    cudaLaunchAttribute early;
    early.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    early.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(a.batch * a.q_heads);
    config.blockDim = dim3(kD);
    config.stream = stream;
    config.attrs = &early;
    config.numAttrs = 1;
    if (cudaError_t e = cudaLaunchKernelEx(&config, CombineKernel<kD>, a, plan.splits, a.workspace);
        e != cudaSuccess) {
      return e;
    }
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t AttentionDecode(const AttentionArgs& a, cudaStream_t stream) {
  if (a.q == nullptr || a.k == nullptr || a.v == nullptr || a.o == nullptr || a.batch < 1 ||
      a.kv_heads < 1 || a.q_heads < a.kv_heads || a.q_heads % a.kv_heads != 0 || a.seq_len < 1) {
    return cudaErrorInvalidValue;
  }
  const size_t vec_bytes = kUseTensorCores ? 16 : kVecElems * sizeof(__nv_bfloat16);
  if (!Aligned(a.k, vec_bytes) || !Aligned(a.v, vec_bytes)) return cudaErrorInvalidValue;
  switch (a.head_dim) {
    case 64:
      return LaunchDecode<64>(a, stream);
    case 128:
      return LaunchDecode<128>(a, stream);
    default:
      return cudaErrorInvalidValue;
  }
}
