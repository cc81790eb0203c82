// Reference selectors a GEMM config selector is compared with, all fitted on the train shapes
// only: the best single config and a depth-limited decision tree (the way generated heuristics
// are made), beside the per-shape oracle. Pure.
//
// Both score a config on a shape by log(oracle time / its time); where a config cannot run on a
// shape it counts as the baseline's choice there (a reference keeps the baseline's fallback, as
// any real heuristic must), and the reference selectors fall back to the baseline the same way.
#pragma once

#include <string>
#include <vector>

#include "score/replay_data.h"

namespace kevolve::gemm::score {

// [shape][config] log fractions of the oracle, as described above.
using LogFractions = std::vector<std::vector<double>>;
LogFractions ComputeLogFractions(const ReplayData& data);

// The config with the highest summed log fraction over the train shapes (the first on ties), or
// "" when the table names none.
std::string FitBestSingle(const ReplayData& data, const LogFractions& lv);

// `config` wherever it runs, the baseline's choice elsewhere.
Selection UseWhereItRuns(const ReplayData& data, const std::string& config);

// A regression tree over M, N, K (thresholds on the values; left when value <= threshold):
// each node splits where the two sides' best configs gain most, at depth < max_depth and with
// at least two shapes a side; each leaf takes the config with the best summed log fraction.
class DecisionTree {
 public:
  static DecisionTree Fit(const ReplayData& data, const LogFractions& lv, int max_depth);
  // The leaf's config for every shape, or the baseline's where it cannot run (counted in
  // *fallbacks).
  Selection Choose(const ReplayData& data, int* fallbacks) const;

 private:
  struct Node {
    int feature = 0;  // 0 = leaf; 1, 2, 3 = M, N, K
    int64_t threshold = 0;
    int config = -1;  // the leaf's config index
  };
  void FitNode(const ReplayData& data, const LogFractions& lv, size_t node,
               const std::vector<size_t>& shapes, int depth);
  int max_depth_ = 0;
  std::vector<Node> nodes_;  // heap order: children of node i are 2i and 2i + 1 (root 1)
};

// The references of a report, each a selection over ReplayData::shapes().
struct References {
  Selection oracle, best_single, tree;
  int tree_fallbacks = 0;
};
inline constexpr int kTreeDepth = 4;
References BuildReferences(const ReplayData& data);

}  // namespace kevolve::gemm::score
