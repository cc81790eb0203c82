#include "testing/run_fixture.h"

#include <cmath>
#include <limits>

#include "config/config.h"
#include "config/load.h"
#include "core/files.h"
#include "core/random.h"
#include "core/text.h"

namespace kevolve::testing {

Result<std::unique_ptr<Store>> CreateSyntheticRun(const std::string& root, const std::string& name,
                                                  int islands, int64_t created_unix_ms) {
  const std::string dir = root + "/" + name;
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(dir));
  KEVOLVE_ASSIGN_OR_RETURN(auto store, Store::Create(dir + "/run.db"));
  Config config;
  config.task.name = "synthetic";
  config.run.iterations = 1000;
  config.database.islands = islands;
  config.database.features = {{"x", 0, 1, 4}, {"y", 0, 1, 3}};
  KEVOLVE_RETURN_IF_ERROR(store->PutMeta("config_yaml", ConfigToYaml(config)));
  KEVOLVE_RETURN_IF_ERROR(store->PutMeta("task_dir", dir));
  KEVOLVE_RETURN_IF_ERROR(store->PutMeta("task_name", "synthetic"));
  KEVOLVE_RETURN_IF_ERROR(store->PutMeta("strategy", "evolve"));
  KEVOLVE_RETURN_IF_ERROR(store->PutMeta("created_unix_ms", std::to_string(created_unix_ms)));
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(
      dir + "/events.jsonl",
      "{\"t\":" + std::to_string(created_unix_ms) + ",\"type\":\"run_start\"}\n"));
  return store;
}

Program SyntheticProgram(int64_t parent_id, int64_t generation, int island, double score,
                         uint64_t seed, int64_t created_unix_ms) {
  Program p;
  p.code = "double priority(double item) {\n  return item * " + std::to_string(seed % 97) +
           ";\n}\n";
  p.code_hash = CodeHash(p.code);
  p.parent_id = parent_id;
  p.generation = generation;
  p.island = island;
  p.origin = parent_id == 0 ? "initial" : "mutator:literal";
  p.edit = parent_id == 0 ? ""
                          : "<<<<<<< SEARCH\n  return item;\n=======\n  return item * " +
                                std::to_string(seed % 97) + ";\n>>>>>>> REPLACE\n";
  p.result.valid = std::isfinite(score);
  p.result.combined_score = p.result.valid ? score : 0;
  p.result.failure = p.result.valid ? Failure::kNone : Failure::kTimeout;
  p.result.reason = p.result.valid ? "" : "deadline of 10 s passed";
  p.result.metrics = {{"train", score}};
  p.result.features = {{"x", static_cast<double>(seed % 100) / 100.0},
                       {"y", static_cast<double>((seed / 100) % 100) / 100.0}};
  if (p.result.valid) p.result.hidden_metrics = {{"heldout", score - 0.5}};
  p.result.stages_run = 1;
  p.result.duration_ms = 20 + static_cast<int64_t>(seed % 30);
  p.created_unix_ms = created_unix_ms;
  return p;
}

Status GrowSyntheticRun(Store& store, int64_t count, uint64_t seed, int64_t start_unix_ms) {
  KEVOLVE_ASSIGN_OR_RETURN(StoreSummary before, store.Summarize());
  KEVOLVE_ASSIGN_OR_RETURN(auto config_yaml, store.GetMeta("config_yaml"));
  KEVOLVE_ASSIGN_OR_RETURN(Config config, ParseConfig(config_yaml.value_or(""), "run.db", ""));
  const int islands = std::max(1, config.database.islands);
  Rng rng(seed);
  int64_t next_id = before.programs + 1;
  for (int64_t i = 0; i < count; ++i, ++next_id) {
    const int64_t parent = next_id == 1 ? 0 : next_id - 1 - static_cast<int64_t>(rng.Below(
                                                        static_cast<uint64_t>(std::min<int64_t>(64, next_id - 1))));
    const double climb = std::log1p(static_cast<double>(next_id)) / 10.0;
    const bool times_out = next_id > 1 && rng.Below(10) == 0;
    const double score = times_out ? std::numeric_limits<double>::quiet_NaN()
                                   : climb + rng.Uniform() * 0.2;
    const Program p = SyntheticProgram(parent, parent == 0 ? 0 : 1 + next_id / 8,
                                       static_cast<int>(next_id % islands), score, rng.Next(),
                                       start_unix_ms + 250 * next_id);
    std::vector<Placement> placements;
    if (next_id % 50 == 0 && islands > 1) {
      placements.push_back({0, static_cast<int>((next_id + 1) % islands), "migration"});
    }
    KEVOLVE_ASSIGN_OR_RETURN(int64_t id, store.CommitProgram(p, placements, {}));
    (void)id;
  }
  return Status::Ok();
}

}  // namespace kevolve::testing
