// OpenEvolve's config.yaml read as a kevolve Config (config/openevolve.h).
#include "config/openevolve.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "config/load.h"

namespace kevolve {
namespace {

constexpr char kStages[] =
    "def evaluate_stage1(p):\n    return {}\n\ndef evaluate_stage2(p):\n    return {}\n"
    "def evaluate(p):\n    return {}\n";

Result<OpenEvolveConfig> Map(const std::string& yaml, const std::string& evaluator = "") {
  return MapOpenEvolveConfig(yaml, evaluator, "task/config.yaml", "/t/task", "/k/tools",
                             "/usr/bin/python3");
}

bool Lists(const OpenEvolveConfig& c, const std::string& key) {
  return std::find(c.unmapped.begin(), c.unmapped.end(), key) != c.unmapped.end();
}

TEST(OpenEvolveConfigTest, TheSchemaMapsOntoKevolveKeys) {
  auto c = Map(R"(
max_iterations: 250
random_seed: 3
log_level: WARNING
llm:
  api_base: http://localhost:8000/v1
  temperature: 0.4
  max_tokens: 1000
  timeout: 90
  retries: 5
  models:
    - name: small
      weight: 0.8
    - name: big
      weight: 0.2
      temperature: 0.9
prompt:
  system_message: Pack the circles.
database:
  population_size: 300
  num_islands: 3
  archive_size: 25
  elite_selection_ratio: 0.2
  exploration_ratio: 0.3
  exploitation_ratio: 0.5
  migration_interval: 20
  migration_rate: 0.2
evaluator:
  timeout: 45
  memory_limit_mb: 2048
  parallel_evaluations: 3
  cascade_thresholds: [0.3, 0.6]
)",
                kStages);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Config& k = c->config;
  EXPECT_EQ(k.run.iterations, 250);
  EXPECT_EQ(k.run.seed, 3u);
  EXPECT_EQ(k.run.log_level, "warn");
  EXPECT_EQ(k.llm.base_url, "http://localhost:8000/v1");
  EXPECT_DOUBLE_EQ(k.llm.timeout_seconds, 90);
  EXPECT_EQ(k.llm.max_retries, 5);
  ASSERT_EQ(k.llm.models.size(), 2u);
  EXPECT_EQ(k.llm.models[0].model, "small");
  EXPECT_DOUBLE_EQ(k.llm.models[0].weight, 0.8);
  EXPECT_DOUBLE_EQ(k.llm.models[0].temperature, 0.4);  // llm's value for every model
  EXPECT_DOUBLE_EQ(k.llm.models[1].temperature, 0.9);  // its own
  EXPECT_EQ(k.llm.models[1].max_tokens, 1000);
  EXPECT_EQ(k.task.description, "Pack the circles.");
  EXPECT_EQ(k.database.islands, 3);
  EXPECT_EQ(k.database.island_capacity, 100);  // OpenEvolve's population is over all islands
  EXPECT_EQ(k.database.archive_size, 25);
  EXPECT_DOUBLE_EQ(k.database.elite_ratio, 0.2);
  EXPECT_EQ(k.database.migration_interval, 20);
  EXPECT_DOUBLE_EQ(k.evaluator.timeout_seconds, 45);
  EXPECT_EQ(k.evaluator.limits.memory_mb, 2048);
  EXPECT_EQ(k.evaluator.workers, 3);
  // The cascade: one stage per evaluate_stage<K>, with OpenEvolve's thresholds.
  ASSERT_EQ(k.evaluator.stages.size(), 2u);
  EXPECT_DOUBLE_EQ(k.evaluator.stages[0].threshold, 0.3);
  EXPECT_EQ(k.evaluator.command,
            (std::vector<std::string>{"/usr/bin/python3", "/k/tools/python/kevolve_pyeval.py",
                                      "{task}/evaluator.py", "{program}", "{stage}", "2"}));
  EXPECT_EQ(k.evaluator.program_filename, "program.py");
  EXPECT_EQ(k.task.initial_program, "initial_program.py");
  EXPECT_TRUE(c->unmapped.empty());
  EXPECT_TRUE(ValidateConfig(k).ok()) << ValidateConfig(k).ToString();
}

TEST(OpenEvolveConfigTest, KeysWithoutKevolveMeaningAreListedNotDropped) {
  auto c = Map(R"(
checkpoint_interval: 10
diff_based_evolution: false
llm:
  api_key: sk-literal
  models:
    - name: m
      retry_delay: 3
database:
  feature_dimensions: [complexity]
  db_path: null
evaluator:
  max_retries: 2
)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(Lists(*c, "checkpoint_interval"));
  EXPECT_TRUE(Lists(*c, "diff_based_evolution (false: full rewrites)"));
  EXPECT_TRUE(Lists(*c, "llm.api_key (kevolve reads keys from the environment only: set "
                        "llm.api_key_env)"));
  EXPECT_TRUE(Lists(*c, "llm.models[0].retry_delay"));
  EXPECT_TRUE(Lists(*c, "database.feature_dimensions"));
  EXPECT_TRUE(Lists(*c, "database.db_path"));
  EXPECT_TRUE(Lists(*c, "evaluator.max_retries"));
}

TEST(OpenEvolveConfigTest, AnApiKeyNamingAVariableBecomesApiKeyEnv) {
  auto c = Map("llm:\n  api_key: ${MY_LLM_KEY}\n  models:\n    - name: m\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config.llm.api_key_env, "MY_LLM_KEY");
  EXPECT_TRUE(c->unmapped.empty());
}

TEST(OpenEvolveConfigTest, ATypoIsAnErrorNamingFileLineKeyAndTheNearestKey) {
  auto top = Map("max_iteration: 5\n");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().message(),
            "task/config.yaml:1: 'max_iteration' is not a key of OpenEvolve's config; did you "
            "mean 'max_iterations'?");
  auto nested = Map("evaluator:\n  timeout: 10\n  cascade_treshold: [0.5]\n");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("task/config.yaml:3: 'evaluator.cascade_treshold'"),
            std::string::npos)
      << nested.status().message();
  EXPECT_NE(nested.status().message().find("did you mean 'evaluator.cascade_thresholds'"),
            std::string::npos)
      << nested.status().message();
}

TEST(OpenEvolveConfigTest, AWrongTypeNamesTheKey) {
  auto c = Map("database:\n  num_islands: many\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "task/config.yaml:2: 'database.num_islands' must be a number, got 'many'");
  auto model = Map("llm:\n  models:\n    - weight: 1\n");
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("'llm.models[0]' has no name"), std::string::npos);
}

TEST(OpenEvolveConfigTest, NoCascadeWithoutStageFunctionsOrWhenTurnedOff) {
  auto plain = Map("", "def evaluate(p):\n    return {}\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->config.evaluator.stages.empty());
  EXPECT_EQ(plain->config.evaluator.command.back(), "1");
  auto off = Map("evaluator:\n  cascade_evaluation: false\n", kStages);
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->config.evaluator.stages.empty());
  // A gap ends the cascade: stage 3 without stage 2 is not a stage.
  auto gap = Map("", "def evaluate_stage1(p): pass\ndef evaluate_stage3(p): pass\n");
  ASSERT_TRUE(gap.ok());
  EXPECT_EQ(gap->config.evaluator.stages.size(), 1u);
}

TEST(OpenEvolveConfigTest, AnEmptyConfigGivesOpenEvolvesDefaults) {
  auto c = Map("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->config.run.iterations, 10000);
  EXPECT_DOUBLE_EQ(c->config.evaluator.timeout_seconds, 300);
  EXPECT_EQ(c->config.task.name, "task");
}

}  // namespace
}  // namespace kevolve
