// Evolved from expert_program.cc by `kevolve run examples/gemm_tile_heuristic` (built-in mutator,
// seed 1, 2,000 evaluations, replay on data/gemm/perf_h100.csv; 2026-11-21). Kept to be re-measured
// live (scripts/gemm/live_validate.sh) and compared with the other selectors; see README.md.
// GEMM tile-configuration selector, expert seed: regime rules written by hand (decode vs
// prefill, waves per SM, split-K when M x N leaves SMs idle and K is long). The numbers in the
// EVOLVE-BLOCK are the knobs the search tunes; a `choices:` comment lists a knob's legal values.
#include <cstdint>

#include "menu.h"

namespace {

constexpr int64_t kSms = 132;  // H100 SXM

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Split-K that brings tiles x split closest to `waves` full waves without cutting K into slices
// of fewer than `min_k_tiles` 64-deep tiles.
int SplitFor(const TileConfig& c, int64_t m, int64_t n, int64_t k, double waves,
             int64_t min_k_tiles) {
  const int64_t tiles = CeilDiv(m, c.block_m) * CeilDiv(n, c.block_n);
  const int64_t k_tiles = CeilDiv(k, 64);
  int split = 1;
  while (split < 128 && static_cast<double>(tiles * split * 2) <= waves * kSms &&
         k_tiles / (split * 2) >= min_k_tiles) {
    split *= 2;
  }
  return split;
}

}  // namespace

// EVOLVE-BLOCK-START
TileConfig SelectConfig(int64_t m, int64_t n, int64_t k) {
  Request r;
  if (k % 8 != 0) {  // rows not 16-byte aligned: only the any-shape kernels run
    r.kernel = m > 16 ? kLdg16x64 : kLdg64x64;
    r.split_k = SplitFor(KernelConfig(r.kernel), m, n, k, 1.0, 2);
    return Pick(r, m, n, k);
  }
  if (m <= 32) {  // decode, one token per sequence: stream the weights
    r.kernel = 0;  // choices: 0, 1, 2, 8, 9
    if (n * k > 24 * 1024 * 1024) r.kernel = 1;  // choices: 0, 1, 2, 8, 9
    r.split_k = SplitFor(KernelConfig(r.kernel), m, n, k, 1.0, 8);
    return Pick(r, m, n, k);
  }
  if (m <= 64) {  // small batches
    r.kernel = 0;  // choices: 0, 1, 2, 3, 8, 9, 10
    r.split_k = SplitFor(KernelConfig(r.kernel), m, n, k, 1.0, 8);
    return Pick(r, m, n, k);
  }
  if (m <= 256) {  // large decode batches and short prefills
    r.kernel = 3;  // choices: 0, 1, 3, 4, 5, 6
    if (n > 16384) r.kernel = 6;  // choices: 3, 4, 5, 6, 7
    r.split_k = SplitFor(KernelConfig(r.kernel), m, n, k, 1.0, 16);
    r.tma_store = r.split_k == 1;
    return Pick(r, m, n, k);
  }
  // Prefill: large tiles, the TMA-store epilogue, N-major raster for wide outputs.
  r.kernel = 6;  // choices: 4, 5, 6, 7
  if (m * n < 4 * 1024 * 1024) r.kernel = 4;  // choices: 0, 3, 4, 5, 6
  r.tma_store = true;
  r.raster_n = n >= 1 * m;
  r.cluster = false;
  r.swizzle = 8;  // choices: 1, 4, 8, 16
  r.split_k = SplitFor(KernelConfig(r.kernel), m, n, k, 0.5, 40);
  return Pick(r, m, n, k);
}
// EVOLVE-BLOCK-END
