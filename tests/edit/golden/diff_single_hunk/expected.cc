// Online bin packing: score each bin for the incoming item; the highest score wins.
#include <algorithm>
#include <cmath>
#include <vector>

namespace heuristic {

// EVOLVE-BLOCK-START
double Priority(double item, double remaining, double capacity) {
  if (remaining < item) {
    return -1e9;
  }
  const double fill = (capacity - remaining + item) / capacity;
  const double waste = std::max(0.0, remaining - item);
  double score = fill * 2.0 - waste / capacity;
  if (waste < 0.05 * capacity) {
    score += 1.5;
  }
  return score;
}
// EVOLVE-BLOCK-END

}  // namespace heuristic

std::vector<double> ScoreBins(double item, const std::vector<double>& bins, double capacity) {
  std::vector<double> scores;
  scores.reserve(bins.size());
  for (double remaining : bins) {
    scores.push_back(heuristic::Priority(item, remaining, capacity));
  }
  return scores;
}
