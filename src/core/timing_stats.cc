#include "core/timing_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/quantile.h"

namespace kevolve {
namespace {

// One-sided p-value that `better` tends to lie below `worse` (Mann-Whitney U, normal
// approximation with tie correction and continuity correction).
double MannWhitneyBelow(const std::vector<double>& better, const std::vector<double>& worse) {
  const double n1 = static_cast<double>(better.size());
  const double n2 = static_cast<double>(worse.size());
  double u = 0;
  for (double b : better) {
    for (double w : worse) u += b < w ? 1.0 : (b == w ? 0.5 : 0.0);
  }
  std::vector<double> all(better);
  all.insert(all.end(), worse.begin(), worse.end());
  std::sort(all.begin(), all.end());
  double ties = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    const double t = static_cast<double>(j - i);
    ties += t * t * t - t;
    i = j;
  }
  const double n = n1 + n2;
  const double variance = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)));
  if (variance <= 0) return 1;  // every value equal: nothing to tell
  const double z = (u - n1 * n2 / 2.0 - 0.5) / std::sqrt(variance);
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

std::string Percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2g%%", 100 * fraction);
  return buffer;
}

}  // namespace

double Spread::RelativeSpread() const { return median != 0 ? (p90 - p10) / std::fabs(median) : 0; }

Spread Summarize(std::vector<double> samples) {
  Spread s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.runs = static_cast<int>(samples.size());
  s.median = QuantileOfSorted(samples, 0.5);
  s.p10 = QuantileOfSorted(samples, 0.1);
  s.p90 = QuantileOfSorted(samples, 0.9);
  std::vector<double> deviations;
  for (double x : samples) deviations.push_back(std::fabs(x - s.median));
  std::sort(deviations.begin(), deviations.end());
  s.mad = QuantileOfSorted(deviations, 0.5);
  return s;
}

Comparison CompareRuns(const std::vector<double>& candidate, const std::vector<double>& incumbent,
                       Direction direction, double alpha, double min_relative) {
  Comparison c;
  if (candidate.size() < 3 || incumbent.size() < 3) {
    c.why = "too few runs to tell (3 or more on each side)";
    return c;
  }
  const Spread cand = Summarize(candidate);
  const Spread inc = Summarize(incumbent);
  const double scale = std::fabs(inc.median) > 0 ? std::fabs(inc.median) : 1.0;
  const bool lower = direction == Direction::kLowerIsBetter;
  c.improvement = (lower ? inc.median - cand.median : cand.median - inc.median) / scale;
  c.noise = 2 * 1.4826 * std::max(cand.mad, inc.mad) / scale;
  if (lower) {
    c.p_value = MannWhitneyBelow(candidate, incumbent);
  } else {
    c.p_value = MannWhitneyBelow(incumbent, candidate);
  }
  const double needed = std::max(c.noise, min_relative);
  c.better = c.p_value < alpha && c.improvement > needed;
  if (c.better) {
    c.why = Percent(c.improvement) + " better, beyond the " + Percent(needed) + " noise";
  } else if (c.improvement <= 0) {
    c.why = "not better (" + Percent(c.improvement) + ")";
  } else if (c.improvement <= needed) {
    c.why = Percent(c.improvement) + " better, within the " + Percent(needed) + " noise";
  } else {
    c.why = Percent(c.improvement) + " better but not consistently across runs";
  }
  return c;
}

int NextRunCount(const std::vector<double>& samples, int runs, double target_relative_spread,
                 int max_runs) {
  runs = std::max(runs, 3);
  if (Summarize(samples).RelativeSpread() > target_relative_spread) runs *= 2;
  return std::min(runs, std::max(max_runs, 3));
}

}  // namespace kevolve
