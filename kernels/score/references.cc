#include "score/references.h"

#include <algorithm>
#include <cmath>

namespace kevolve::gemm::score {
namespace {

constexpr double kNoScore = -1e300;
constexpr double kCannotRun = -1e9;  // neither the config nor the baseline runs on the shape
constexpr double kMinGain = 1e-9;

int64_t Feature(const ScoredShape& s, int feature) {
  return feature == 1 ? s.m : (feature == 2 ? s.n : s.k);
}

// The config with the highest summed log fraction over `shapes` (the first on ties; -1 when
// there is none); *score receives the sum.
int BestConfig(const LogFractions& lv, size_t configs, const std::vector<size_t>& shapes,
               double* score) {
  double best = kNoScore;
  int best_config = -1;
  for (size_t j = 0; j < configs; ++j) {
    double sum = 0;
    for (size_t i : shapes) sum += lv[i][j];
    if (sum > best) {
      best = sum;
      best_config = static_cast<int>(j);
    }
  }
  *score = best;
  return best_config;
}

std::vector<size_t> TrainShapes(const ReplayData& data) {
  std::vector<size_t> train;
  for (size_t i = 0; i < data.shapes().size(); ++i) {
    if (data.shapes()[i].InPart(Part::kTrain)) train.push_back(i);
  }
  return train;
}

// The config's text where it runs on shape i, else the baseline's; counts the fallbacks.
std::string OrBaseline(const ReplayData& data, size_t i, const std::string& config,
                       int* fallbacks) {
  if (!config.empty() && data.TimeUs(i, config) > 0) return config;
  if (fallbacks != nullptr) ++*fallbacks;
  return data.shapes()[i].baseline;
}

}  // namespace

LogFractions ComputeLogFractions(const ReplayData& data) {
  LogFractions lv(data.shapes().size());
  for (size_t i = 0; i < data.shapes().size(); ++i) {
    const ScoredShape& s = data.shapes()[i];
    const double t_base = data.TimeUs(i, s.baseline);
    const double fallback = t_base > 0 ? std::log(s.oracle_us / t_base) : kCannotRun;
    lv[i].resize(data.configs().size());
    for (size_t j = 0; j < data.configs().size(); ++j) {
      const double t = data.TimeUs(i, static_cast<int>(j));
      lv[i][j] = t > 0 ? std::log(s.oracle_us / t) : fallback;
    }
  }
  return lv;
}

std::string FitBestSingle(const ReplayData& data, const LogFractions& lv) {
  double score = 0;
  const int j = BestConfig(lv, data.configs().size(), TrainShapes(data), &score);
  return j < 0 ? "" : data.configs()[j];
}

Selection UseWhereItRuns(const ReplayData& data, const std::string& config) {
  Selection selection;
  for (size_t i = 0; i < data.shapes().size(); ++i) {
    selection.push_back(OrBaseline(data, i, config, nullptr));
  }
  return selection;
}

DecisionTree DecisionTree::Fit(const ReplayData& data, const LogFractions& lv, int max_depth) {
  DecisionTree tree;
  tree.max_depth_ = max_depth;
  tree.nodes_.resize(size_t{2} << max_depth);
  tree.FitNode(data, lv, 1, TrainShapes(data), 0);
  return tree;
}

void DecisionTree::FitNode(const ReplayData& data, const LogFractions& lv, size_t node,
                           const std::vector<size_t>& shapes, int depth) {
  const size_t configs = data.configs().size();
  double leaf_score = 0;
  nodes_[node] = Node{0, 0, BestConfig(lv, configs, shapes, &leaf_score)};
  if (depth >= max_depth_ || shapes.size() < 4) return;
  double best_gain = kMinGain;
  int best_feature = 0;
  int64_t best_threshold = 0;
  const auto& all = data.shapes();
  std::vector<double> prefix(configs);
  for (int f = 1; f <= 3; ++f) {
    std::vector<size_t> order = shapes;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return Feature(all[a], f) < Feature(all[b], f); });
    // before[p][j]: the summed log fraction of config j over order[0..p].
    std::vector<std::vector<double>> before(order.size(), std::vector<double>(configs));
    std::fill(prefix.begin(), prefix.end(), 0.0);
    for (size_t p = 0; p < order.size(); ++p) {
      for (size_t j = 0; j < configs; ++j) {
        prefix[j] += lv[order[p]][j];
        before[p][j] = prefix[j];
      }
    }
    // A split after position p leaves p + 1 shapes on the left, at least two on either side.
    for (size_t p = 1; p + 3 <= order.size(); ++p) {
      if (Feature(all[order[p]], f) == Feature(all[order[p + 1]], f)) continue;
      double left = kNoScore, right = kNoScore;
      for (size_t j = 0; j < configs; ++j) {
        left = std::max(left, before[p][j]);
        right = std::max(right, prefix[j] - before[p][j]);
      }
      const double gain = left + right - leaf_score;
      if (gain > best_gain) {
        best_gain = gain;
        best_feature = f;
        best_threshold = Feature(all[order[p]], f);
      }
    }
  }
  if (best_feature == 0) return;
  nodes_[node].feature = best_feature;
  nodes_[node].threshold = best_threshold;
  std::vector<size_t> left, right;
  for (size_t i : shapes) {
    (Feature(all[i], best_feature) <= best_threshold ? left : right).push_back(i);
  }
  FitNode(data, lv, 2 * node, left, depth + 1);
  FitNode(data, lv, 2 * node + 1, right, depth + 1);
}

Selection DecisionTree::Choose(const ReplayData& data, int* fallbacks) const {
  Selection selection;
  for (size_t i = 0; i < data.shapes().size(); ++i) {
    size_t node = 1;
    while (nodes_[node].feature != 0) {
      node = 2 * node + (Feature(data.shapes()[i], nodes_[node].feature) <= nodes_[node].threshold
                             ? 0
                             : 1);
    }
    const int config = nodes_[node].config;
    selection.push_back(
        OrBaseline(data, i, config < 0 ? "" : data.configs()[config], fallbacks));
  }
  return selection;
}

References BuildReferences(const ReplayData& data) {
  const LogFractions lv = ComputeLogFractions(data);
  References refs;
  for (const ScoredShape& s : data.shapes()) refs.oracle.push_back(s.oracle_config);
  refs.best_single = UseWhereItRuns(data, FitBestSingle(data, lv));
  refs.tree = DecisionTree::Fit(data, lv, kTreeDepth).Choose(data, &refs.tree_fallbacks);
  return refs;
}

}  // namespace kevolve::gemm::score
