// Evolved from model_program.cc by `kevolve run examples/gemm_tile_heuristic` (built-in mutator,
// evolve, seed 1, reproducible, 2,000 evaluations, replay on data/gemm/perf_h100.csv; 2026-11-21): the
// README's main job gives this program on any machine. Kept to be re-measured live
// (scripts/gemm/live_validate.sh) and compared with the other selectors; see README.md.
// GEMM tile-configuration selector, cost-model seed: an analytic model of each kernel's time on
// the H100 (waves of CTAs over the SMs, per-step math and memory time of a tile, DRAM traffic,
// launch and split-K reduction costs), evaluated for every kernel and split-K the family offers;
// the fastest predicted one wins if it beats the default kernel's prediction by a clear margin.
// The constants start from the data sheet and from the kernel family's own ceilings
// (docs/gemm.md), not from the performance table: calibrating them on the train shapes is the
// search's job. Each number in the EVOLVE-BLOCK is a knob.
#include <cstdint>

#include "menu.h"

namespace {

constexpr double kSms = 132;           // H100 SXM
constexpr double kSmemBytes = 227 * 1024;  // shared memory a CTA may use per SM
constexpr double kThreadsPerSm = 2048;
constexpr double kElementBytes = 2;    // bf16 operands and output
constexpr double kPartialBytes = 4;    // fp32 split-K partials

// The compiler's built-in math instead of <cmath> and <algorithm>: the headers alone would
// double the time it takes to compile a candidate.
double Min(double a, double b) { return a < b ? a : b; }
double Max(double a, double b) { return a > b ? a : b; }
double Floor(double x) { return __builtin_floor(x); }
double Pow(double x, double y) { return __builtin_pow(x, y); }
double CeilDiv(double a, double b) { return __builtin_ceil(a / b); }

int AlgoIndex(const TileConfig& c) {
  return c.algo == Algo::kWgmmaTma ? 0 : (c.algo == Algo::kMmaCpAsync ? 1 : 2);
}

// CTAs resident on one SM: the persistent wgmma kernels run one; the mma kernels as many as
// shared memory and threads allow (at most 8).
double Residency(const TileConfig& c) {
  if (c.algo == Algo::kWgmmaTma) return 1;
  const double smem = (c.block_m + c.block_n) * c.block_k * kElementBytes * c.stages;
  const double threads = 32.0 * c.warps_m * c.warps_n;
  return Max(1.0, Min(Min(Floor(kSmemBytes / smem), Floor(kThreadsPerSm / threads)), 8.0));
}

}  // namespace

// EVOLVE-BLOCK-START
// Knobs, indexed by algorithm where there are three: wgmma + TMA, mma + cp.async, mma + ldg.
const double kPeakTflopsPerSm = 7.5;  // 989 TFLOP/s dense bf16 over 132 SMs
const double kDramTbps = 3.0;         // copy bandwidth measured; the split-K reduction runs at it
// The rate each algorithm's best config streams 1 GB of weights at, M = 1 (data/gemm/README.md,
// "Streaming ceilings"): a kernel's DRAM floor is its own, not the copy's.
const double kStreamTbps[] = {2.93, 2.78, 1.72};
const double kL2Tbps = 10;            // L2 to SMs, all SMs together
const double kSmGbps = 230;           // what one SM can load: 128 B/clock
const double kEfficiency[] = {0.77, 0.5, 0.2};     // of peak, at the full tile below
const double kFullTile[] = {32768, 16384, 4096};   // block_m x block_n reaching it
const double kTileExponent[] = {0.25, 0.25, 0.25}; // smaller tiles lose (area ratio)^this
const double kTileOverheadUs[] = {0.25, 0.5, 0.5};  // prologue + epilogue of one tile
const double kStoreGbps[] = {30, 230};           // one CTA writing its tile: direct, TMA store
const double kLaunchUs[] = {4.0, 3.0, 3.0};
const double kSplitTileUs = 0.5;      // per split-K tile of 128 x 128: the fp32 partial store
const double kReduceLaunchUs = 1.5;   // the split-K reduction kernel
const double kTail = 0.3;             // a last, partial wave costs (fraction)^kTail of a wave
const double kLatencyUs = 1.5;       // load latency under load (Little's law below)
const double kOverlap = 2;            // math and memory overlap imperfectly: (a^p + b^p)^(1/p)
const double kSwitchGain = 0.95;      // leave the default kernel only for a predicted gain beyond

// Predicted time in microseconds of config `c` on (m, n, k).
double PredictUs(const TileConfig& c, int64_t m, int64_t n, int64_t k) {
  const int a = AlgoIndex(c);
  const double split = c.split_k;
  const double ksteps = CeilDiv(CeilDiv(k, c.block_k), split);
  const double ctas = CeilDiv(m, c.block_m) * CeilDiv(n, c.block_n) * split;
  const double residency = Residency(c);
  const double slots = kSms * residency;
  const double exact_waves = ctas / slots;
  const double full_waves = Floor(exact_waves);
  const double last = exact_waves - full_waves;
  const double waves = full_waves + (last > 0 ? Pow(last, kTail) : 0);
  const double active = Min(ctas, slots);
  const double tile_area = static_cast<double>(c.block_m) * c.block_n;
  const double efficiency =
      kEfficiency[a] * Pow(Min(1.0, tile_area / kFullTile[a]), kTileExponent[a]);
  const double tflops_per_cta = kPeakTflopsPerSm * efficiency / residency;
  // Little's law: a CTA keeps `stages` tiles of A and B in flight over the memory latency.
  const double in_flight = (c.block_m + c.block_n) * c.block_k * kElementBytes * c.stages;
  const double gbps_per_cta =
      Min(Min(kSmGbps / residency, kL2Tbps * 1000 / active), in_flight / (kLatencyUs * 1e3));
  const double step_math_us = 2 * tile_area * c.block_k / (tflops_per_cta * 1e6);
  const double step_load_us =
      (c.block_m + c.block_n) * c.block_k * kElementBytes / (gbps_per_cta * 1e3);
  double tile_us = ksteps * Max(step_math_us, step_load_us) + kTileOverheadUs[a];
  const int store = c.epilogue == Epilogue::kTmaStore ? 1 : 0;
  tile_us += tile_area * kElementBytes * residency / (kStoreGbps[store] * 1e3);
  if (split > 1) tile_us += kSplitTileUs * tile_area / 16384;
  const double mn = static_cast<double>(m) * n;
  double dram_bytes = (static_cast<double>(m) * k + static_cast<double>(n) * k + mn) * kElementBytes;
  if (split > 1) dram_bytes += mn * kPartialBytes * split;
  // Neither the tiles' time nor the DRAM floor alone: a kernel at the floor still pays for
  // its tiles (a hard max would make every kernel at the floor tie).
  const double tiles_us = waves * tile_us;
  const double floor_us = dram_bytes / (kStreamTbps[a] * 1e6);
  double us = Pow(Pow(tiles_us, kOverlap) + Pow(floor_us, kOverlap), 1 / kOverlap) + kLaunchUs[a];
  if (split > 1) us += kReduceLaunchUs + mn * (kPartialBytes * split + kElementBytes) / (kDramTbps * 1e6);
  return us;
}

const int kSplits[] = {1, 2, 4, 8, 16, 32, 64, 256};  // split-K factors the family offers

TileConfig SelectConfig(int64_t m, int64_t n, int64_t k) {
  TileConfig best;
  double best_us = -1;
  for (int kernel = 0; kernel < kKernelCount; ++kernel) {
    for (const int split : kSplits) {
      TileConfig offered = KernelConfig(kernel);
      offered.split_k = split;
      if (!Measured(offered)) continue;  // the family does not offer this split-K here
      Request r;
      r.kernel = kernel;
      r.split_k = split;
      r.raster_n = m >= 64;  // wgmma: walk N first unless M is one tile
      r.tma_store = true;    // the TMA-store epilogue where it applies (split-K 1)
      const TileConfig c = Pick(r, m, n, k);
      if (c.split_k != split) continue;  // not offered: Pick fell back to a smaller split
      const double us = PredictUs(c, m, n, k);
      if (best_us < 0 || us < best_us) {
        best_us = us;
        best = c;
      }
    }
  }
  // The model errs: the default kernel (128 x 128, split-K 1, in its best variant) stays unless
  // the model predicts a clear gain over it.
  Request d;
  d.raster_n = m >= 64;
  d.tma_store = true;
  const TileConfig fallback = Pick(d, m, n, k);
  if (best_us < 0 || best_us >= kSwitchGain * PredictUs(fallback, m, n, k)) return fallback;
  return best;
}
// EVOLVE-BLOCK-END
