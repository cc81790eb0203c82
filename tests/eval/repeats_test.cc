// The repeat count an evaluator is given ({repeats}, KEVOLVE_REPEATS) and which stage's score
// samples a cascade keeps: real evaluator processes under the sandbox.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/files.h"
#include "eval/eval_test_util.h"
#include "eval/evaluator.h"
#include "eval/protocol.h"

namespace kevolve::eval {
namespace {

using testing::HostileConfig;
using testing::TempDir;

// Answers with the count it was given both ways, and the program's words (one per stage) as
// score samples: stage k takes word k, "-" for none; the score is the first sample (or 1).
constexpr const char* kScript = R"(#!/bin/bash
words=($(cat "$1"))
samples="${words[$(($2 - 1))]}"
score=1
if [ "$samples" != "-" ]; then score="${samples%%,*}"; samples="\"score_samples\":[$samples],"; else samples=""; fi
is_set=0; [ -n "${KEVOLVE_REPEATS+x}" ] && is_set=1
echo "{\"protocol\":1,\"valid\":true,\"combined_score\":$score,$samples\"metrics\":{\"arg\":${3:-0},\"env\":${KEVOLVE_REPEATS:-0},\"env_set\":$is_set}}"
)";

class RepeatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(task_.Sub("task")).ok());
    ASSERT_TRUE(WriteFileAtomic(task_.Sub("task/evaluate"), kScript).ok());
    chmod(task_.Sub("task").c_str(), 0755);
    chmod(task_.Sub("task/evaluate").c_str(), 0755);
  }

  Result<std::unique_ptr<Evaluator>> Make(std::vector<std::string> command, int initial,
                                          std::vector<StageConfig> stages = {}) {
    EvaluatorConfig config = HostileConfig(std::move(command));
    config.repeats.initial = initial;
    config.stages = std::move(stages);
    return Evaluator::Create(config, EvaluatorOptions{task_.Sub("task"), scratch_.path()});
  }

  static std::string Env(const std::vector<std::string>& env, const std::string& name) {
    for (const std::string& entry : env) {
      if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
    }
    return "<unset>";
  }

  TempDir task_;
  TempDir scratch_;
};

TEST_F(RepeatsTest, TheCountIsAPlaceholderAndAnEnvironmentVariable) {
  auto evaluator = Make({"./evaluate", "{program}", "{stage}", "{repeats}"}, 5);
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  EXPECT_EQ((*evaluator)->Command(1, "/w", 7, 12).back(), "12");
  EXPECT_EQ(Env((*evaluator)->Environment(1, "/w", 7, 0, 12), "KEVOLVE_REPEATS"), "12");
  // 0 = evaluator.repeats.initial
  EXPECT_EQ((*evaluator)->Command(1, "/w", 7).back(), "5");
  EXPECT_EQ(Env((*evaluator)->Environment(1, "/w", 7, 0), "KEVOLVE_REPEATS"), "5");

  const EvalResult r = (*evaluator)->Evaluate("-", 7, 0, nullptr, 9);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.metrics.at("arg"), 9);
  EXPECT_EQ(r.metrics.at("env"), 9);
  const EvalResult initial = (*evaluator)->Evaluate("-", 7, 0);
  ASSERT_TRUE(initial.valid) << initial.reason;
  EXPECT_EQ(initial.metrics.at("arg"), 5);
  EXPECT_EQ(initial.metrics.at("env"), 5);
}

// A command with {repeats} while repeats are off, or a misspelled placeholder, is the config's
// to refuse (tests/config: repeats_test, validate_test), before an evaluator exists.
TEST_F(RepeatsTest, OffMeansNoVariable) {
  auto evaluator = Make({"./evaluate", "{program}", "{stage}"}, 0);
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  EXPECT_EQ(Env((*evaluator)->Environment(1, "/w", 7, 0), "KEVOLVE_REPEATS"), "<unset>");
  const EvalResult r = (*evaluator)->Evaluate("-", 7, 0);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.metrics.at("env_set"), 0);
}

TEST_F(RepeatsTest, ACascadeKeepsTheSamplesOfTheScoreThatStands) {
  const std::vector<StageConfig> stages = {{"quick", 0.5, 0}, {"full", 0, 0}};
  auto evaluator = Make({"./evaluate", "{program}", "{stage}"}, 0, stages);
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();

  // Both stages measured: the last stage's samples go with the last stage's score.
  const EvalResult both = (*evaluator)->Evaluate("0.9,0.8,1.0 2,2.5,1.5", 7, 0);
  ASSERT_TRUE(both.valid) << both.reason;
  EXPECT_DOUBLE_EQ(both.combined_score, 2);
  EXPECT_EQ(ScoreSamples(both), (std::vector<double>{2, 2.5, 1.5}));

  // The last stage measured once: the first stage's samples were of another score.
  const EvalResult last_without = (*evaluator)->Evaluate("0.9,0.8,1.0 -", 7, 0);
  ASSERT_TRUE(last_without.valid) << last_without.reason;
  EXPECT_DOUBLE_EQ(last_without.combined_score, 1);
  EXPECT_TRUE(ScoreSamples(last_without).empty());

  // Stopped by the threshold: the first stage's score stands, and its samples with it.
  const EvalResult stopped = (*evaluator)->Evaluate("0.3,0.2,0.4 2,2,2", 7, 0);
  EXPECT_EQ(stopped.failure, Failure::kStageThreshold);
  EXPECT_DOUBLE_EQ(stopped.combined_score, 0.3);
  EXPECT_EQ(ScoreSamples(stopped), (std::vector<double>{0.3, 0.2, 0.4}));
}

}  // namespace
}  // namespace kevolve::eval
