#include "gemm/gemm_heuristics.h"

#include <algorithm>
#include <cstdint>

namespace kevolve::gemm {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

GemmConfig Wgmma(int bm, int bn, int wm, int stages, int split_k,
                 Epilogue epilogue = Epilogue::kDirect) {
  GemmConfig c;
  c.algo = GemmAlgo::kWgmmaTma;
  c.block_m = bm;
  c.block_n = bn;
  c.block_k = 64;
  c.warps_m = wm;
  c.warps_n = 1;
  c.stages = stages;
  c.cluster_m = 1;
  c.split_k = split_k;
  c.raster = Raster::kAlongM;
  c.swizzle = 8;
  c.epilogue = epilogue;
  return c;
}

GemmConfig Mma(GemmAlgo algo, int bm, int bn, int bk, int wm, int wn, int stages, int split_k) {
  GemmConfig c;
  c.algo = algo;
  c.block_m = bm;
  c.block_n = bn;
  c.block_k = bk;
  c.warps_m = wm;
  c.warps_n = wn;
  c.stages = stages;
  c.cluster_m = 1;
  c.split_k = split_k;
  c.raster = Raster::kAlongM;
  c.swizzle = 8;
  return c;
}

// Largest split from `options` that keeps at least 4 K tiles per slice and does not push the
// CTA count far past one wave.
int PickSplit(int64_t tiles, int64_t k_tiles, int num_sms, std::initializer_list<int> options) {
  int best = 1;
  for (int s : options) {
    if (k_tiles / s < 4) break;
    if (tiles * s > 2 * num_sms) break;
    best = s;
  }
  return best;
}

}  // namespace

GemmConfig SelectGemmConfig(const GemmShape& shape, int num_sms) {
  const int64_t m = shape.m, n = shape.n, k = shape.k;
  num_sms = std::max(num_sms, 1);
  const bool k_aligned = k % 8 == 0;
  if (!k_aligned || (shape.b_layout == BLayout::kKN && n % 8 != 0)) {
    return Mma(GemmAlgo::kMmaLdg, 64, 64, 32, 2, 2, 2, 1);
  }
  if (shape.b_layout == BLayout::kKN) {
    if (m <= 32) {
      const int split = PickSplit(CeilDiv(n, 64), CeilDiv(k, 64), num_sms, {2, 4, 8, 16, 32});
      return Mma(GemmAlgo::kMmaCpAsync, 16, 64, 64, 1, 4, 4, split);
    }
    return Mma(GemmAlgo::kMmaCpAsync, 128, 128, 32, 2, 2, 4, 1);
  }
  // Decode-like: few rows, the weight stream dominates; small tiles and split-K fill the SMs.
  if (m <= 64) {
    const int64_t tiles = CeilDiv(n, 128);
    const int split = PickSplit(tiles, CeilDiv(k, 64), num_sms, {2, 4, 8, 16});
    return Wgmma(64, 128, 1, 8, split);
  }
  if (m <= 128) {
    const int64_t tiles = CeilDiv(n, 128);
    const int split = PickSplit(tiles, CeilDiv(k, 64), num_sms, {2, 4});
    return Wgmma(128, 128, 2, 6, split);
  }
  // Prefill: the largest tile that still gives about a wave of work; the TMA-store epilogue
  // overlaps the tile's write-out with the next tile's main loop.
  const int64_t big_tiles = CeilDiv(m, 128) * CeilDiv(n, 256);
  if (big_tiles >= num_sms) return Wgmma(128, 256, 2, 4, 1, Epilogue::kTmaStore);
  const int64_t mid_tiles = CeilDiv(m, 128) * CeilDiv(n, 128);
  if (mid_tiles >= num_sms / 2) return Wgmma(128, 128, 2, 6, 1, Epilogue::kTmaStore);
  const int split = PickSplit(mid_tiles, CeilDiv(k, 64), num_sms, {2, 4});
  return Wgmma(128, 128, 2, 6, split);
}

}  // namespace kevolve::gemm
