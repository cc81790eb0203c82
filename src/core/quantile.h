// The quantile of measured samples, one definition for every summary of them (the engine's
// noise-aware comparison, core/timing_stats; the GEMM harness's timing rows, bench/bench_io).
// Header-only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace kevolve {

// Quantile q in [0, 1] of `sorted` (ascending), interpolated linearly between the order
// statistics around q * (n - 1). 0 for no samples.
inline double QuantileOfSorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double at = q * static_cast<double>(sorted.size() - 1);
  const size_t low = static_cast<size_t>(std::floor(at));
  const size_t high = std::min(low + 1, sorted.size() - 1);
  return sorted[low] + (at - static_cast<double>(low)) * (sorted[high] - sorted[low]);
}

}  // namespace kevolve
