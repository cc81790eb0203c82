// Noise-aware comparison of repeated measurements (docs/security.md, "Noise-aware selection").
// A candidate becomes the new best only when its improvement is larger than the measured noise,
// and the number of repeats grows until the noise is small enough to tell.
//
// Pure functions over values, no dependencies beyond the standard library and the header-only
// core/quantile.h: part of kevolve_core_base, so the kernels' own build (the GPU red team's
// interleaved timings) links them too. Thread-safe. Never throw; empty inputs give "cannot tell".
#pragma once

#include <string>
#include <vector>

namespace kevolve {

// A summary of repeated measurements of one quantity.
struct Spread {
  int runs = 0;
  double median = 0;
  double p10 = 0, p90 = 0;  // linear interpolation between order statistics
  double mad = 0;           // median absolute deviation from the median
  // (p90 - p10) / |median|; 0 when the median is 0.
  double RelativeSpread() const;
};

// The summary of `samples` (any order). runs == 0 for no samples.
Spread Summarize(std::vector<double> samples);

enum class Direction { kLowerIsBetter, kHigherIsBetter };

struct Comparison {
  bool better = false;     // the candidate improves on the incumbent beyond the noise
  double improvement = 0;  // relative improvement of the medians (0.05 = 5% better); <0: worse
  double noise = 0;        // the relative improvement the noise alone could produce
  double p_value = 1;      // one-sided Mann-Whitney U (normal approximation with ties)
  std::string why;         // one line for people: "4.1% faster, beyond the 0.8% noise"
};

// Whether `candidate` beats `incumbent` (raw repeated measurements of each, e.g. kernel times
// in microseconds) by more than the noise. Both must hold:
//   - a one-sided Mann-Whitney U test says the candidate's values are better with
//     p < `alpha` (so one lucky run cannot win), and
//   - the medians differ by more than `min_relative` and by more than the noise, taken as
//     1.4826 * max(MAD) / |incumbent median| * 2 (about two standard deviations of a run).
// Fewer than 3 runs on either side is never better ("too few runs to tell").
Comparison CompareRuns(const std::vector<double>& candidate, const std::vector<double>& incumbent,
                       Direction direction, double alpha = 0.01, double min_relative = 0.005);

// How many runs to take next: `runs` while the relative spread of what was measured is at most
// `target_relative_spread`, else twice as many, never more than `max_runs` (and at least 3).
int NextRunCount(const std::vector<double>& samples, int runs, double target_relative_spread,
                 int max_runs);

}  // namespace kevolve
