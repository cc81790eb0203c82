#include "engine/engine.h"

namespace kevolve::engine {

EngineEnv DefaultEngineEnv() {
  EngineEnv env;
  env.make_backend = [](const Config& config, const RunPaths& paths) {
    return MakePoolBackend(config.evaluator, config.task.dir, paths.scratch());
  };
  env.make_proposer = [](const Config& config) { return MakeMutatorProposer(config.mutator); };
  return env;
}

}  // namespace kevolve::engine
