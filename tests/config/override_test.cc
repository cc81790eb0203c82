// ApplyOverride: what a flag or a KEVOLVE_* variable may set, with the loader's type checks.
#include <gtest/gtest.h>

#include <string>

#include "config/load.h"

namespace kevolve {
namespace {

std::string ErrorOf(const std::string& key, const std::string& value) {
  Config config;
  const Status status = ApplyOverride(config, key, value);
  if (status.ok()) return "(applied without error)";
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  return status.message();
}

TEST(ApplyOverrideTest, SetsScalarsOfEveryType) {
  Config config;
  ASSERT_TRUE(ApplyOverride(config, "run.iterations", "200").ok());
  ASSERT_TRUE(ApplyOverride(config, "evaluator.workers", "4").ok());
  ASSERT_TRUE(ApplyOverride(config, "run.strategy", "hill-climb").ok());
  ASSERT_TRUE(ApplyOverride(config, "run.seed", "7").ok());
  ASSERT_TRUE(ApplyOverride(config, "evaluator.timeout_seconds", "2.5").ok());
  ASSERT_TRUE(ApplyOverride(config, "evaluator.gpu", "true").ok());
  ASSERT_TRUE(ApplyOverride(config, "evaluator.limits.memory_mb", "1024").ok());
  EXPECT_EQ(config.run.iterations, 200);
  EXPECT_EQ(config.evaluator.workers, 4);
  EXPECT_EQ(config.run.strategy, Strategy::kHillClimb);
  EXPECT_EQ(config.run.seed, 7u);
  EXPECT_DOUBLE_EQ(config.evaluator.timeout_seconds, 2.5);
  EXPECT_TRUE(config.evaluator.gpu);
  EXPECT_EQ(config.evaluator.limits.memory_mb, 1024);
  EXPECT_EQ(config.evaluator.limits.open_files, LimitsConfig{}.open_files);
}

TEST(ApplyOverrideTest, StringValuesAreTakenVerbatim) {
  Config config;
  ASSERT_TRUE(ApplyOverride(config, "task.description", "a: b # not a comment").ok());
  ASSERT_TRUE(ApplyOverride(config, "run.output_dir", "~").ok());
  ASSERT_TRUE(ApplyOverride(config, "task.name", "").ok());
  EXPECT_EQ(config.task.description, "a: b # not a comment");
  EXPECT_EQ(config.run.output_dir, "~");
  EXPECT_EQ(config.task.name, "");
}

TEST(ApplyOverrideTest, CommandFromStringOrFlowList) {
  Config config;
  ASSERT_TRUE(ApplyOverride(config, "evaluator.command", "python3 eval.py {program}").ok());
  EXPECT_EQ(config.evaluator.command,
            (std::vector<std::string>{"python3", "eval.py", "{program}"}));
  ASSERT_TRUE(ApplyOverride(config, "evaluator.command", "[\"./my eval\", \"{program}\"]").ok());
  EXPECT_EQ(config.evaluator.command, (std::vector<std::string>{"./my eval", "{program}"}));
}

TEST(ApplyOverrideTest, StringListsFromCommasOrFlowList) {
  Config config;
  ASSERT_TRUE(ApplyOverride(config, "evaluator.devices", "0, 1").ok());
  EXPECT_EQ(config.evaluator.devices, (std::vector<std::string>{"0", "1"}));
  ASSERT_TRUE(ApplyOverride(config, "evaluator.devices", "[\"0,1\", \"2\"]").ok());
  EXPECT_EQ(config.evaluator.devices, (std::vector<std::string>{"0,1", "2"}));
  ASSERT_TRUE(ApplyOverride(config, "evaluator.env_allow", "").ok());
  EXPECT_TRUE(config.evaluator.env_allow.empty());
}

TEST(ApplyOverrideTest, OneEntryOfAMapIsSetByItsName) {
  Config config;
  config.evaluator.env = {{"KEEP", "1"}};
  ASSERT_TRUE(ApplyOverride(config, "evaluator.env.OMP_NUM_THREADS", "4").ok());
  ASSERT_TRUE(ApplyOverride(config, "evaluator.env.KEEP", "2").ok());
  ASSERT_TRUE(ApplyOverride(config, "evaluator.env.a.b", "c: d").ok());  // dots in the name
  EXPECT_EQ(config.evaluator.env, (std::map<std::string, std::string>{
                                      {"KEEP", "2"}, {"OMP_NUM_THREADS", "4"}, {"a.b", "c: d"}}));
  // A key below a scalar is still unknown.
  EXPECT_FALSE(ApplyOverride(config, "run.iterations.max", "3").ok());
}

TEST(ApplyOverrideTest, SetWordsAreSplitAtTheFirstEqualsSign) {
  Config config;
  ASSERT_TRUE(ApplyOverrides(config, {"run.iterations=7", "evaluator.env.A=x=y"}).ok());
  EXPECT_EQ(config.run.iterations, 7);
  EXPECT_EQ(config.evaluator.env.at("A"), "x=y");
  EXPECT_EQ(ApplyOverrides(config, {"run.iterations"}).message(),
            "--set 'run.iterations' must look like key.path=value");
  EXPECT_EQ(ApplyOverrides(config, {"run.iterations=many"}).message(),
            "--set run.iterations: 'run.iterations' must be an integer, got 'many'");
}

TEST(ApplyOverrideTest, MapsListsOfMappingsAndSectionsFromFlowYaml) {
  Config config;
  ASSERT_TRUE(ApplyOverride(config, "evaluator.env", "{OMP_NUM_THREADS: 4, MODE: fast}").ok());
  EXPECT_EQ(config.evaluator.env,
            (std::map<std::string, std::string>{{"MODE", "fast"}, {"OMP_NUM_THREADS", "4"}}));
  ASSERT_TRUE(
      ApplyOverride(config, "evaluator.stages", "[{name: quick, threshold: 1}, {threshold: 2}]")
          .ok());
  ASSERT_EQ(config.evaluator.stages.size(), 2u);
  EXPECT_EQ(config.evaluator.stages[0].name, "quick");
  EXPECT_EQ(config.evaluator.stages[1].name, "stage2");
  EXPECT_DOUBLE_EQ(config.evaluator.stages[1].threshold, 2);
  ASSERT_TRUE(ApplyOverride(config, "evaluator.limits", "{cpu_seconds: 5}").ok());
  EXPECT_DOUBLE_EQ(config.evaluator.limits.cpu_seconds, 5);
  EXPECT_EQ(config.evaluator.limits.memory_mb, LimitsConfig{}.memory_mb);  // kept
}

TEST(ApplyOverrideTest, WrongTypeReadsLikeTheFileErrorWithoutALocation) {
  EXPECT_EQ(ErrorOf("run.iterations", "many"), "'run.iterations' must be an integer, got 'many'");
  EXPECT_EQ(ErrorOf("run.iterations", ""), "'run.iterations' must be an integer, got ''");
  EXPECT_EQ(ErrorOf("evaluator.gpu", "1"), "'evaluator.gpu' must be true or false, got '1'");
  EXPECT_EQ(ErrorOf("evaluator.sandbox", "bwarp"),
            "'evaluator.sandbox' must be auto, process or bwrap, got 'bwarp' (did you mean "
            "'bwrap'?)");
  EXPECT_EQ(ErrorOf("evaluator.limits", "[1]"), "'evaluator.limits' must be a mapping");
  EXPECT_EQ(ErrorOf("evaluator.stages", "[{thresold: 1}]"),
            "unknown key 'evaluator.stages[0].thresold'; did you mean "
            "'evaluator.stages[0].threshold'?");
  EXPECT_EQ(ErrorOf("evaluator.env", "{a: [b"),
            "'evaluator.env' must be YAML flow text, e.g. [a, b] or {k: v}: end of sequence "
            "flow not found");
}

TEST(ApplyOverrideTest, UnknownKeysSuggestTheNearestKey) {
  EXPECT_EQ(ErrorOf("run.iteration", "5"),
            "unknown key 'run.iteration'; did you mean 'run.iterations'?");
  EXPECT_EQ(ErrorOf("evaluator.timeout_secs", "5"),
            "unknown key 'evaluator.timeout_secs'; did you mean 'evaluator.timeout_seconds'?");
  EXPECT_EQ(ErrorOf("evaluater.workers", "5"),
            "unknown key 'evaluater'; did you mean 'evaluator'?");
  EXPECT_EQ(ErrorOf("run.iterations.max", "5"),
            "unknown key 'run.iterations.max': 'run.iterations' has no keys below it");
  EXPECT_EQ(ErrorOf("run..seed", "5"),
            "invalid key 'run..seed': expected dotted names such as 'run.iterations'");
  // task.dir is set by the loader from where the file is, never by a key.
  EXPECT_EQ(ErrorOf("task.dir", "/x"),
            "unknown key 'task.dir'; valid keys in 'task': name, initial_program, description");
}

TEST(ApplyOverrideTest, FailedOverrideLeavesConfigUnchanged) {
  Config config;
  config.evaluator.stages = {{"keep", 1, 0}};
  EXPECT_FALSE(ApplyOverride(config, "evaluator.stages", "[{name: a}, {threshold: x}]").ok());
  EXPECT_FALSE(ApplyOverride(config, "evaluator.limits", "{cpu_seconds: 5, memory_mb: x}").ok());
  EXPECT_FALSE(ApplyOverride(config, "run.iterations", "x").ok());
  ASSERT_EQ(config.evaluator.stages.size(), 1u);
  EXPECT_EQ(config.evaluator.stages[0].name, "keep");
  EXPECT_DOUBLE_EQ(config.evaluator.limits.cpu_seconds, LimitsConfig{}.cpu_seconds);
  EXPECT_EQ(config.run.iterations, Config{}.run.iterations);
}

// Every key outside list elements can be set by an override, and its documented default (YAML
// text) is accepted as its value. String keys take text verbatim, so their quoted "" default is
// not a round trip and they are checked by the tests above.
TEST(ApplyOverrideTest, EveryOverridableKeyAcceptsItsDefault) {
  for (const ConfigKey& key : ConfigKeys()) {
    if (!key.overridable || key.type == "string") continue;
    Config config;
    const Json before = ConfigToJson(config);
    const Status status = ApplyOverride(config, key.path, key.default_value);
    EXPECT_TRUE(status.ok()) << key.path << " = " << key.default_value << ": "
                             << status.ToString();
    EXPECT_EQ(ConfigToJson(config), before) << key.path;
  }
}

}  // namespace
}  // namespace kevolve
