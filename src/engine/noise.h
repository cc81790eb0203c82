// Noise-aware selection (docs/security.md, "Noise-aware selection"): the promotion rule the
// engine gives its population. Internal to the engine module. Pure functions; thread-safe.
#pragma once

#include "core/program.h"
#include "db/population.h"

namespace kevolve::engine {

// When both programs carry at least 3 score samples (eval::ScoreSamples), `challenger` may take
// the place of `incumbent` (the run's best, a cell's elite) only when
// CompareRuns(challenger, incumbent, kHigherIsBetter) says it is better beyond the noise;
// `why` is that comparison's line. With fewer samples on either side it may, and `why` is empty:
// ranking by combined_score decides, as for any program without samples.
Promotion NoiseAwarePromotion(const Program& challenger, const Program& incumbent);

// Adds `offset` to every score sample of `result` (the LLM council's share of combined_score),
// so that the samples stay measurements of combined_score. No samples: nothing changes.
void ShiftScoreSamples(EvalResult& result, double offset);

}  // namespace kevolve::engine
