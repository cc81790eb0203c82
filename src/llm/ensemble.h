// Ensemble: which model answers a proposal, and which ones stand in when it fails.
//
// Models have a role (fast for breadth, strong for depth) and a weight. A proposal goes to a
// strong model with probability strong_ratio (when both roles exist), then to one model of that
// role: by weight ("weighted"), or by a UCB bandit on improvement per unit cost ("bandit", in the
// spirit of ShinkaEvolve's adaptive model selection). The plan lists the chosen model first, then
// every other model as a fallback: the same role by weight first, then the other role. A model
// of weight 0 is never chosen first but still serves as a fallback.
//
// Deterministic: the plan depends only on the Rng passed in and the rewards reported so far,
// which SaveState writes out (the run's state in run.db holds them) and RestoreState reads back,
// so a resumed run goes on choosing as it would have. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/status.h"
#include "llm/llm.h"

namespace kevolve::llm {

class Ensemble {
 public:
  // REQUIRES: models is not empty. selection: "weighted" | "bandit".
  Ensemble(std::vector<ModelSpec> models, std::string selection, double strong_ratio);

  // Indices into models(), the chosen one first; every model appears once.
  std::vector<size_t> Plan(Rng& rng) const;

  // The bandit's reward for one proposal answered by `model`: the score it gained over its parent
  // (0 when none) for what the proposal cost (money; when the model is unpriced, its tokens at
  // 1 per million). Ignored by "weighted".
  void Reward(size_t model, double improvement, double cost, int64_t tokens);

  // The bandit's statistics as JSON text, by model name. RestoreState takes text SaveState wrote
  // ("" = nothing learnt yet); a model no longer configured is dropped, a new one starts from
  // nothing. InvalidArgument when the text is not such JSON.
  std::string SaveState() const;
  Status RestoreState(const std::string& text);

  const std::vector<ModelSpec>& models() const { return models_; }
  std::optional<size_t> Find(const std::string& name) const;

 private:
  size_t ChooseInRole(const std::vector<size_t>& members, Rng& rng) const;

  std::vector<ModelSpec> models_;
  std::string selection_;
  double strong_ratio_;
  mutable std::mutex mu_;
  std::vector<int64_t> pulls_;
  std::vector<double> reward_sum_;
  double max_reward_ = 0;
};

}  // namespace kevolve::llm
