// wgmma_tma: the Hopper member of the GEMM family (device template + launcher).
//
// One CTA = 1 producer warpgroup + kConsumers consumer warpgroups (warp-specialized).
//   producer: one thread walks the CTA's work units and, per K tile, waits for a free stage,
//             then issues TMA loads of A [kBM x 64] and B [kBN x 64] into 128B-swizzled shared
//             memory; the loads complete on the stage's "full" mbarrier.
//   consumers: each owns kBM / kConsumers rows of the tile; per K tile they wait on "full",
//             issue 4 x kMmaM wgmma.m64nBNk16 from shared memory, keep one wgmma group in
//             flight, and release the previous stage on its "empty" mbarrier.
// The grid is persistent: each CTA (cluster) walks work units u = cluster_id, +num_clusters,..
// where a unit is (split, tile) in the raster/swizzle order. With kClusterM = 2 the two CTAs
// of a cluster take vertically adjacent tiles; each loads half of the shared B tile and
// multicasts it to both, so B is read from L2 once per pair.
// Out-of-range rows, columns and K are zero-filled by TMA, so any M, N and any K with
// K % 8 == 0 (16-byte row strides, a TMA rule) is computed; the epilogue is bounds-checked.
#pragma once

#include <cuda.h>

#include <memory>
#include <mutex>
#include <string>

#include "gemm/gemm_device_common.cuh"
#include "gemm/gemm_operation.h"
#include "gemm/gemm_support.h"
#include "gemm/gemm_wgmma_ops.cuh"

namespace kevolve::gemm {
namespace device {

struct WgmmaTmaParams {
  EpilogueParams epi;
  int tiles_m;            // CTA tiles along M (rounded up to a whole cluster)
  int tiles_n;
  int k_tiles;            // ceil(K / 64)
  int k_tiles_per_split;
  int raster_n;
  int swizzle;
  int units;              // cluster tiles x tiles_n x split_k
  int tma_store;          // 1: the TMA-store epilogue applies to this problem
};

template <int kBM_, int kBN_, int kStages_, int kConsumers_, int kClusterM_, bool kTmaStore_>
struct WgmmaTmaTraits {
  static constexpr int kBM = kBM_;
  static constexpr int kBN = kBN_;
  static constexpr int kBK = 64;
  static constexpr int kStages = kStages_;
  static constexpr int kConsumers = kConsumers_;
  static constexpr int kClusterM = kClusterM_;
  static constexpr bool kTmaStore = kTmaStore_;
  static constexpr int kWgRows = kBM / kConsumers;   // rows of the tile per consumer warpgroup
  static constexpr int kMmaM = kWgRows / 64;         // m64 wgmma blocks per consumer
  static constexpr int kAcc = kBN / 2;               // fp32 accumulators per thread per block
  static constexpr int kThreads = 128 * (kConsumers + 1);
  static constexpr int kABytes = kBM * kBK * 2;
  static constexpr int kBBytes = kBN * kBK * 2;
  static constexpr int kBBoxRows = kBN / kClusterM;  // rows of B each CTA of a cluster loads
  static constexpr int kStageBytes = kABytes + kBBytes;
  // TMA-store staging: per consumer warpgroup one kWgRows x 64-column bf16 box (128 B rows).
  static constexpr int kStagingBytes = kTmaStore ? kBM * 128 : 0;
  static constexpr int kSmemBytes = kStages * kStageBytes + kStagingBytes + 2 * kStages * 8 + 1024;
  // Registers after setmaxnreg: the producer needs few, the consumers hold the accumulators.
  static constexpr int kProducerRegs = 40;
  static constexpr int kConsumerRegs = kConsumers == 2 ? 232 : 240;

  static_assert(kConsumers == 1 || kConsumers == 2, "1 or 2 consumer warpgroups");
  static_assert(kWgRows == 64 || kWgRows == 128,
                "each consumer warpgroup owns 64 or 128 rows (1 or 2 wgmma m64 blocks)");
  static_assert(kBN % 64 == 0 && kBN <= 256,
                "wgmma N is at most 256; multiples of 64 keep B 1024-byte aligned per half");
  static_assert(kBM <= 256 && kBBoxRows <= 256, "a TMA box has at most 256 rows");
  static_assert(kBBoxRows % 8 == 0, "each multicast half of B must be whole 8-row swizzle atoms");
  static_assert(kClusterM == 1 || kClusterM == 2, "clusters of 1 or 2 CTAs along M");
  static_assert(kMmaM * kAcc <= 128, "accumulators must fit the consumer register budget");
  static_assert(kSmemBytes <= 227 * 1024, "shared memory per CTA is at most 227 KB on H100");
  static_assert(kProducerRegs * 128 + kConsumerRegs * 128 * kConsumers <= 65536,
                "register budget of one CTA per SM");
};

struct WorkUnit {
  int tile_m;  // CTA tile row (may be >= real tiles when the cluster overhangs M)
  int tile_n;
  int split;
  int kt_begin;
  int kt_end;
};

template <class T>
__device__ __forceinline__ WorkUnit DecodeUnit(const WgmmaTmaParams& p, int u, int cta_rank) {
  const int cluster_tiles_m = p.tiles_m / T::kClusterM;
  const int tiles = cluster_tiles_m * p.tiles_n;
  WorkUnit w;
  w.split = u / tiles;
  const TileCoord tc = MapTile(u - w.split * tiles, cluster_tiles_m, p.tiles_n, p.raster_n,
                               p.swizzle);
  w.tile_m = tc.m * T::kClusterM + cta_rank;
  w.tile_n = tc.n;
  w.kt_begin = w.split * p.k_tiles_per_split;
  const int end = w.kt_begin + p.k_tiles_per_split;
  w.kt_end = end < p.k_tiles ? end : p.k_tiles;
  if (w.kt_end < w.kt_begin) w.kt_end = w.kt_begin;
  return w;
}

template <class T>
__device__ __forceinline__ void ProducerLoop(const CUtensorMap* tmap_a, const CUtensorMap* tmap_b,
                                             const WgmmaTmaParams& p, uint32_t smem_a,
                                             uint32_t smem_b, uint32_t full, uint32_t empty,
                                             int cta_rank) {
  const int cluster_id = blockIdx.x / T::kClusterM;
  const int num_clusters = gridDim.x / T::kClusterM;
  const int real_tiles_m = static_cast<int>((p.epi.m + T::kBM - 1) / T::kBM);
  int stage = 0;
  uint32_t phase = 0;
  for (int u = cluster_id; u < p.units; u += num_clusters) {
    const WorkUnit w = DecodeUnit<T>(p, u, cta_rank);
    // A CTA whose tile hangs past M still feeds its half of B to its peer; it loads a real A
    // tile (results discarded by the bounds-checked epilogue) so that no TMA box lies wholly
    // outside the tensor.
    const int a_tile = w.tile_m < real_tiles_m ? w.tile_m : real_tiles_m - 1;
    for (int kt = w.kt_begin; kt < w.kt_end; ++kt) {
      MbarWait(empty + stage * 8, phase ^ 1);
      MbarArriveExpectTx(full + stage * 8, T::kStageBytes);
      TmaLoad2d(smem_a + stage * T::kABytes, tmap_a, full + stage * 8, kt * T::kBK,
                a_tile * T::kBM);
      if constexpr (T::kClusterM == 1) {
        TmaLoad2d(smem_b + stage * T::kBBytes, tmap_b, full + stage * 8, kt * T::kBK,
                  w.tile_n * T::kBN);
      } else {
        TmaLoad2dMulticast(smem_b + stage * T::kBBytes + cta_rank * T::kBBoxRows * 128, tmap_b,
                           full + stage * 8, kt * T::kBK,
                           w.tile_n * T::kBN + cta_rank * T::kBBoxRows,
                           static_cast<uint16_t>((1u << T::kClusterM) - 1));
      }
      if (++stage == T::kStages) {
        stage = 0;
        phase ^= 1;
      }
    }
  }
}

// One arrival per consumer warp on the stage's "empty" barrier of every CTA that reads it:
// lane r signals CTA r, so the cluster's arrivals leave in parallel.
template <class T>
__device__ __forceinline__ void ReleaseStage(uint32_t empty_bar, int lane, int cta_rank) {
  if constexpr (T::kClusterM == 1) {
    if (lane == 0) MbarArrive(empty_bar);
  } else {
    if (lane == cta_rank) {
      MbarArrive(empty_bar);
    } else if (lane < T::kClusterM) {
      MbarArriveCluster(empty_bar, static_cast<uint32_t>(lane));
    }
  }
}

template <class T>
__device__ __forceinline__ void StoreTile(const WgmmaTmaParams& p, const WorkUnit& w, int consumer,
                                          int tid, float (&acc)[T::kMmaM][T::kAcc]) {
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int64_t row0 = static_cast<int64_t>(w.tile_m) * T::kBM + consumer * T::kWgRows +
                       warp * 16 + lane / 4;
  const int64_t col0 = static_cast<int64_t>(w.tile_n) * T::kBN + 2 * (lane % 4);
#pragma unroll
  for (int mi = 0; mi < T::kMmaM; ++mi) {
#pragma unroll
    for (int j = 0; j < T::kBN / 8; ++j) {
      const int64_t row = row0 + mi * 64;
      const int64_t col = col0 + j * 8;
      StorePair(p.epi, row, col, w.split, acc[mi][4 * j], acc[mi][4 * j + 1]);
      StorePair(p.epi, row + 8, col, w.split, acc[mi][4 * j + 2], acc[mi][4 * j + 3]);
    }
  }
}

// Stages the tile 64 columns at a time in 128B-swizzled shared memory (the layout the C tensor
// map's SWIZZLE_128B expects) and writes each box with a TMA bulk store. The store of the last
// box overlaps the next tile's main loop; the staging buffer is reused only after the
// previous store has finished reading it.
template <class T>
__device__ __forceinline__ void StoreTileTma(const CUtensorMap* tmap_c, const WgmmaTmaParams& p,
                                             const WorkUnit& w, int consumer, int tid,
                                             uint32_t staging, float (&acc)[T::kMmaM][T::kAcc]) {
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int row_start = w.tile_m * T::kBM + consumer * T::kWgRows;
  if (row_start >= p.epi.m) return;  // a cluster CTA hanging past M: nothing to write
#pragma unroll
  for (int j = 0; j < T::kBN / 64; ++j) {
    if (tid == 0) BulkWaitRead<0>();
    NamedBarrierSync(1 + consumer, 128);
#pragma unroll
    for (int mi = 0; mi < T::kMmaM; ++mi) {
#pragma unroll
      for (int jj = 0; jj < 8; ++jj) {
        const int group = j * 8 + jj;  // 8-column group of the accumulator fragment
#pragma unroll
        for (int half = 0; half < 2; ++half) {
          const int r = mi * 64 + warp * 16 + lane / 4 + half * 8;
          const uint32_t addr = staging + r * 128 + ((jj ^ (r & 7)) << 4) + 4 * (lane & 3);
          StoreSharedU32(addr, PackBf16x2(acc[mi][4 * group + 2 * half],
                                          acc[mi][4 * group + 2 * half + 1]));
        }
      }
    }
    FenceProxyAsyncShared();
    NamedBarrierSync(1 + consumer, 128);
    if (tid == 0) {
      TmaStore2d(tmap_c, staging, w.tile_n * T::kBN + j * 64, row_start);
      BulkCommit();
    }
  }
}

template <class T>
__device__ __forceinline__ void ConsumerLoop(const CUtensorMap* tmap_c, const WgmmaTmaParams& p,
                                             uint32_t smem_a, uint32_t smem_b, uint32_t staging,
                                             uint32_t full, uint32_t empty, int consumer, int tid,
                                             int cta_rank) {
  const int cluster_id = blockIdx.x / T::kClusterM;
  const int num_clusters = gridDim.x / T::kClusterM;
  const int lane = tid % 32;
  float acc[T::kMmaM][T::kAcc];
  int stage = 0;
  uint32_t phase = 0;
  for (int u = cluster_id; u < p.units; u += num_clusters) {
    const WorkUnit w = DecodeUnit<T>(p, u, cta_rank);
#pragma unroll
    for (int mi = 0; mi < T::kMmaM; ++mi) {
#pragma unroll
      for (int i = 0; i < T::kAcc; ++i) acc[mi][i] = 0.0f;
    }
    int prev_stage = -1;
    for (int kt = w.kt_begin; kt < w.kt_end; ++kt) {
      MbarWait(full + stage * 8, phase);
#pragma unroll
      for (int mi = 0; mi < T::kMmaM; ++mi) FenceOperands(acc[mi]);
      WgmmaFence();
      const uint32_t a_base = smem_a + stage * T::kABytes + consumer * T::kWgRows * 128;
      const uint32_t b_base = smem_b + stage * T::kBBytes;
#pragma unroll
      for (int kk = 0; kk < T::kBK / 16; ++kk) {
        const uint64_t desc_b = MakeSmemDescSw128(b_base + kk * 32);
#pragma unroll
        for (int mi = 0; mi < T::kMmaM; ++mi) {
          const uint64_t desc_a = MakeSmemDescSw128(a_base + mi * 64 * 128 + kk * 32);
          WgmmaBf16<T::kBN>::Mma(acc[mi], desc_a, desc_b);
        }
      }
      WgmmaCommit();
#pragma unroll
      for (int mi = 0; mi < T::kMmaM; ++mi) FenceOperands(acc[mi]);
      // Keep this K tile's wgmmas in flight; the previous tile's are done, so its stage is free.
      WgmmaWait<1>();
      if (prev_stage >= 0) ReleaseStage<T>(empty + prev_stage * 8, lane, cta_rank);
      prev_stage = stage;
      if (++stage == T::kStages) {
        stage = 0;
        phase ^= 1;
      }
    }
    WgmmaWait<0>();
#pragma unroll
    for (int mi = 0; mi < T::kMmaM; ++mi) FenceOperands(acc[mi]);
    if (prev_stage >= 0) ReleaseStage<T>(empty + prev_stage * 8, lane, cta_rank);
    if constexpr (T::kTmaStore) {
      if (p.tma_store) {
        StoreTileTma<T>(tmap_c, p, w, consumer, tid,
                        staging + consumer * T::kWgRows * 128, acc);
        continue;
      }
    }
    StoreTile<T>(p, w, consumer, tid, acc);
  }
  if constexpr (T::kTmaStore) {
    if (tid == 0) BulkWait<0>();  // the last stores are complete before the CTA exits
  }
}

template <class T>
__global__ void __launch_bounds__(T::kThreads, 1)
    WgmmaTmaKernel(const __grid_constant__ CUtensorMap tmap_a,
                   const __grid_constant__ CUtensorMap tmap_b,
                   const __grid_constant__ CUtensorMap tmap_c, const WgmmaTmaParams p) {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 900) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  // TMA's 128B swizzle and the wgmma descriptors assume 1024-byte aligned stage buffers.
  const uint32_t raw = SmemAddr(smem_raw);
  const uint32_t base = (raw + 1023u) & ~1023u;
  const uint32_t smem_a = base;
  const uint32_t smem_b = smem_a + T::kStages * T::kABytes;
  const uint32_t staging = smem_b + T::kStages * T::kBBytes;  // 1024-aligned: whole tiles
  const uint32_t full = staging + T::kStagingBytes;  // kStages mbarriers, 8 bytes each
  const uint32_t empty = full + T::kStages * 8;
  const int warpgroup = threadIdx.x / 128;
  const int tid = threadIdx.x % 128;
  const int cta_rank = T::kClusterM > 1 ? static_cast<int>(ClusterCtaRank()) : 0;

  if (threadIdx.x == 0) {
    for (int s = 0; s < T::kStages; ++s) {
      MbarInit(full + s * 8, 1);
      // One arrival per consumer warp, from every CTA of the cluster that reads this stage.
      MbarInit(empty + s * 8, T::kConsumers * 4 * T::kClusterM);
    }
    FenceBarrierInit();
    TmaPrefetchDescriptor(&tmap_a);
    TmaPrefetchDescriptor(&tmap_b);
    if (T::kTmaStore && p.tma_store) TmaPrefetchDescriptor(&tmap_c);
  }
  if constexpr (T::kClusterM > 1) {
    ClusterSync();
  } else {
    __syncthreads();
  }

  if (warpgroup == 0) {
    RegDealloc<T::kProducerRegs>();
    if (tid == 0) ProducerLoop<T>(&tmap_a, &tmap_b, p, smem_a, smem_b, full, empty, cta_rank);
  } else {
    RegAlloc<T::kConsumerRegs>();
    ConsumerLoop<T>(&tmap_c, p, smem_a, smem_b, staging, full, empty, warpgroup - 1, tid,
                    cta_rank);
  }
  // A CTA may not exit while its peer can still arrive on its barriers or multicast into it.
  // The producer's lanes diverged above; the cluster barrier needs whole warps.
  __syncwarp();
  if constexpr (T::kClusterM > 1) ClusterSync();
#endif
}

}  // namespace device

// Launcher for one compiled WgmmaTmaTraits instance; runtime fields (split_k, raster,
// swizzle) come from the config.
template <class T>
class WgmmaTmaOperation final : public GemmOperation {
 public:
  explicit WgmmaTmaOperation(const GemmConfig& config) : GemmOperation(config) {}

  Status CanImplement(const GemmShape& s) const override {
    KEVOLVE_RETURN_IF_ERROR(CheckShapeBasics(s));
    if (s.b_layout != BLayout::kNK) {
      return Status::InvalidArgument(
          "wgmma_tma reads B as the [N,K] weight only; use an mma config for B as [K,N]");
    }
    if (s.k % 8 != 0) {
      return Status::InvalidArgument("K % 8 != 0: rows are not 16-byte aligned, which TMA needs");
    }
    const int64_t k_tiles = (s.k + T::kBK - 1) / T::kBK;
    if (config().split_k > k_tiles) {
      return Status::InvalidArgument("split_k " + std::to_string(config().split_k) +
                                     " exceeds the " + std::to_string(k_tiles) + " K tiles");
    }
    return Status::Ok();
  }

  Status Initialize(const GemmArgs& args) override {
    KEVOLVE_RETURN_IF_ERROR(CheckArgsCommon(*this, args, /*needs_16b_operands=*/true));
    KEVOLVE_RETURN_IF_ERROR(RequireSm90a());
    const auto kernel = device::WgmmaTmaKernel<T>;
    KEVOLVE_RETURN_IF_ERROR(SetMaxDynamicSmem(reinterpret_cast<const void*>(kernel),
                                              T::kSmemBytes, attr_once_, attr_status_));
    const GemmShape& s = args.shape;
    KEVOLVE_ASSIGN_OR_RETURN(tmap_a_, MakeTensorMapBf16Sw128(args.a, s.k, s.m, T::kBM));
    KEVOLVE_ASSIGN_OR_RETURN(tmap_b_, MakeTensorMapBf16Sw128(args.b, s.k, s.n, T::kBBoxRows));
    const GemmConfig& c = config();
    params_ = {};
    params_.tma_store = 0;
    if (T::kTmaStore && c.split_k == 1 && s.n % 8 == 0 &&
        reinterpret_cast<uintptr_t>(args.c) % 16 == 0) {
      KEVOLVE_ASSIGN_OR_RETURN(tmap_c_, MakeTensorMapBf16Sw128(args.c, s.n, s.m, T::kWgRows));
      params_.tma_store = 1;
    }
    params_.epi.c = static_cast<device::bf16*>(args.c);
    params_.epi.partial = c.split_k > 1 ? static_cast<float*>(args.workspace) : nullptr;
    params_.epi.m = s.m;
    params_.epi.n = s.n;
    const int tiles_m = static_cast<int>((s.m + T::kBM - 1) / T::kBM);
    params_.tiles_m = (tiles_m + T::kClusterM - 1) / T::kClusterM * T::kClusterM;
    params_.tiles_n = static_cast<int>((s.n + T::kBN - 1) / T::kBN);
    params_.k_tiles = static_cast<int>((s.k + T::kBK - 1) / T::kBK);
    params_.k_tiles_per_split = (params_.k_tiles + c.split_k - 1) / c.split_k;
    params_.raster_n = c.raster == Raster::kAlongN ? 1 : 0;
    params_.swizzle = c.swizzle;
    params_.units = params_.tiles_m / T::kClusterM * params_.tiles_n * c.split_k;
    KEVOLVE_ASSIGN_OR_RETURN(const int max_clusters,
                             MaxActiveClusters(reinterpret_cast<const void*>(kernel), T::kThreads,
                                               T::kSmemBytes, T::kClusterM));
    grid_ = std::min(params_.units, max_clusters) * T::kClusterM;
    args_ = args;
    return Status::Ok();
  }

  std::string Describe() const override {
    return "grid=" + std::to_string(grid_) + " block=" + std::to_string(T::kThreads) +
           " smem=" + std::to_string(T::kSmemBytes) + " units=" + std::to_string(params_.units) +
           " tma_store=" + std::to_string(params_.tma_store);
  }

  Status Launch(cudaStream_t stream) override {
    KEVOLVE_RETURN_IF_ERROR(LaunchPersistent(reinterpret_cast<const void*>(
                                                 device::WgmmaTmaKernel<T>),
                                             grid_, T::kThreads, T::kSmemBytes, T::kClusterM,
                                             stream, tmap_a_, tmap_b_, tmap_c_, params_));
    if (config().split_k > 1) {
      return LaunchSplitKReduce(static_cast<const float*>(args_.workspace), config().split_k,
                                args_.shape.m, args_.shape.n, args_.c, stream);
    }
    return Status::Ok();
  }

 private:
  Status LaunchPersistent(const void* kernel, int grid, int threads, int smem, int cluster,
                          cudaStream_t stream, const CUtensorMap& a, const CUtensorMap& b,
                          const CUtensorMap& c, const device::WgmmaTmaParams& params) {
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(static_cast<unsigned>(grid), 1, 1);
    cfg.blockDim = dim3(static_cast<unsigned>(threads), 1, 1);
    cfg.dynamicSmemBytes = static_cast<size_t>(smem);
    cfg.stream = stream;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = static_cast<unsigned>(cluster);
    attr[0].val.clusterDim.y = 1;
    attr[0].val.clusterDim.z = 1;
    cfg.attrs = attr;
    cfg.numAttrs = cluster > 1 ? 1 : 0;
    void* kernel_args[] = {const_cast<CUtensorMap*>(&a), const_cast<CUtensorMap*>(&b),
                           const_cast<CUtensorMap*>(&c),
                           const_cast<device::WgmmaTmaParams*>(&params)};
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaLaunchKernelExC(&cfg, kernel, kernel_args));
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetLastError());
    return Status::Ok();
  }

  CUtensorMap tmap_a_{};
  CUtensorMap tmap_b_{};
  CUtensorMap tmap_c_{};  // used only when params_.tma_store
  device::WgmmaTmaParams params_{};
  int grid_ = 0;
  GemmArgs args_{};
  std::once_flag attr_once_;
  Status attr_status_;
};

}  // namespace kevolve::gemm
