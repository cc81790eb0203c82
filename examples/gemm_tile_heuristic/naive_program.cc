// GEMM tile-configuration selector: maps a bf16 GEMM problem C[M,N] = A[M,K] x W[N,K]^T to a
// kernel of the family. This seed is the naive baseline: one fixed tile for every shape, with
// the one rule correctness demands (rows that are not 16-byte aligned need the any-shape kernel).
#include <cstdint>

#include "tile_config.h"

// EVOLVE-BLOCK-START
TileConfig SelectConfig(int64_t m, int64_t n, int64_t k) {
  (void)m;
  (void)n;
  if (k % 8 != 0) return Mma(Algo::kMmaLdg, 64, 64, 32, 2, 2, 2);
  TileConfig c = Wgmma(128, 128, 6);
  return c;
}
// EVOLVE-BLOCK-END
