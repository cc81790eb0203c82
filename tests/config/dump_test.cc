// ConfigToYaml / ConfigToJson / ConfigKeys: the effective config is complete and reads back.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "config/load.h"

namespace kevolve {
namespace {

Config ReadBack(const Config& config) {
  const std::string yaml = ConfigToYaml(config);
  Result<Config> parsed = ParseConfig(yaml, "effective.yaml", config.task.dir);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << yaml;
  return parsed.ok() ? *parsed : Config{};
}

Config Unusual() {
  Config c;
  c.task.dir = "/tasks/odd";
  c.task.name = "odd";
  c.task.description = "line one\n  line two: with colon # and hash\n\ttabbed \"quoted\" 'single'\n";
  c.task.initial_program = "{weird}.cc";
  c.run.iterations = std::numeric_limits<int64_t>::max();
  c.run.seed = std::numeric_limits<uint64_t>::max();
  c.run.strategy = Strategy::kHillClimb;
  c.run.output_dir = "~";
  c.run.max_wall_seconds = 0.1;
  c.run.log_level = "null";
  c.evaluator.command = {"./eval uate", "{program}", "", "- dash", "#hash", "a: b", "ünïcode"};
  c.evaluator.workers = std::numeric_limits<int>::min();
  c.evaluator.timeout_seconds = 1e-300;
  c.evaluator.grace_seconds = -0.0;
  c.evaluator.stages = {{"quick", -6.25, 5}, {"123", 1e300, 0}};
  c.evaluator.limits.output_bytes = 1;
  c.evaluator.sandbox = SandboxSetting::kBwrap;
  c.evaluator.env_allow = {};
  c.evaluator.env = {{"EMPTY", ""}, {"LIST", "[1, 2]"}, {"NUL", "~"}, {"SPACE", " x "}};
  c.evaluator.devices = {"0", "GPU-1,2"};
  c.evaluator.gpu = true;
  c.database.features = {{"len", -1.5, 2.5, 3}, {"yes", 0, 1, 1}};
  c.database.migration_rate = 1.0 / 3.0;
  c.mutator.perturb_scale = 123456789.123456789;
  return c;
}

TEST(ConfigToYamlTest, DefaultsRoundTrip) {
  Config config;
  config.task.dir = "/tasks/demo";
  config.task.name = "demo";
  EXPECT_EQ(ConfigToJson(ReadBack(config)), ConfigToJson(config));
}

TEST(ConfigToYamlTest, UnusualValuesRoundTripExactly) {
  const Config config = Unusual();
  const Config back = ReadBack(config);
  EXPECT_EQ(ConfigToJson(back), ConfigToJson(config)) << ConfigToYaml(config);
  // Bits, not just JSON text: every double reads back identically.
  EXPECT_EQ(back.database.migration_rate, config.database.migration_rate);
  EXPECT_EQ(back.mutator.perturb_scale, config.mutator.perturb_scale);
  EXPECT_EQ(back.evaluator.timeout_seconds, config.evaluator.timeout_seconds);
  EXPECT_TRUE(std::signbit(back.evaluator.grace_seconds));
  EXPECT_EQ(back.evaluator.stages[1].threshold, 1e300);
  EXPECT_EQ(back.evaluator.command, config.evaluator.command);
  EXPECT_EQ(back.evaluator.env, config.evaluator.env);
  EXPECT_EQ(back.task.description, config.task.description);
  EXPECT_EQ(back.run.output_dir, "~");
  EXPECT_EQ(back.run.log_level, "null");
}

TEST(ConfigToYamlTest, NonFiniteNumbersRoundTrip) {
  Config config;
  config.run.max_wall_seconds = std::numeric_limits<double>::infinity();
  config.evaluator.stages = {{"a", -std::numeric_limits<double>::infinity(), 0},
                             {"b", std::numeric_limits<double>::quiet_NaN(), 0}};
  const Config back = ReadBack(config);
  EXPECT_EQ(back.run.max_wall_seconds, std::numeric_limits<double>::infinity());
  EXPECT_EQ(back.evaluator.stages[0].threshold, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(back.evaluator.stages[1].threshold));
}

TEST(ConfigToYamlTest, WritesEveryKeyAndTheTaskFolderAsAComment) {
  Config config;
  config.task.dir = "/tasks/demo";
  config.evaluator.stages = {StageConfig{}};
  config.database.features = {FeatureConfig{}};
  config.llm.models = {LlmModelConfig{}};
  config.llm.feedback.council = {CouncilMemberConfig{}};
  const std::string yaml = ConfigToYaml(config);
  EXPECT_EQ(yaml.rfind("# task folder: /tasks/demo\n", 0), 0u) << yaml;
  for (const ConfigKey& key : ConfigKeys()) {
    const std::string leaf = key.path.substr(key.path.rfind('.') + 1);
    EXPECT_NE(yaml.find(leaf + ":"), std::string::npos) << key.path << " missing in\n" << yaml;
  }
  EXPECT_NE(yaml.find("\nevaluator:\n  command: [./evaluate, \"{program}\"]\n"), std::string::npos)
      << yaml;
}

TEST(ConfigToJsonTest, HasTypedValuesAndTheTaskFolder) {
  Config config;
  config.task.dir = "/tasks/demo";
  config.run.max_wall_seconds = std::numeric_limits<double>::infinity();
  config.evaluator.stages = {{"quick", 1.5, 0}};
  const Json json = ConfigToJson(config);
  EXPECT_EQ(json["task"]["dir"], "/tasks/demo");
  EXPECT_TRUE(json["run"]["iterations"].is_number_integer());
  EXPECT_EQ(json["run"]["iterations"], 500);
  EXPECT_EQ(json["run"]["seed"], 42u);
  EXPECT_TRUE(json["run"]["max_wall_seconds"].is_null());
  EXPECT_EQ(json["evaluator"]["limits"]["memory_mb"], 4096);
  EXPECT_EQ(json["evaluator"]["stages"][0]["name"], "quick");
  EXPECT_EQ(json["evaluator"]["gpu"], false);
  EXPECT_EQ(json["evaluator"]["command"], Json::array({"./evaluate", "{program}"}));
  EXPECT_EQ(json.size(), 7u);
}

TEST(ConfigKeysTest, PathsAreUniqueAndDescribed) {
  std::set<std::string> seen;
  for (const ConfigKey& key : ConfigKeys()) {
    EXPECT_TRUE(seen.insert(key.path).second) << key.path;
    EXPECT_FALSE(key.type.empty()) << key.path;
    EXPECT_FALSE(key.default_value.empty()) << key.path;
    EXPECT_FALSE(key.doc.empty()) << key.path;
    EXPECT_EQ(key.doc.find('|'), std::string::npos) << key.path << ": '|' breaks the docs table";
    EXPECT_EQ(key.overridable, key.path.find("[]") == std::string::npos) << key.path;
  }
  EXPECT_TRUE(seen.count("evaluator.limits.cpu_seconds"));
  EXPECT_TRUE(seen.count("database.features[].bins"));
  EXPECT_FALSE(seen.count("task.dir"));         // set by the loader, not a key
  EXPECT_FALSE(seen.count("evaluator.limits"));  // a mapping, listed by its keys
}

TEST(ConfigKeysTest, DefaultsAreYamlOfTheStructDefaults) {
  std::map<std::string, ConfigKey> by_path;
  for (const ConfigKey& key : ConfigKeys()) by_path[key.path] = key;
  EXPECT_EQ(by_path["run.iterations"].default_value, "500");
  EXPECT_EQ(by_path["run.iterations"].type, "integer");
  EXPECT_EQ(by_path["evaluator.timeout_seconds"].default_value, "60");
  EXPECT_EQ(by_path["evaluator.timeout_seconds"].unit, "seconds");
  EXPECT_EQ(by_path["database.migration_rate"].default_value, "0.1");
  EXPECT_EQ(by_path["task.name"].default_value, "\"\"");
  EXPECT_EQ(by_path["evaluator.gpu"].default_value, "false");
  EXPECT_EQ(by_path["evaluator.env"].default_value, "{}");
  EXPECT_EQ(by_path["evaluator.stages"].default_value, "[]");
  EXPECT_EQ(by_path["evaluator.stages"].type, "list of mappings");
  EXPECT_EQ(by_path["evaluator.command"].type, "string or list of strings");
  EXPECT_EQ(by_path["evaluator.command"].default_value, "[./evaluate, \"{program}\"]");
}

}  // namespace
}  // namespace kevolve
