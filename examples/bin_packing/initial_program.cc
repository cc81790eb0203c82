// Priority function for online bin packing. Each arriving item goes into the open bin with the
// highest priority among the bins it fits in; when none fits, a new bin is opened.
#include <cmath>

// EVOLVE-BLOCK-START
// item: size of the arriving item; remaining: free space of a bin that can take it;
// capacity: the size of an empty bin. Higher return values are preferred.
double Priority(double item, double remaining, double capacity) {
  const double slack = remaining - item;  // free space the bin keeps if the item goes in
  double score = -1.0 * slack;            // best fit: the least slack wins
  score += 0.0 * (slack == 0.0 ? 1.0 : 0.0);
  score += 0.0 * slack * slack / capacity;
  score += 0.0 * (slack < 0.1 * capacity ? 1.0 : 0.0);
  score += 0.0 * item / capacity;
  return score;
}
// EVOLVE-BLOCK-END
