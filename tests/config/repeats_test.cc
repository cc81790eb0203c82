// evaluator.repeats: parsing, overrides and the checks that keep the repeat count usable.
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

std::string ProblemWith(const std::function<void(RepeatsConfig&, Config&)>& edit) {
  Config config = Valid();
  edit(config.evaluator.repeats, config);
  const Status status = ValidateConfig(config);
  if (status.ok()) return "(valid)";
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  return status.message();
}

TEST(RepeatsConfigTest, IsOffByDefault) {
  const Config config = Valid();
  EXPECT_EQ(config.evaluator.repeats.initial, 0);
  EXPECT_EQ(config.evaluator.repeats.max, 40);
  EXPECT_EQ(config.evaluator.repeats.target_spread, 0.02);
}

TEST(RepeatsConfigTest, ParsesAsAMappingInsideEvaluator) {
  auto config = ParseConfig(
      "evaluator:\n  command: ./evaluate {program} {repeats}\n"
      "  repeats: {initial: 5, max: 80, target_spread: 0.01}\n",
      "kevolve.yaml", "/tasks/demo");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->evaluator.repeats.initial, 5);
  EXPECT_EQ(config->evaluator.repeats.max, 80);
  EXPECT_EQ(config->evaluator.repeats.target_spread, 0.01);
  EXPECT_TRUE(ValidateConfig(*config).ok()) << ValidateConfig(*config).ToString();
  // The effective config prints it and reads back the same.
  auto back = ParseConfig(ConfigToYaml(*config), "", "/tasks/demo");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->evaluator.repeats.max, 80);
}

TEST(RepeatsConfigTest, AnUnknownKeyIsNamedWithASuggestion) {
  auto config = ParseConfig("evaluator:\n  repeats: {intial: 5}\n", "kevolve.yaml", "/t");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(
      config.status().message().find(
          "unknown key 'evaluator.repeats.intial'; did you mean 'evaluator.repeats.initial'?"),
      std::string::npos)
      << config.status().message();
}

TEST(RepeatsConfigTest, OverridesSetOneKeyOrTheSection) {
  Config config = Valid();
  ASSERT_TRUE(ApplyOverride(config, "evaluator.repeats.initial", "6").ok());
  ASSERT_TRUE(ApplyOverride(config, "evaluator.repeats", "{max: 12}").ok());
  EXPECT_EQ(config.evaluator.repeats.initial, 6);
  EXPECT_EQ(config.evaluator.repeats.max, 12);
}

TEST(RepeatsConfigTest, ChecksNameTheKeyAndTheRule) {
  EXPECT_EQ(ProblemWith([](RepeatsConfig& r, Config&) { r.initial = 5; }), "(valid)");
  EXPECT_EQ(ProblemWith([](RepeatsConfig& r, Config&) { r.initial = 2; }),
            "'evaluator.repeats.initial' must be 0 (off) or at least 3, got 2");
  EXPECT_EQ(ProblemWith([](RepeatsConfig& r, Config&) { r.initial = -1; }),
            "'evaluator.repeats.initial' must be 0 (off) or at least 3, got -1");
  EXPECT_EQ(ProblemWith([](RepeatsConfig& r, Config&) {
              r.initial = 8;
              r.max = 4;
            }),
            "'evaluator.repeats.max' must be at least 8, got 4");
  EXPECT_EQ(ProblemWith([](RepeatsConfig& r, Config&) { r.max = 10001; }),
            "'evaluator.repeats.max' must be at most 10000, got 10001");
  for (double spread : {0.0, -0.1, std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_NE(ProblemWith([&](RepeatsConfig& r, Config&) {
                r.target_spread = spread;
              }).find("'evaluator.repeats.target_spread' must be a finite number > 0"),
              std::string::npos)
        << spread;
  }
}

TEST(RepeatsConfigTest, ThePlaceholderNeedsRepeatsOn) {
  auto with_placeholder = [](RepeatsConfig& r, Config& c) {
    c.evaluator.command = {"./evaluate", "{program}", "--runs={repeats}"};
    (void)r;
  };
  EXPECT_EQ(ProblemWith(with_placeholder),
            "'evaluator.command' uses {repeats} but evaluator.repeats is off (initial: 0); set "
            "evaluator.repeats.initial to 3 or more");
  EXPECT_EQ(ProblemWith([&](RepeatsConfig& r, Config& c) {
              with_placeholder(r, c);
              r.initial = 3;
            }),
            "(valid)");
}

}  // namespace
}  // namespace kevolve
