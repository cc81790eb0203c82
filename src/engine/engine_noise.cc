// Noise-aware selection in the controller: the promotion rule, the adaptive repeat count and the
// run's best as recorded for `kevolve status` (docs/security.md, "Noise-aware selection").
#include <algorithm>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/log.h"
#include "core/timing_stats.h"
#include "db/population.h"
#include "engine/engine.h"
#include "engine/noise.h"
#include "eval/protocol.h"
#include "store/store.h"

namespace kevolve::engine {

Promotion NoiseAwarePromotion(const Program& challenger, const Program& incumbent) {
  const std::vector<double> candidate = eval::ScoreSamples(challenger.result);
  const std::vector<double> held = eval::ScoreSamples(incumbent.result);
  // A well-measured incumbent is not displaced by a program measured too few times (a later
  // cascade stage or another path of the evaluator that reported no samples).
  if (held.size() >= 3 && candidate.size() < 3) {
    return {false, "the incumbent has " + std::to_string(held.size()) +
                       " score samples and this program " + std::to_string(candidate.size()) +
                       ": too few runs to tell"};
  }
  if (candidate.size() < 3 || held.size() < 3) return {};
  const Comparison c = CompareRuns(candidate, held, Direction::kHigherIsBetter);
  return {c.better, c.why};
}

void ShiftScoreSamples(EvalResult& result, double offset) {
  std::vector<double> samples = eval::ScoreSamples(result);
  if (samples.empty()) return;
  Json shifted = Json::array();
  for (double x : samples) shifted.push_back(x + offset);
  result.artifacts[eval::kScoreSamplesKey] = DumpJson(shifted);
}

// The count only grows (NextRunCount doubles it while the spread is above the target),
// never past evaluator.repeats.max. It is judged on the count the evaluation ran with, so that
// with several workers one wide result doubles the count once, not once per result in flight.
void Engine::AdaptRepeats(const EvalResult& result, int ran_with) {
  if (config_.evaluator.repeats.initial == 0 || !result.valid) return;  // off
  const std::vector<double> samples = eval::ScoreSamples(result);
  if (samples.empty()) return;
  const RepeatsConfig& config = config_.evaluator.repeats;
  const int next =
      std::max(repeats_, NextRunCount(samples, ran_with, config.target_spread, config.max));
  if (next == repeats_) return;
  const double spread = Summarize(samples).RelativeSpread();
  events_->Emit(
      "repeats",
      {{"from", repeats_}, {"to", next}, {"samples", samples.size()}, {"relative_spread", spread}});
  log::Info("score samples spread {:.3g} (target {:.3g}): {} repeats per evaluation from now on",
            spread, config.target_spread, next);
  repeats_ = next;
}

// With noise-aware selection the best is not always the highest score, so the engine records
// it (state "best_id") whenever it changes; Store::Summarize reads it.
Status Engine::RecordBest() {
  const Program* best = population_->Best();
  if (best == nullptr) return Status::Ok();
  return store_->CommitPlacements({}, {{"best_id", std::to_string(best->id)}});
}

}  // namespace kevolve::engine
