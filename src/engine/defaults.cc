#include "engine/engine.h"
#include "engine/llm_proposer.h"

namespace kevolve::engine {

EngineEnv DefaultEngineEnv() {
  EngineEnv env;
  env.make_backend = [](const Config& config, const RunPaths& paths) {
    if (config.evaluator.backend == "slurm") return MakeSlurmBackend(config, paths.unique_id());
    return MakePoolBackend(config.evaluator, config.task.dir, paths.scratch());
  };
  env.make_proposer = [](const Config& config) -> Result<std::unique_ptr<Proposer>> {
    if (config.llm.models.empty()) return MakeMutatorProposer(config.mutator);
    return MakeOpenAiProposer(config);
  };
  return env;
}

}  // namespace kevolve::engine
