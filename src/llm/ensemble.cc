#include "llm/ensemble.h"

#include <algorithm>
#include <cmath>

#include "core/json.h"

namespace kevolve::llm {
namespace {

// Members ordered by weight, heaviest first; ties keep config order.
std::vector<size_t> ByWeight(std::vector<size_t> members, const std::vector<ModelSpec>& models) {
  std::stable_sort(members.begin(), members.end(),
                   [&](size_t a, size_t b) { return models[a].weight > models[b].weight; });
  return members;
}

}  // namespace

Ensemble::Ensemble(std::vector<ModelSpec> models, std::string selection, double strong_ratio)
    : models_(std::move(models)),
      selection_(std::move(selection)),
      strong_ratio_(strong_ratio),
      pulls_(models_.size(), 0),
      reward_sum_(models_.size(), 0.0) {}

std::optional<size_t> Ensemble::Find(const std::string& name) const {
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_[i].name == name) return i;
  }
  return std::nullopt;
}

size_t Ensemble::ChooseInRole(const std::vector<size_t>& members, Rng& rng) const {
  std::vector<size_t> weighted;
  double total = 0;
  for (size_t i : members) {
    if (models_[i].weight > 0) {
      weighted.push_back(i);
      total += models_[i].weight;
    }
  }
  const double u = rng.Uniform();  // drawn in both modes so the stream does not depend on mode
  if (weighted.empty()) return members.front();
  if (selection_ == "bandit") {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t total_pulls = 0;
    for (size_t i : weighted) total_pulls += pulls_[i];
    size_t best = weighted.front();
    double best_value = -1;
    for (size_t i : ByWeight(weighted, models_)) {
      if (pulls_[i] == 0) return i;  // every arm once, heaviest first
      const double mean = reward_sum_[i] / static_cast<double>(pulls_[i]);
      const double normalized = max_reward_ > 0 ? mean / max_reward_ : 0;
      const double value = normalized + std::sqrt(2.0 * std::log(static_cast<double>(total_pulls)) /
                                                  static_cast<double>(pulls_[i]));
      if (value > best_value) {
        best_value = value;
        best = i;
      }
    }
    return best;
  }
  double acc = 0;
  for (size_t i : weighted) {
    acc += models_[i].weight;
    if (u * total < acc) return i;
  }
  return weighted.back();
}

std::vector<size_t> Ensemble::Plan(Rng& rng) const {
  std::vector<size_t> fast, strong;
  for (size_t i = 0; i < models_.size(); ++i) {
    (models_[i].role == "strong" ? strong : fast).push_back(i);
  }
  const double u = rng.Uniform();
  bool use_strong = strong.empty() ? false : fast.empty() ? true : u < strong_ratio_;
  // A role whose models all weigh 0 is fallback-only.
  auto has_weight = [&](const std::vector<size_t>& role) {
    return std::any_of(role.begin(), role.end(), [&](size_t i) { return models_[i].weight > 0; });
  };
  if (use_strong && !has_weight(strong) && has_weight(fast)) use_strong = false;
  if (!use_strong && !has_weight(fast) && has_weight(strong)) use_strong = true;
  const std::vector<size_t>& role = use_strong ? strong : fast;
  const std::vector<size_t>& other = use_strong ? fast : strong;
  const size_t first = ChooseInRole(role, rng);
  std::vector<size_t> plan = {first};
  for (size_t i : ByWeight(role, models_)) {
    if (i != first) plan.push_back(i);
  }
  for (size_t i : ByWeight(other, models_)) plan.push_back(i);
  return plan;
}

void Ensemble::Reward(size_t model, double improvement, double cost, int64_t tokens) {
  if (model >= models_.size()) return;
  const double units = cost > 0 ? cost : static_cast<double>(std::max<int64_t>(tokens, 1)) / 1e6;
  const double reward = std::isfinite(improvement) && improvement > 0 ? improvement / units : 0;
  std::lock_guard<std::mutex> lock(mu_);
  ++pulls_[model];
  reward_sum_[model] += reward;
  max_reward_ = std::max(max_reward_, reward);
}

std::string Ensemble::SaveState() const {
  std::lock_guard<std::mutex> lock(mu_);
  Json models = Json::object();
  for (size_t i = 0; i < models_.size(); ++i) {
    if (pulls_[i] > 0) models[models_[i].name] = Json::array({pulls_[i], reward_sum_[i]});
  }
  if (models.empty()) return "";
  return DumpJson(Json{{"models", std::move(models)}, {"max_reward", max_reward_}});
}

Status Ensemble::RestoreState(const std::string& text) {
  if (text.empty()) return Status::Ok();
  KEVOLVE_ASSIGN_OR_RETURN(Json json, ParseJson(text));
  const Status bad = Status::InvalidArgument("model selection state is not what SaveState writes");
  if (!json.is_object() || !json.contains("models") || !json["models"].is_object() ||
      !json.contains("max_reward") || !json["max_reward"].is_number()) {
    return bad;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < models_.size(); ++i) {
    auto it = json["models"].find(models_[i].name);
    if (it == json["models"].end()) continue;
    if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number_integer() ||
        !(*it)[1].is_number()) {
      return bad;
    }
    pulls_[i] = (*it)[0].get<int64_t>();
    reward_sum_[i] = (*it)[1].get<double>();
  }
  max_reward_ = json["max_reward"].get<double>();
  return Status::Ok();
}

}  // namespace kevolve::llm
