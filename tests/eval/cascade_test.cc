// Cascade stages and the evaluator's config checks.
#include <gtest/gtest.h>

#include "core/text.h"
#include "eval/eval_test_util.h"
#include "eval/evaluator.h"

namespace kevolve::eval {
namespace {

using testing::HostileConfig;
using testing::HostileDir;
using testing::TempDir;

class CascadeTest : public ::testing::Test {
 protected:
  // Stage k answers with the k-th word of the program as its score ("crash" fails).
  EvalResult Evaluate(const std::string& words) {
    EvaluatorConfig config = HostileConfig({"./stages.sh", "{program}", "{stage}"});
    config.stages = {{"cheap", 0.5, 0}, {"medium", 0.8, 0}, {"full", 100, 0}};
    auto evaluator = Evaluator::Create(config, EvaluatorOptions{HostileDir(), scratch_.path()});
    EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
    if (!evaluator.ok()) return {};
    return (*evaluator)->Evaluate(words, 1, 0);
  }
  TempDir scratch_;
};

TEST_F(CascadeTest, AllStagesPassedGiveTheLastScoreAndAllMetrics) {
  const EvalResult r = Evaluate("0.6 0.9 3.5");
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.failure, Failure::kNone);
  EXPECT_EQ(r.stages_run, 3);
  EXPECT_DOUBLE_EQ(r.combined_score, 3.5);  // the last stage's threshold is never used
  EXPECT_EQ(r.metrics.at("m1"), 0.6);
  EXPECT_EQ(r.metrics.at("m2"), 0.9);
  EXPECT_EQ(r.metrics.at("m3"), 3.5);
  EXPECT_EQ(r.metrics.at("last"), 3);  // later stages win on a shared key
  EXPECT_EQ(r.artifacts.at("feedback"), "stage 3 done");
}

TEST_F(CascadeTest, BelowAThresholdStopsWithAValidResult) {
  const EvalResult r = Evaluate("0.6 0.7 3.5");
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.failure, Failure::kStageThreshold);
  EXPECT_EQ(r.stages_run, 2);
  EXPECT_DOUBLE_EQ(r.combined_score, 0.7);
  EXPECT_EQ(r.reason, "stage 2 (medium): scored 0.7, below its threshold 0.8; later stages did not run");
  EXPECT_EQ(r.metrics.count("m3"), 0u);
}

TEST_F(CascadeTest, TheThresholdItselfPasses) {
  const EvalResult r = Evaluate("0.5 0.8 1");
  EXPECT_EQ(r.failure, Failure::kNone);
  EXPECT_EQ(r.stages_run, 3);
}

TEST_F(CascadeTest, AFailingLaterStageMakesTheProgramInvalid) {
  const EvalResult r = Evaluate("0.6 crash 1");
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kExitCode);
  EXPECT_EQ(r.stages_run, 2);
  EXPECT_EQ(r.reason, "stage 2 (medium): exited with code 1: stage 2 crashed");
  EXPECT_EQ(r.metrics.at("m1"), 0.6);  // what earlier stages measured is kept
  EXPECT_EQ(r.combined_score, 0);
}

TEST_F(CascadeTest, StageTimeoutsOverrideTheEvaluatorTimeout) {
  EvaluatorConfig config = HostileConfig({"./answer.sh", "{program}"});
  config.timeout_seconds = 30;
  config.stages = {{"quick", 0, 0.5}};
  auto evaluator = Evaluator::Create(config, EvaluatorOptions{HostileDir(), scratch_.path()});
  ASSERT_TRUE(evaluator.ok());
  const EvalResult r = (*evaluator)->Evaluate("5", 1, 0);
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_TRUE(StartsWith(r.reason, "no result within 0.5 s")) << r.reason;
}

struct ConfigCase {
  const char* name;
  void (*edit)(EvaluatorConfig&);
  StatusCode code;
  const char* message_part;
};

void PrintTo(const ConfigCase& c, std::ostream* os) { *os << c.name; }

class EvaluatorConfigTest : public ::testing::TestWithParam<ConfigCase> {};

TEST_P(EvaluatorConfigTest, IsRejectedAtCreate) {
  TempDir scratch;
  EvaluatorConfig config = HostileConfig({"./loop.sh"});
  GetParam().edit(config);
  auto e = Evaluator::Create(config, EvaluatorOptions{HostileDir(), scratch.path()});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), GetParam().code) << e.status().ToString();
  EXPECT_NE(e.status().message().find(GetParam().message_part), std::string::npos)
      << e.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EvaluatorConfigTest,
    ::testing::Values(
        // The preconditions Create cannot run without (the user's config meets
        // ValidateConfig's wording first: tests/config).
        ConfigCase{"EmptyCommand", [](EvaluatorConfig& c) { c.command.clear(); },
                   StatusCode::kInvalidArgument, "precondition violated: no command"},
        ConfigCase{"MissingCommand", [](EvaluatorConfig& c) { c.command = {"./nope.sh"}; },
                   StatusCode::kNotFound, "does not exist"},
        ConfigCase{"CommandNotOnPath",
                   [](EvaluatorConfig& c) { c.command = {"no-such-evaluator-anywhere"}; },
                   StatusCode::kNotFound, "was not found on PATH"},
        ConfigCase{"ZeroTimeout", [](EvaluatorConfig& c) { c.timeout_seconds = 0; },
                   StatusCode::kInvalidArgument, "precondition violated: timeout_seconds"},
        ConfigCase{"ProgramFilenameWithFolder",
                   [](EvaluatorConfig& c) { c.program_filename = "../x.cc"; },
                   StatusCode::kInvalidArgument, "program_filename '../x.cc' is not a plain name"},
        ConfigCase{"ExclusiveStageWithoutDevices",
                   [](EvaluatorConfig& c) { c.stages = {{"time", 0, 0, "exclusive"}}; },
                   StatusCode::kInvalidArgument, "an exclusive stage without evaluator.devices"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(EvaluatorCreateTest, AMissingTaskFolderIsNotFound) {
  TempDir scratch;
  auto e = Evaluator::Create(HostileConfig({"/bin/true"}),
                             EvaluatorOptions{"/nonexistent/task", scratch.path()});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
}

TEST(EvaluatorCreateTest, TheCommandResolvesAgainstTheTaskFolder) {
  TempDir scratch;
  auto e = Evaluator::Create(HostileConfig({"./stages.sh", "{program}", "--stage={stage}"}),
                             EvaluatorOptions{HostileDir(), scratch.path()});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->Command(2, "/w", 7),
            (std::vector<std::string>{HostileDir() + "/stages.sh", "/w/program.cc", "--stage=2"}));
  auto bare = Evaluator::Create(HostileConfig({"bash", "{task}/x", "{seed}{seed}", "{other"}),
                                EvaluatorOptions{HostileDir(), scratch.path()});
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ((*bare)->Command(1, "/w", 7),
            (std::vector<std::string>{"bash", HostileDir() + "/x", "77", "{other"}));
}

}  // namespace
}  // namespace kevolve::eval
