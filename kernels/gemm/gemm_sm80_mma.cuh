// mma_cp_async / mma_ldg: the mma.sync member of the GEMM family (device template + launcher).
//
// CTA tile kBM x kBN x kBK, kWM x kWN warps, each warp owning a (kBM/kWM) x (kBN/kWN) block
// computed with mma.sync m16n8k16 (bf16 in, fp32 accumulate) from ldmatrix fragments.
// kStages shared-memory stages; rows of 16-byte chunks are XOR-swizzled so that the eight row
// addresses of an ldmatrix fall in eight different bank groups.
//   kAsync = true  (mma_cp_async): global -> shared by cp.async with zero-fill predication;
//                  needs 16-byte aligned rows (K % 8 == 0; N % 8 == 0 when B is [K,N]).
//   kAsync = false (mma_ldg): element-wise predicated loads through registers, issued before
//                  the current stage's math and stored after it; any M, N, K and alignment.
// B is read either as [N,K] (ldmatrix) or [K,N] (ldmatrix.trans): both layouts are compiled.
// split_k > 1 writes fp32 partial sums per K slice (blockIdx.y) for LaunchSplitKReduce.
#pragma once

#include <memory>
#include <mutex>

#include "gemm/gemm_device_common.cuh"
#include "gemm/gemm_operation.h"
#include "gemm/gemm_support.h"

namespace kevolve::gemm {
namespace device {

struct MmaParams {
  const bf16* a;
  const bf16* b;
  EpilogueParams epi;
  int k;
  int tiles_m;
  int tiles_n;
  int k_tiles_per_split;
  int raster_n;
  int swizzle;
};

template <int kBM_, int kBN_, int kBK_, int kWM_, int kWN_, int kStages_, bool kAsync_,
          bool kBKn_>
struct MmaTraits {
  static constexpr int kBM = kBM_, kBN = kBN_, kBK = kBK_, kWM = kWM_, kWN = kWN_;
  static constexpr int kStages = kStages_;
  static constexpr bool kAsync = kAsync_;
  static constexpr bool kBKn = kBKn_;  // B given as [K,N]
  static constexpr int kThreads = 32 * kWM * kWN;
  static constexpr int kWarpM = kBM / kWM;
  static constexpr int kWarpN = kBN / kWN;
  static constexpr int kMI = kWarpM / 16;
  static constexpr int kNI = kWarpN / 8;
  static constexpr int kAChunks = kBM * kBK / 8;  // 16-byte chunks per stage
  static constexpr int kBChunks = kBN * kBK / 8;
  static constexpr int kAPerThread = kAChunks / kThreads;
  static constexpr int kBPerThread = kBChunks / kThreads;
  static constexpr int kAStageElems = kBM * kBK;
  static constexpr int kBStageElems = kBN * kBK;
  static constexpr int kSmemBytes = kStages * (kAStageElems + kBStageElems) * 2;

  static_assert(kWarpM % 16 == 0, "a warp's M extent is whole m16 mma tiles");
  static_assert(kWarpN % 16 == 0, "a warp's N extent is whole pairs of n8 tiles (ldmatrix.x4)");
  static_assert(kBK == 32 || kBK == 64, "K stage of 32 or 64: 4 or 8 swizzled 16-byte chunks");
  static_assert(!kBKn || kBN % 32 == 0, "[K,N] rows of B need at least 4 chunks to swizzle");
  static_assert(kAChunks % kThreads == 0 && kBChunks % kThreads == 0,
                "every thread copies the same number of 16-byte chunks");
  static_assert(kStages >= 2, "at least double buffering");
  static_assert(kSmemBytes <= 227 * 1024, "shared memory per CTA is at most 227 KB");
  static_assert(kMI * kNI * 4 <= 128, "accumulators must stay in registers");
};

// Element offset of 16-byte chunk `chunk` of row `row` in a tile whose rows hold `kRowChunks`
// chunks. The XOR puts 8 consecutive rows of one logical chunk in 8 distinct bank groups.
template <int kRowChunks>
__device__ __forceinline__ int SwizzledOffset(int row, int chunk) {
  static_assert(kRowChunks == 4 || kRowChunks % 8 == 0, "4 or a multiple of 8 chunks per row");
  const int phys = kRowChunks == 4 ? (chunk ^ ((row >> 1) & 3)) : (chunk ^ (row & 7));
  return row * kRowChunks * 8 + phys * 8;
}

// Loads 8 bf16 (one chunk) element by element; out-of-range elements read as zero.
__device__ __forceinline__ uint4 LoadChunkChecked(const bf16* base, int64_t row_elem,
                                                  int valid) {
  const auto* p = reinterpret_cast<const unsigned short*>(base) + row_elem;
  uint32_t v[8];
#pragma unroll
  for (int e = 0; e < 8; ++e) v[e] = e < valid ? static_cast<uint32_t>(__ldg(p + e)) : 0u;
  return make_uint4(v[0] | (v[1] << 16), v[2] | (v[3] << 16), v[4] | (v[5] << 16),
                    v[6] | (v[7] << 16));
}

template <class T>
struct MmaTileLoader {
  // Register staging used by the kAsync = false path.
  uint4 a_regs[T::kAPerThread];
  uint4 b_regs[T::kBPerThread];

  // Issues the loads of K tile `kt` (cp.async straight to `stage`, or into registers).
  __device__ __forceinline__ void Fetch(const MmaParams& p, int m0, int n0, int kt, bf16* sa,
                                        bf16* sb) {
    const int64_t m = p.epi.m, n = p.epi.n, k = p.k;
#pragma unroll
    for (int i = 0; i < T::kAPerThread; ++i) {
      const int idx = static_cast<int>(threadIdx.x) + i * T::kThreads;
      const int r = idx / (T::kBK / 8), ch = idx % (T::kBK / 8);
      const int64_t grow = m0 + r, gk = static_cast<int64_t>(kt) * T::kBK + ch * 8;
      const int64_t valid = grow < m ? (k - gk < 8 ? k - gk : 8) : 0;
      const int off = SwizzledOffset<T::kBK / 8>(r, ch);
      if constexpr (T::kAsync) {
        const bool pred = valid > 0;
        CpAsync16(SmemAddr(sa + off), pred ? p.a + grow * k + gk : p.a, pred);
      } else {
        a_regs[i] = valid > 0 ? LoadChunkChecked(p.a, grow * k + gk, static_cast<int>(valid))
                              : make_uint4(0, 0, 0, 0);
      }
    }
#pragma unroll
    for (int i = 0; i < T::kBPerThread; ++i) {
      const int idx = static_cast<int>(threadIdx.x) + i * T::kThreads;
      int64_t src = 0, valid = 0;
      int off = 0;
      if constexpr (T::kBKn) {  // tile [kBK][kBN]: rows are k, chunks run along n
        const int r = idx / (T::kBN / 8), ch = idx % (T::kBN / 8);
        const int64_t gk = static_cast<int64_t>(kt) * T::kBK + r, gn = n0 + ch * 8;
        valid = gk < k ? (n - gn < 8 ? n - gn : 8) : 0;
        src = gk * n + gn;
        off = SwizzledOffset<T::kBN / 8>(r, ch);
      } else {  // tile [kBN][kBK]: rows are n, chunks run along k
        const int r = idx / (T::kBK / 8), ch = idx % (T::kBK / 8);
        const int64_t gn = n0 + r, gk = static_cast<int64_t>(kt) * T::kBK + ch * 8;
        valid = gn < n ? (k - gk < 8 ? k - gk : 8) : 0;
        src = gn * k + gk;
        off = SwizzledOffset<T::kBK / 8>(r, ch);
      }
      if constexpr (T::kAsync) {
        const bool pred = valid > 0;
        CpAsync16(SmemAddr(sb + off), pred ? p.b + src : p.b, pred);
      } else {
        b_regs[i] = valid > 0 ? LoadChunkChecked(p.b, src, static_cast<int>(valid))
                              : make_uint4(0, 0, 0, 0);
      }
    }
  }

  // Register path only: writes the fetched tile into its stage.
  __device__ __forceinline__ void Store(bf16* sa, bf16* sb) {
    if constexpr (!T::kAsync) {
#pragma unroll
      for (int i = 0; i < T::kAPerThread; ++i) {
        const int idx = static_cast<int>(threadIdx.x) + i * T::kThreads;
        const int r = idx / (T::kBK / 8), ch = idx % (T::kBK / 8);
        *reinterpret_cast<uint4*>(sa + SwizzledOffset<T::kBK / 8>(r, ch)) = a_regs[i];
      }
#pragma unroll
      for (int i = 0; i < T::kBPerThread; ++i) {
        const int idx = static_cast<int>(threadIdx.x) + i * T::kThreads;
        int off;
        if constexpr (T::kBKn) {
          off = SwizzledOffset<T::kBN / 8>(idx / (T::kBN / 8), idx % (T::kBN / 8));
        } else {
          off = SwizzledOffset<T::kBK / 8>(idx / (T::kBK / 8), idx % (T::kBK / 8));
        }
        *reinterpret_cast<uint4*>(sb + off) = b_regs[i];
      }
    }
  }
};

// One kBK stage of math for this warp: kBK/16 steps of kMI x kNI mma.sync.
template <class T>
__device__ __forceinline__ void MmaStage(const bf16* sa, const bf16* sb, int warp_m, int warp_n,
                                         int lane, float (&acc)[T::kMI][T::kNI][4]) {
  const int q = lane / 8;
#pragma unroll
  for (int kk = 0; kk < T::kBK / 16; ++kk) {
    uint32_t a[T::kMI][4];
    uint32_t b[T::kNI / 2][4];
#pragma unroll
    for (int mi = 0; mi < T::kMI; ++mi) {
      const int row = warp_m * T::kWarpM + mi * 16 + (q % 2) * 8 + lane % 8;
      const int chunk = kk * 2 + q / 2;
      LdMatrixX4(SmemAddr(sa + SwizzledOffset<T::kBK / 8>(row, chunk)), a[mi]);
    }
#pragma unroll
    for (int nj = 0; nj < T::kNI / 2; ++nj) {
      if constexpr (T::kBKn) {
        const int krow = kk * 16 + (q % 2) * 8 + lane % 8;
        const int chunk = (warp_n * T::kWarpN + nj * 16) / 8 + q / 2;
        LdMatrixX4Trans(SmemAddr(sb + SwizzledOffset<T::kBN / 8>(krow, chunk)), b[nj]);
      } else {
        const int nrow = warp_n * T::kWarpN + nj * 16 + (q / 2) * 8 + lane % 8;
        const int chunk = kk * 2 + q % 2;
        LdMatrixX4(SmemAddr(sb + SwizzledOffset<T::kBK / 8>(nrow, chunk)), b[nj]);
      }
    }
#pragma unroll
    for (int mi = 0; mi < T::kMI; ++mi) {
#pragma unroll
      for (int ni = 0; ni < T::kNI; ++ni) {
        MmaBf16(acc[mi][ni], a[mi], b[ni / 2][(ni % 2) * 2], b[ni / 2][(ni % 2) * 2 + 1]);
      }
    }
  }
}

template <class T>
__global__ void __launch_bounds__(T::kThreads) MmaKernel(const MmaParams p) {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 800)
  extern __shared__ __align__(128) uint8_t smem_raw[];
  bf16* smem_a = reinterpret_cast<bf16*>(smem_raw);
  bf16* smem_b = smem_a + T::kStages * T::kAStageElems;
  const TileCoord tile = MapTile(static_cast<int>(blockIdx.x), p.tiles_m, p.tiles_n, p.raster_n,
                                 p.swizzle);
  const int split = static_cast<int>(blockIdx.y);
  const int m0 = tile.m * T::kBM, n0 = tile.n * T::kBN;
  const int k_tiles = (p.k + T::kBK - 1) / T::kBK;
  const int kt_begin = split * p.k_tiles_per_split;
  const int kt_end = min(kt_begin + p.k_tiles_per_split, k_tiles);
  const int n_tiles = max(kt_end - kt_begin, 0);
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  const int warp_m = warp / T::kWN, warp_n = warp % T::kWN;

  float acc[T::kMI][T::kNI][4];
#pragma unroll
  for (int mi = 0; mi < T::kMI; ++mi)
#pragma unroll
    for (int ni = 0; ni < T::kNI; ++ni)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[mi][ni][e] = 0.0f;

  MmaTileLoader<T> loader;
#pragma unroll
  for (int s = 0; s < T::kStages - 1; ++s) {
    if (s < n_tiles) {
      loader.Fetch(p, m0, n0, kt_begin + s, smem_a + s * T::kAStageElems,
                   smem_b + s * T::kBStageElems);
      loader.Store(smem_a + s * T::kAStageElems, smem_b + s * T::kBStageElems);
    }
    if constexpr (T::kAsync) CpAsyncCommit();
  }
  for (int i = 0; i < n_tiles; ++i) {
    if constexpr (T::kAsync) CpAsyncWait<T::kStages - 2>();
    __syncthreads();  // tile i is in its stage; every warp is done with tile i - 1's stage
    const int next = i + T::kStages - 1;
    const int ns = next % T::kStages;
    if (next < n_tiles) {
      loader.Fetch(p, m0, n0, kt_begin + next, smem_a + ns * T::kAStageElems,
                   smem_b + ns * T::kBStageElems);
    }
    if constexpr (T::kAsync) CpAsyncCommit();
    const int cs = i % T::kStages;
    MmaStage<T>(smem_a + cs * T::kAStageElems, smem_b + cs * T::kBStageElems, warp_m, warp_n, lane,
                acc);
    if (next < n_tiles) loader.Store(smem_a + ns * T::kAStageElems, smem_b + ns * T::kBStageElems);
  }
  if constexpr (T::kAsync) CpAsyncWait<0>();

  const int64_t row0 = m0 + warp_m * T::kWarpM + lane / 4;
  const int64_t col0 = n0 + warp_n * T::kWarpN + 2 * (lane % 4);
#pragma unroll
  for (int mi = 0; mi < T::kMI; ++mi) {
#pragma unroll
    for (int ni = 0; ni < T::kNI; ++ni) {
      const int64_t row = row0 + mi * 16, col = col0 + ni * 8;
      StorePair(p.epi, row, col, split, acc[mi][ni][0], acc[mi][ni][1]);
      StorePair(p.epi, row + 8, col, split, acc[mi][ni][2], acc[mi][ni][3]);
    }
  }
#endif
}

}  // namespace device

// Launcher for one (tile, warps, stages, load path); both B layouts are compiled and chosen
// per call from the shape.
template <int kBM, int kBN, int kBK, int kWM, int kWN, int kStages, bool kAsync>
class MmaOperation final : public GemmOperation {
  using TraitsNK = device::MmaTraits<kBM, kBN, kBK, kWM, kWN, kStages, kAsync, false>;
  using TraitsKN = device::MmaTraits<kBM, kBN, kBK, kWM, kWN, kStages, kAsync, true>;

 public:
  explicit MmaOperation(const GemmConfig& config) : GemmOperation(config) {}

  Status CanImplement(const GemmShape& s) const override {
    KEVOLVE_RETURN_IF_ERROR(CheckShapeBasics(s));
    if constexpr (kAsync) {
      if (s.k % 8 != 0) {
        return Status::InvalidArgument(
            "K % 8 != 0: rows are not 16-byte aligned for cp.async (use mma_ldg)");
      }
      if (s.b_layout == BLayout::kKN && s.n % 8 != 0) {
        return Status::InvalidArgument(
            "N % 8 != 0 with B as [K,N]: rows of B are not 16-byte aligned (use mma_ldg)");
      }
    }
    const int64_t k_tiles = (s.k + kBK - 1) / kBK;
    if (config().split_k > k_tiles) {
      return Status::InvalidArgument("split_k " + std::to_string(config().split_k) +
                                     " exceeds the " + std::to_string(k_tiles) + " K tiles");
    }
    const int64_t tiles = ((s.m + kBM - 1) / kBM) * ((s.n + kBN - 1) / kBN);
    if (tiles >= (int64_t{1} << 31) || config().split_k > 65535) {
      return Status::InvalidArgument("grid too large for " + ToString(s));
    }
    return Status::Ok();
  }

  Status Initialize(const GemmArgs& args) override {
    KEVOLVE_RETURN_IF_ERROR(CheckArgsCommon(*this, args, /*needs_16b_operands=*/kAsync));
    kn_ = args.shape.b_layout == BLayout::kKN;
    if (kn_) {
      KEVOLVE_RETURN_IF_ERROR(SetMaxDynamicSmem(
          reinterpret_cast<const void*>(device::MmaKernel<TraitsKN>), TraitsKN::kSmemBytes,
          once_kn_, status_kn_));
    } else {
      KEVOLVE_RETURN_IF_ERROR(SetMaxDynamicSmem(
          reinterpret_cast<const void*>(device::MmaKernel<TraitsNK>), TraitsNK::kSmemBytes,
          once_nk_, status_nk_));
    }
    const GemmShape& s = args.shape;
    const GemmConfig& c = config();
    params_ = {};
    params_.a = static_cast<const device::bf16*>(args.a);
    params_.b = static_cast<const device::bf16*>(args.b);
    params_.epi.c = static_cast<device::bf16*>(args.c);
    params_.epi.partial = c.split_k > 1 ? static_cast<float*>(args.workspace) : nullptr;
    params_.epi.m = s.m;
    params_.epi.n = s.n;
    params_.k = static_cast<int>(s.k);
    params_.tiles_m = static_cast<int>((s.m + kBM - 1) / kBM);
    params_.tiles_n = static_cast<int>((s.n + kBN - 1) / kBN);
    const int k_tiles = static_cast<int>((s.k + kBK - 1) / kBK);
    params_.k_tiles_per_split = (k_tiles + c.split_k - 1) / c.split_k;
    params_.raster_n = c.raster == Raster::kAlongN ? 1 : 0;
    params_.swizzle = c.swizzle;
    args_ = args;
    return Status::Ok();
  }

  Status Launch(cudaStream_t stream) override {
    const dim3 grid(static_cast<unsigned>(params_.tiles_m * params_.tiles_n),
                    static_cast<unsigned>(config().split_k), 1);
    if (kn_) {
      device::MmaKernel<TraitsKN>
          <<<grid, TraitsKN::kThreads, TraitsKN::kSmemBytes, stream>>>(params_);
    } else {
      device::MmaKernel<TraitsNK>
          <<<grid, TraitsNK::kThreads, TraitsNK::kSmemBytes, stream>>>(params_);
    }
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetLastError());
    if (config().split_k > 1) {
      return LaunchSplitKReduce(static_cast<const float*>(args_.workspace), config().split_k,
                                args_.shape.m, args_.shape.n, args_.c, stream);
    }
    return Status::Ok();
  }

 private:
  device::MmaParams params_{};
  bool kn_ = false;
  GemmArgs args_{};
  std::once_flag once_nk_, once_kn_;
  Status status_nk_, status_kn_;
};

}  // namespace kevolve::gemm
