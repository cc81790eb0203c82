// Noise-aware selection with real evaluator processes and a real run.db: the task in
// tests/e2e/tasks/noisy measures a program's `quality` with seeded Gaussian noise and reports
// the measurements as score_samples. A scripted proposer sets `quality` and `variant` (a
// variant changes only the noise draw), so each test knows which candidates are truly better.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "config/load.h"
#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "engine/engine.h"
#include "engine/noise.h"
#include "eval/protocol.h"
#include "store/store.h"

namespace kevolve::engine {
namespace {

const std::string kNoisyTask = std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/noisy";

struct Target {
  double quality = 1.0;
  int variant = 0;
};

// The line of `code` that starts with `prefix`, with its newline.
std::string LineStarting(const std::string& code, const std::string& prefix) {
  const size_t at = code.find("\n" + prefix);
  if (at == std::string::npos) return "";
  const size_t end = code.find('\n', at + 1);
  return code.substr(at + 1, end - at);
}

// Proposes the targets in order: each edit sets the parent's quality and variant lines.
class ScriptedProposer final : public ImmediateProposer {
 public:
  explicit ScriptedProposer(std::vector<Target> targets)
      : targets_(targets.begin(), targets.end()) {}

 private:
  ProposalDone Answer(const ProposalRequest& request) override {
    ProposalDone done;
    if (targets_.empty()) {
      done.status = Status::Unavailable("no more targets");
    } else {
      const Target t = targets_.front();
      targets_.pop_front();
      const std::string search = LineStarting(request.parent.code, "quality = ") +
                                 LineStarting(request.parent.code, "variant = ");
      char replace[128];
      std::snprintf(replace, sizeof replace, "quality = %g\nvariant = %d\n", t.quality, t.variant);
      done.proposal.edit =
          "<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n";
      done.proposal.origin = "mutator:scripted";
    }
    return done;
  }

  std::deque<Target> targets_;
};

std::vector<Target> NoiseOnly(int variants) {
  std::vector<Target> targets;
  for (int v = 1; v <= variants; ++v) targets.push_back({1.0, v});
  return targets;
}

class NoiseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir =
        MakeTempDir(::testing::TempDir(),
                    std::string("noise_test_") +
                        ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
    auto config = LoadTaskConfig(kNoisyTask);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    config_ = *config;
    config_.run.output_dir = root_ + "/runs";
    config_.evaluator.sandbox = SandboxSetting::kProcess;
  }
  void TearDown() override { (void)RemoveTree(root_); }

  static EngineEnv Env(std::vector<Target> targets) {
    EngineEnv env = DefaultEngineEnv();
    env.make_proposer = [targets](const Config&) -> std::unique_ptr<Proposer> {
      return std::make_unique<ScriptedProposer>(targets);
    };
    return env;
  }

  // Starts a run of the targets and runs it to its end.
  RunPaths RunTargets(std::vector<Target> targets) {
    config_.run.iterations = static_cast<int64_t>(targets.size());
    EXPECT_TRUE(ValidateConfig(config_).ok()) << ValidateConfig(config_).ToString();
    auto engine = Engine::Start(config_, Env(std::move(targets)));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (!engine.ok()) return {};
    const Status run = (*engine)->Run(no_stop_);
    EXPECT_TRUE(run.ok()) << run.ToString();
    return (*engine)->paths();
  }

  static std::vector<Program> Programs(const RunPaths& paths) {
    auto store = Store::Open(paths.db(), Store::Mode::kReadOnly);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    auto programs = (*store)->LoadPrograms();
    EXPECT_TRUE(programs.ok()) << programs.status().ToString();
    return programs.ok() ? *programs : std::vector<Program>{};
  }

  static int64_t SummaryBest(const RunPaths& paths) {
    auto store = Store::Open(paths.db(), Store::Mode::kReadOnly);
    EXPECT_TRUE(store.ok());
    auto summary = (*store)->Summarize();
    EXPECT_TRUE(summary.ok());
    return summary.ok() && summary->best_id ? *summary->best_id : 0;
  }

  // The events of `type`, in order.
  static std::vector<Json> Events(const RunPaths& paths, const std::string& type) {
    std::vector<Json> events;
    auto text = ReadFile(paths.events());
    EXPECT_TRUE(text.ok());
    for (const std::string& line : SplitLines(text.ok() ? *text : "")) {
      auto j = ParseJson(line);
      if (j.ok() && (*j)["type"] == type) events.push_back(*j);
    }
    return events;
  }

  static std::vector<double> RepeatsSeen(const std::vector<Program>& programs, const char* metric) {
    std::vector<double> seen;
    for (const Program& p : programs) seen.push_back(p.result.metrics.at(metric));
    return seen;
  }

  std::string root_;
  Config config_;
  std::atomic<bool> no_stop_{false};
};

TEST_F(NoiseTest, AnImprovementWithinTheNoiseDoesNotBecomeTheBestEvenAfterAResume) {
  config_.evaluator.repeats = {5, 5, 0.02};  // a fixed count: this test is about selection
  const RunPaths paths = RunTargets(NoiseOnly(12));
  const std::vector<Program> programs = Programs(paths);
  ASSERT_EQ(programs.size(), 13u);
  const Program& initial = programs[0];
  ASSERT_EQ(eval::ScoreSamples(initial.result).size(), 5u);

  // The premise: some candidates of equal quality measured a higher median than the initial
  // program, only by noise. Without noise-aware selection the highest would be the best.
  std::vector<int64_t> luckier;
  for (const Program& p : programs) {
    if (p.result.combined_score > initial.result.combined_score) luckier.push_back(p.id);
  }
  ASSERT_FALSE(luckier.empty()) << "no candidate measured above the initial program";

  EXPECT_EQ(SummaryBest(paths), initial.id);
  auto best_file = ReadFile(paths.best(config_.task.initial_program));
  ASSERT_TRUE(best_file.ok());
  EXPECT_EQ(*best_file, initial.code);
  const std::vector<Json> new_bests = Events(paths, "new_best");
  ASSERT_EQ(new_bests.size(), 1u);
  EXPECT_EQ(new_bests[0]["id"], initial.id);

  // Each of them was tested against the best, held back, and told why.
  std::map<int64_t, Json> best_tests;
  for (const Json& e : Events(paths, "promotion")) {
    if (e["role"] == "best") best_tests[e["id"].get<int64_t>()] = e;
  }
  for (int64_t id : luckier) {
    ASSERT_TRUE(best_tests.count(id)) << "program " << id << " has no promotion event";
    const Json& e = best_tests[id];
    EXPECT_EQ(e["incumbent"], initial.id);
    EXPECT_EQ(e["promoted"], false);
    const std::string why = e["why"].get<std::string>();
    EXPECT_TRUE(why.find("within the") != std::string::npos ||
                why.find("not consistently") != std::string::npos)
        << why;
  }

  // A resume rebuilds the population by replaying run.db: the same decisions.
  auto resumed = Engine::Resume(paths, Env({{1.5, 0}}), /*iterations=*/13);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ((*resumed)->progress().best_id, initial.id);

  // A truly better program (50% above; the noise is 5% a run) takes the place.
  ASSERT_TRUE((*resumed)->Run(no_stop_).ok());
  const std::vector<Program> after = Programs(paths);
  ASSERT_EQ(after.size(), 14u);
  const Program& better = after.back();
  EXPECT_EQ(better.result.metrics.at("quality"), 1.5);
  EXPECT_EQ((*resumed)->progress().best_id, better.id);
  EXPECT_EQ(SummaryBest(paths), better.id);
  const std::vector<Json> promoted = Events(paths, "promotion");
  ASSERT_FALSE(promoted.empty());
  EXPECT_EQ(promoted.back()["id"], better.id);
  EXPECT_EQ(promoted.back()["promoted"], true)
      << promoted.back().dump() << "\n"
      << DumpJson(Json(eval::ScoreSamples(better.result))) << "\n"
      << DumpJson(Json(eval::ScoreSamples(initial.result)));
  EXPECT_NE(promoted.back()["why"].get<std::string>().find("beyond the"), std::string::npos);
}

TEST_F(NoiseTest, WithoutSamplesTheHigherScoreWinsAsBefore) {
  // The control for the test above: the same candidates, measured the same way, but reported
  // without their samples, so selection ranks by combined_score alone.
  config_.evaluator.repeats = {5, 5, 0.02};
  config_.evaluator.env["SAMPLES"] = "0";
  const RunPaths paths = RunTargets(NoiseOnly(12));
  const std::vector<Program> programs = Programs(paths);
  ASSERT_EQ(programs.size(), 13u);
  const Program* highest = &programs[0];
  for (const Program& p : programs) {
    EXPECT_TRUE(eval::ScoreSamples(p.result).empty());
    if (p.result.combined_score > highest->result.combined_score) highest = &p;
  }
  EXPECT_NE(highest->id, programs[0].id);
  EXPECT_EQ(SummaryBest(paths), highest->id);
  EXPECT_TRUE(Events(paths, "promotion").empty());
}

TEST_F(NoiseTest, TheRepeatCountDoublesWhileTheSpreadIsWideAndTheEvaluatorSeesIt) {
  // NOISE 0.05: (p90 - p10) / median is about 0.13, far above the 0.02 target.
  const RunPaths paths = RunTargets(NoiseOnly(5));
  const std::vector<Program> programs = Programs(paths);
  ASSERT_EQ(programs.size(), 6u);
  // The initial program runs alone with 3 and doubles the count. Then two evaluations are in
  // flight at a time (the slot and one queued), so each count is used twice: a result doubles
  // the count it ran with, not the count of the moment. evaluator.repeats.max is 24.
  const std::vector<double> expected = {3, 6, 6, 12, 12, 24};
  EXPECT_EQ(RepeatsSeen(programs, "repeats"), expected) << "KEVOLVE_REPEATS";
  EXPECT_EQ(RepeatsSeen(programs, "repeats_arg"), expected) << "{repeats}";
  for (const Program& p : programs) {
    EXPECT_EQ(eval::ScoreSamples(p.result).size(), p.result.metrics.at("repeats")) << p.id;
  }
  const std::vector<Json> changes = Events(paths, "repeats");
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0]["from"], 3);
  EXPECT_EQ(changes[0]["to"], 6);
  EXPECT_GT(changes[0]["relative_spread"].get<double>(), 0.02);
}

TEST_F(NoiseTest, AQuietMeasurementKeepsTheRepeatCount) {
  config_.evaluator.env["NOISE"] = "0.001";  // spread about 0.003, under the 0.02 target
  const RunPaths paths = RunTargets(NoiseOnly(4));
  const std::vector<Program> programs = Programs(paths);
  ASSERT_EQ(programs.size(), 5u);
  EXPECT_EQ(RepeatsSeen(programs, "repeats"), (std::vector<double>{3, 3, 3, 3, 3}));
  EXPECT_TRUE(Events(paths, "repeats").empty());
}

TEST_F(NoiseTest, AResumedRunGoesOnWithItsRepeatCount) {
  config_.evaluator.repeats.max = 96;
  const RunPaths paths = RunTargets(NoiseOnly(2));
  {
    auto store = Store::Open(paths.db(), Store::Mode::kReadOnly);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->LoadState()->at("repeats"), "12");
  }
  auto resumed = Engine::Resume(paths, Env({{1.0, 3}}), /*iterations=*/3);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  ASSERT_TRUE((*resumed)->Run(no_stop_).ok());
  const std::vector<Program> programs = Programs(paths);
  ASSERT_EQ(programs.size(), 4u);
  EXPECT_EQ(RepeatsSeen(programs, "repeats"), (std::vector<double>{3, 6, 6, 12}));
}

TEST_F(NoiseTest, RepeatsOffGivesTheEvaluatorNoCount) {
  config_.evaluator.repeats.initial = 0;
  config_.evaluator.command = {"./evaluate", "{program}"};
  const RunPaths paths = RunTargets(NoiseOnly(2));
  const std::vector<Program> programs = Programs(paths);
  ASSERT_EQ(programs.size(), 3u);
  // The evaluator's own default (5 when KEVOLVE_REPEATS is unset), and no adaptation.
  EXPECT_EQ(RepeatsSeen(programs, "repeats"), (std::vector<double>{5, 5, 5}));
  EXPECT_TRUE(Events(paths, "repeats").empty());
}

// The rule itself: a program measured too few times cannot displace one measured often enough,
// whatever its score; with no samples on either side the rule has nothing to test.
TEST(NoiseAwarePromotionTest, TooFewSamplesNeverDisplaceAWellMeasuredIncumbent) {
  Program incumbent, challenger;
  incumbent.result.valid = challenger.result.valid = true;
  incumbent.result.combined_score = 1.0;
  challenger.result.combined_score = 5.0;
  incumbent.result.artifacts[eval::kScoreSamplesKey] = "[1.0, 1.01, 0.99, 1.0, 1.02]";
  Promotion p = NoiseAwarePromotion(challenger, incumbent);
  EXPECT_FALSE(p.allowed);
  EXPECT_NE(p.why.find("too few runs"), std::string::npos) << p.why;
  challenger.result.artifacts[eval::kScoreSamplesKey] = "[5.0]";
  EXPECT_FALSE(NoiseAwarePromotion(challenger, incumbent).allowed);
  challenger.result.artifacts[eval::kScoreSamplesKey] = "[5.0, 5.1, 4.9, 5.0, 5.05]";
  EXPECT_TRUE(NoiseAwarePromotion(challenger, incumbent).allowed);
  incumbent.result.artifacts.clear();
  challenger.result.artifacts.clear();
  p = NoiseAwarePromotion(challenger, incumbent);
  EXPECT_TRUE(p.allowed);
  EXPECT_TRUE(p.why.empty()) << p.why;
}

}  // namespace
}  // namespace kevolve::engine
