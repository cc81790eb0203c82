// ValidateConfig: each semantic rule and the message that tells the user what to change.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>

#include "config/load.h"

namespace kevolve {
namespace {

Config Valid() {
  Config config;
  config.task.dir = "/tasks/demo";
  config.task.name = "demo";
  return config;
}

// The message ValidateConfig gives for Valid() changed by `edit`.
std::string ProblemWith(const std::function<void(Config&)>& edit) {
  Config config = Valid();
  edit(config);
  const Status status = ValidateConfig(config);
  if (status.ok()) return "(valid)";
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  return status.message();
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

TEST(ValidateConfigTest, DefaultsAreValid) {
  EXPECT_TRUE(ValidateConfig(Valid()).ok()) << ValidateConfig(Valid()).ToString();
}

TEST(ValidateConfigTest, ParsedFullConfigIsValid) {
  Result<Config> config = ParseConfig(R"(run:
  strategy: random
  log_level: debug
evaluator:
  command: ./evaluate {program} {stage}
  sandbox: process
  stages: [{name: quick, threshold: -6}, {name: full}]
  devices: ["0", "1"]
  env: {OMP_NUM_THREADS: "4"}
database:
  features: [{name: a, min: 0, max: 1, bins: 4}, {name: b, min: -5, max: 5, bins: 1}]
  exploitation_ratio: 0
  exploration_ratio: 0
  elite_ratio: 1
)",
                                      "kevolve.yaml", "/tasks/demo");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(ValidateConfig(*config).ok()) << ValidateConfig(*config).ToString();
}

TEST(ValidateConfigTest, CountsHaveLowerBounds) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.workers = 0; }),
            "'evaluator.workers' must be at least 1, got 0");
  EXPECT_EQ(ProblemWith([](Config& c) { c.run.iterations = -1; }),
            "'run.iterations' must be at least 0, got -1");
  EXPECT_EQ(ProblemWith([](Config& c) { c.run.iterations = 0; }), "(valid)");
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.islands = 0; }),
            "'database.islands' must be at least 1, got 0");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.limits.memory_mb = 0; }),
            "'evaluator.limits.memory_mb' must be at least 1, got 0");
  EXPECT_EQ(ProblemWith([](Config& c) { c.mutator.max_edits = 0; }),
            "'mutator.max_edits' must be at least 1, got 0");
}

TEST(ValidateConfigTest, NamesMustBeOneOfTheAllowedWithASuggestion) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.run.log_level = "verbose"; }),
            "'run.log_level' must be debug, info, warn or error, got 'verbose'");
  EXPECT_EQ(ProblemWith([](Config& c) { c.prompt.edit_format = "searchreplace"; }),
            "'prompt.edit_format' must be search_replace or diff, got 'searchreplace' (did you "
            "mean 'search_replace'?)");
}

// A bad value is one problem, said once, in config/'s words: the modules that use the value
// (eval, db) do not check it again in their own.
TEST(ValidateConfigTest, ABadValueIsOneMessageThatNamesItsKey) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.timeout_seconds = 0; }),
            "'evaluator.timeout_seconds' must be a finite number > 0, got 0");
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.migration_rate = 1.5; }),
            "'database.migration_rate' must be between 0 and 1, got 1.5");
}

TEST(ValidateConfigTest, CommandPlaceholdersMustBeKnown) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.command = {"./evaluate", "{progam}"}; }),
            "'evaluator.command' uses an unknown placeholder {progam} (did you mean "
            "{program}?); known: {program} {workdir} {stage} {seed} {task} {repeats}");
  EXPECT_EQ(ProblemWith([](Config& c) {
              c.evaluator.command = {"bash", "{task}/x", "{seed}{stage}", "{other", "${HOME}x"};
            }),
            "'evaluator.command' uses an unknown placeholder {HOME}; known: {program} {workdir} "
            "{stage} {seed} {task} {repeats}");
  EXPECT_NE(ProblemWith([](Config& c) {
              c.evaluator.repeats.initial = 5;
              c.evaluator.command = {"./evaluate", "{program}", "{repeat}"};
            }).find("unknown placeholder {repeat} (did you mean {repeats}?)"),
            std::string::npos);
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.command = {"bash", "{task}/x", "{other"}; }),
            "(valid)");
}

TEST(ValidateConfigTest, EnvAllowNeverPassesASecret) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.env_allow = {"PATH", "OPENAI_API_KEY"}; }),
            "'evaluator.env_allow[1]' names 'OPENAI_API_KEY', which looks like a secret, and "
            "evaluators never see secrets; if the evaluator really needs it, set it in "
            "evaluator.env");
  EXPECT_NE(ProblemWith([](Config& c) { c.evaluator.env_allow = {"HF_TOKEN"}; })
                .find("looks like a secret"),
            std::string::npos);
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.env_allow = {"KEYBOARD", "PATH"}; }),
            "(valid)");
}

TEST(ValidateConfigTest, TheGridMustHaveFewerCellsThanAnInt64Counts) {
  EXPECT_EQ(ProblemWith([](Config& c) {
              for (int i = 0; i < 4; ++i) {
                c.database.features.push_back({"f" + std::to_string(i), 0, 1, 1 << 20});
              }
            }),
            "'database.features' make a grid of more than 2^63 cells (the product of their "
            "bins); use fewer bins");
}

TEST(ValidateConfigTest, TimesMustBePositiveAndFinite) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.timeout_seconds = 0; }),
            "'evaluator.timeout_seconds' must be a finite number > 0, got 0");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.timeout_seconds = kInf; }),
            "'evaluator.timeout_seconds' must be a finite number > 0, got .inf");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.grace_seconds = -1; }),
            "'evaluator.grace_seconds' must be a finite number >= 0, got -1");
  EXPECT_EQ(ProblemWith([](Config& c) { c.run.max_wall_seconds = kNan; }),
            "'run.max_wall_seconds' must be a finite number >= 0, got .nan");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.limits.cpu_seconds = 0; }),
            "'evaluator.limits.cpu_seconds' must be a finite number > 0, got 0");
}

TEST(ValidateConfigTest, CommandMustNameAProgram) {
  const std::string expected =
      "'evaluator.command' must name a program to run, e.g. [\"./evaluate\", \"{program}\"]";
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.command.clear(); }), expected);
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.command = {"", "x"}; }), expected);
}

TEST(ValidateConfigTest, StagesNeedFiniteThresholdsAndDistinctNames) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.stages = {{"a", kInf, 0}}; }),
            "'evaluator.stages[0].threshold' must be a finite number, got .inf");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.stages = {{"a", kNan, 0}}; }),
            "'evaluator.stages[0].threshold' must be a finite number, got .nan");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.stages = {{"a", 0, 0}, {"a", 1, 0}}; }),
            "'evaluator.stages[1].name' repeats the stage name 'a'");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.stages = {{"a", 0, -1}}; }),
            "'evaluator.stages[0].timeout_seconds' must be a finite number >= 0, got -1");
}

TEST(ValidateConfigTest, RatiosAreNonNegativeAndNotAllZero) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.elite_ratio = -0.1; }),
            "'database.elite_ratio' must be a finite number >= 0, got -0.1");
  EXPECT_EQ(ProblemWith([](Config& c) {
              c.database.exploitation_ratio = 0;
              c.database.exploration_ratio = 0;
              c.database.elite_ratio = 0;
            }),
            "'database.exploitation_ratio', 'database.exploration_ratio', "
            "'database.elite_ratio' must not all be zero");
  EXPECT_EQ(ProblemWith([](Config& c) {
              c.mutator.literal_weight = 0;
              c.mutator.operator_weight = 0;
              c.mutator.line_weight = 0;
              c.mutator.crossover_weight = 0;
            }),
            "'mutator.literal_weight', 'mutator.operator_weight', 'mutator.line_weight', "
            "'mutator.crossover_weight' must not all be zero");
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.migration_rate = 1.5; }),
            "'database.migration_rate' must be between 0 and 1, got 1.5");
}

TEST(ValidateConfigTest, FeatureAxesNeedNameBinsAndRange) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.features = {{"a", 0, 1, 0}}; }),
            "'database.features[0].bins' must be at least 1, got 0");
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.features = {{"a", 2, 2, 4}}; }),
            "'database.features[0].max' must be greater than min (2), got 2");
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.features = {{"", 0, 1, 4}}; }),
            "'database.features[0].name' must not be empty");
  EXPECT_EQ(ProblemWith([](Config& c) { c.database.features = {{"a", 0, 1, 4}, {"a", 0, 1, 4}}; }),
            "'database.features[1].name' repeats the feature name 'a'");
}

TEST(ValidateConfigTest, NamesThatBecomePathsOrVariables) {
  EXPECT_EQ(ProblemWith([](Config& c) { c.task.name = ""; }),
            "'task.name' must be a plain name (no '/'), got ''");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.program_filename = "../x.cc"; }),
            "'evaluator.program_filename' must be a plain name (no '/'), got '../x.cc'");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.env_allow = {"PATH", "A=B"}; }),
            "'evaluator.env_allow[1]' must be a variable name without '=', got 'A=B'");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.env = {{"A=B", "x"}}; }),
            "'evaluator.env.A=B' must be a variable name without '=', got 'A=B'");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.devices = {"0", ""}; }),
            "'evaluator.devices[1]' must not be empty");
}

TEST(ValidateConfigTest, StageDevicesAndTheGpusTheyHold) {
  EXPECT_EQ(ProblemWith([](Config& c) {
              c.evaluator.stages = {{"compile", 0, 0, "exclusiv"}};
              c.evaluator.devices = {"0"};
            }),
            "'evaluator.stages[0].device' must be shared, exclusive or none, got 'exclusiv' "
            "(did you mean 'exclusive'?)");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.stages = {{"time", 0, 0, "exclusive"}}; }),
            "'evaluator.stages[0].device' is exclusive but evaluator.devices is empty; list the "
            "GPUs the stage may hold, e.g. devices: [\"0\"]");
  EXPECT_EQ(ProblemWith([](Config& c) { c.evaluator.devices = {"0", "1", "0"}; }),
            "'evaluator.devices[2]' repeats the device '0'");
  EXPECT_EQ(ProblemWith([](Config& c) {
              c.evaluator.stages = {{"compile", 0, 0, "none"}, {"time", 0, 0, "exclusive"}};
              c.evaluator.devices = {"0", "1"};
            }),
            "(valid)");
}

TEST(ValidateConfigTest, ReportsEveryProblemAtOnce) {
  EXPECT_EQ(ProblemWith([](Config& c) {
              c.evaluator.workers = 0;
              c.database.islands = 0;
            }),
            "'evaluator.workers' must be at least 1, got 0; 'database.islands' must be at "
            "least 1, got 0");
}

}  // namespace
}  // namespace kevolve
