// GemmConfig: the tile configuration that selects one member of the bf16 GEMM family.
//
// The family computes C[M,N] = A[M,K] x B^T with bf16 operands, fp32 accumulation and bf16
// output. A config names the algorithm and its tiling; some fields are fixed when a kernel is
// compiled (algo, block shape, warp layout, stages, cluster) and the rest are chosen at launch
// (split_k, raster, swizzle), so one compiled kernel serves several configs.
//
// A config has one canonical text form, used as the `config` column of the performance table:
//   algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;swizzle=8;
//   epilogue=direct
// Keys always appear in that order and all of them are present. Pure value type; no CUDA.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace kevolve::gemm {

enum class GemmAlgo {
  // Hopper: TMA loads into 128B-swizzled shared memory, wgmma.mma_async from shared memory,
  // one producer warpgroup and wm x wn consumer warpgroups, mbarrier pipeline, persistent grid,
  // optional 2-CTA cluster along M that multicasts the B tile. sm_90a only.
  kWgmmaTma,
  // Ampere-style: cp.async multistage pipeline, ldmatrix, mma.sync m16n8k16. Needs 16-byte
  // aligned rows (K % 8 == 0, and N % 8 == 0 when B is [K,N]).
  kMmaCpAsync,
  // Same math as kMmaCpAsync, but loads through registers element by element, so any M, N, K
  // and any alignment work. The fallback that makes every shape computable.
  kMmaLdg,
};

// How a tile leaves the CTA: fp32 accumulators converted and stored straight from registers,
// or (wgmma_tma only) staged through 128B-swizzled shared memory and written by TMA bulk
// stores that overlap the next tile. TMA store needs N % 8 == 0 and split_k == 1; other
// problems fall back to the direct path inside the same kernel.
enum class Epilogue { kDirect, kTmaStore };

// Order in which output tiles are walked: along M first (consecutive tiles share a B column
// block) or along N first (consecutive tiles share an A row block).
enum class Raster { kAlongM, kAlongN };

struct GemmConfig {
  GemmAlgo algo = GemmAlgo::kWgmmaTma;
  int block_m = 128;  // output tile rows per CTA (per CTA of a cluster)
  int block_n = 256;  // output tile columns per CTA
  int block_k = 64;   // K depth of one pipeline stage
  int warps_m = 2;    // mma: warps along M; wgmma: consumer warpgroups along M
  int warps_n = 1;    // mma: warps along N; wgmma: consumer warpgroups along N (1)
  int stages = 4;     // shared-memory pipeline depth
  int cluster_m = 1;  // CTAs per cluster along M (wgmma only; 2 = B tile multicast)
  int split_k = 1;    // K is cut into this many slices reduced through an fp32 workspace
  Raster raster = Raster::kAlongM;
  int swizzle = 8;    // tiles per group along the raster's minor dimension (L2 reuse); 1 = none
  Epilogue epilogue = Epilogue::kDirect;

  friend bool operator==(const GemmConfig&, const GemmConfig&) = default;
};

std::string_view AlgoName(GemmAlgo algo);  // "wgmma_tma", "mma_cp_async", "mma_ldg"

// The canonical `key=value;...` form described above.
std::string ToString(const GemmConfig& config);

// Parses the canonical form. Keys may come in any order but each exactly once and all present;
// unknown keys, bad numbers or missing keys give InvalidArgument naming the key. It checks
// syntax only: whether a kernel for the config exists is MakeGemmOperation's question.
Result<GemmConfig> ParseGemmConfig(std::string_view text);

// The part of a config fixed at compile time, as a C identifier fragment, e.g.
// "wgmma_tma_128x256x64_w2x1_s4_c1" (plus "_tma" for the TMA-store epilogue). Two configs
// with the same key share a kernel.
std::string KernelKey(const GemmConfig& config);

// Checks the relations every config of the family must satisfy (positive sizes, split_k >= 1,
// swizzle >= 1, cluster only for wgmma_tma, ...). InvalidArgument with the reason when not.
Status ValidateConfig(const GemmConfig& config);

}  // namespace kevolve::gemm
