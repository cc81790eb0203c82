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
// reading the group's K and V again.
constexpr int kHeadsPerCta = 8;  // choices: 1, 2, 4, 8
// Context splits: the most CTAs along S per (batch, KV head, head group) ...
constexpr int kMaxSplits = 16;  // choices: 1, 2, 4, 8, 16, 32, 64, 128
// ... as many as it takes to give every SM this many CTAs ...
constexpr int kCtasPerSm = 2;  // choices: 1, 2, 4, 8
// ... while each split keeps at least this many keys.
constexpr int kMinKeysPerSplit = 1024;  // choices: 64, 128, 256, 512, 1024, 2048, 4096
// How split partials combine: 0 = a second kernel, 1 = the last CTA of each head group to finish
// (an atomic counter in the workspace), in the same kernel.
constexpr int kCombineInKernel = 0;  // choices: 0, 1
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

// The normalized output of query-head row `row` (= b * Hq + h) at column d, from its `splits`
// partials. Reads through L2 (__ldcg): in the in-kernel combine, other SMs wrote them.
template <int kD>
__device__ float CombineSplits(const Workspace& w, int64_t row, int splits, int d) {
  const float* max_sum = w.partial_max_sum + row * kAttentionMaxSplits * 2;
  const float* out = w.partial_out + row * kAttentionMaxSplits * kD;
  float m = -CUDART_INF_F;
  for (int i = 0; i < splits; ++i) m = fmaxf(m, __ldcg(max_sum + 2 * i));
  // Every split holds at least one key, so m is finite and the split that reached it adds
  // at least 1 to the sum.
  float sum = 0.f, acc = 0.f;
  for (int i = 0; i < splits; ++i) {
    const float weight = exp2f(__ldcg(max_sum + 2 * i) - m);
    sum += weight * __ldcg(max_sum + 2 * i + 1);
    acc += weight * __ldcg(out + static_cast<int64_t>(i) * kD + d);
  }
  return acc / sum;
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

// Grid (splits, Hkv * head_chunks, B); kThreads threads. Shared memory:
//   ring     [kStages] x (K [kKeysPerTile, kD], V [kKeysPerTile, kD]) bf16, dynamic
//   scores   [kHeadsPerCta, kKeysPerTile] fp32, log2 domain, then the tile's exp2 weights
//   out      [kHeadsPerCta, kD] fp32, the CTA's unnormalized output, summed over row groups
template <int kD>
__global__ void __launch_bounds__(kThreads)
    DecodeSplitKernel(AttentionArgs a, SplitPlan plan, float* workspace) {
  using T = Tiling<kD>;
  extern __shared__ __align__(16) unsigned char s_ring[];
  __shared__ float s_scores[kHeadsPerCta][kKeysPerTile];
  __shared__ float s_out[kHeadsPerCta][kD];
  __shared__ float s_max[kHeadsPerCta], s_sum[kHeadsPerCta], s_alpha[kHeadsPerCta];
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
  const __nv_bfloat16* k_base = a.k + kv_row0 * kD;
  const __nv_bfloat16* v_base = a.v + kv_row0 * kD;
  auto stage_of = [&](int t) {
    return reinterpret_cast<__nv_bfloat16*>(s_ring + (t % kStages) * T::kStageBytes);
  };
  // Copies tile t if there is one; commits a group either way, so that group t is tile t's.
  auto issue = [&](int t) {
    if (t < tiles) {
      const int tile0 = key_begin + t * kKeysPerTile;
      CopyTile<kD>(stage_of(t), k_base, v_base, tile0, min(kKeysPerTile, key_end - tile0));
    }
    __pipeline_commit();
  };
  for (int t = 0; t < kStages - 1; ++t) issue(t);

  for (int i = tid; i < kHeadsPerCta * kD; i += kThreads) s_out[i / kD][i % kD] = 0.f;
  for (int h = tid; h < kHeadsPerCta; h += kThreads) {
    s_max[h] = -CUDART_INF_F;
    s_sum[h] = 0.f;
  }

  // This lane's slice of each query, pre-multiplied by scale * log2(e) so that scores come out
  // in the log2 domain (exp2f is one instruction). Heads past `heads` are zero and never stored.
  const int key_in_warp = lane / T::kLanesPerKey, part = lane % T::kLanesPerKey;
  float q[kHeadsPerCta][T::kVecsPerLane * kVecElems];
#pragma unroll
  for (int h = 0; h < kHeadsPerCta; ++h) {
#pragma unroll
    for (int c = 0; c < T::kVecsPerLane; ++c) {
#pragma unroll
      for (int e = 0; e < kVecElems; ++e) {
        const int d = (c * T::kLanesPerKey + part) * kVecElems + e;
        const int64_t row = static_cast<int64_t>(b) * a.q_heads + head0 + h;
        q[h][c * kVecElems + e] =
            h < heads ? __bfloat162float(a.q[row * kD + d]) * (a.scale * kLog2e) : 0.f;
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
    const int tile_keys = min(kKeysPerTile, key_end - (key_begin + t * kKeysPerTile));

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
        if (part == 0 && j < kKeysPerTile) s_scores[h][j] = j < tile_keys ? dot[h] : -CUDART_INF_F;
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
  __syncthreads();

  const int64_t row0 = static_cast<int64_t>(b) * a.q_heads + head0;  // output row of head 0
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
  if (!kCombineInKernel) return;

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
  for (int i = tid; i < heads * kD; i += kThreads) {
    const int h = i / kD, d = i % kD;
    a.o[(row0 + h) * kD + d] = __float2bfloat16(CombineSplits<kD>(w, row0 + h, plan.splits, d));
  }
}

// Grid (B * Hq); kD threads, one per output column.
template <int kD>
__global__ void __launch_bounds__(kD) CombineKernel(AttentionArgs a, int splits, float* workspace) {
  const Workspace w = CarveWorkspace(workspace, a);
  const int64_t row = blockIdx.x;
  a.o[row * kD + threadIdx.x] = __float2bfloat16(CombineSplits<kD>(w, row, splits, threadIdx.x));
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
  if (attributes.sharedSizeBytes + Tiling<kD>::kRingBytes >
      static_cast<size_t>(limits.smem_per_block_optin)) {
    return cudaErrorInvalidConfiguration;  // kStages x kKeysPerTile too large for this head dim
  }
  if (cudaError_t e =
          cudaFuncSetAttribute(DecodeSplitKernel<kD>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                               static_cast<int>(Tiling<kD>::kRingBytes));
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
    if (kCombineInKernel) {
      const Workspace w = CarveWorkspace(a.workspace, a);
      const size_t counters = static_cast<size_t>(a.batch) * a.kv_heads * plan.head_chunks;
      if (cudaError_t e = cudaMemsetAsync(w.counters, 0, counters * sizeof(unsigned int), stream);
          e != cudaSuccess) {
        return e;
      }
    }
  }
  const dim3 grid(plan.splits, a.kv_heads * plan.head_chunks, a.batch);
  DecodeSplitKernel<kD><<<grid, kThreads, Tiling<kD>::kRingBytes, stream>>>(a, plan, a.workspace);
  if (plan.splits > 1 && !kCombineInKernel) {
    CombineKernel<kD><<<a.batch * a.q_heads, kD, 0, stream>>>(a, plan.splits, a.workspace);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t AttentionDecode(const AttentionArgs& a, cudaStream_t stream) {
  if (a.q == nullptr || a.k == nullptr || a.v == nullptr || a.o == nullptr || a.batch < 1 ||
      a.kv_heads < 1 || a.q_heads < a.kv_heads || a.q_heads % a.kv_heads != 0 || a.seq_len < 1) {
    return cudaErrorInvalidValue;
  }
  const size_t vec_bytes = kVecElems * sizeof(__nv_bfloat16);
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
