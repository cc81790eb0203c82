#include "engine/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "config/load.h"
#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "store/store.h"
#include "testing/fake_backend.h"

namespace kevolve::engine {
namespace {

// The program: two tunable constants; the score peaks at a = 7, b = 0.5.
constexpr const char* kInitial =
    "#include <cstdio>\n"
    "// EVOLVE-BLOCK-START\n"
    "double a = 1.0;\n"
    "double b = 2.0;\n"
    "// EVOLVE-BLOCK-END\n"
    "int main() { std::printf(\"%g\", a + b); }\n";

// Reads "double a = X;" and "double b = Y;" back; a program without them is invalid.
EvalResult Score(const std::string& code) {
  EvalResult r;
  std::smatch ma, mb;
  static const std::regex ra(R"(double a = ([-0-9.eE+]+);)"), rb(R"(double b = ([-0-9.eE+]+);)");
  if (!std::regex_search(code, ma, ra) || !std::regex_search(code, mb, rb)) {
    r.valid = false;
    r.failure = Failure::kInvalid;
    r.reason = "constants missing";
    return r;
  }
  const double a = std::stod(ma[1]), b = std::stod(mb[1]);
  r.valid = std::isfinite(a) && std::isfinite(b);
  r.failure = r.valid ? Failure::kNone : Failure::kInvalid;
  r.combined_score = -(a - 7) * (a - 7) - (b - 0.5) * (b - 0.5);
  r.metrics["a"] = a;
  r.features["a"] = a;
  return r;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A fresh folder per run of the test: several builds may run these tests at once.
    auto dir = MakeTempDir(::testing::TempDir(),
                           std::string("engine_test_") +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                               "-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
    ASSERT_TRUE(MakeDirs(root_ + "/task").ok());
    ASSERT_TRUE(WriteFileAtomic(root_ + "/task/initial_program.cc", kInitial).ok());
    auto cfg = ParseConfig("run: {iterations: 60, output_dir: " + root_ + "/runs}\n"
                           "database: {islands: 2, migration_interval: 10}\n",
                           "test.yaml", root_ + "/task");
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    config_ = *cfg;
  }

  void TearDown() override { (void)RemoveTree(root_); }

  EngineEnv Env(testing::FakeBackend::ScoreFn score = Score) {
    EngineEnv env;
    env.make_backend = [this, score](const Config&, const RunPaths&)
        -> Result<std::unique_ptr<EvalBackend>> {
      auto backend = std::make_unique<testing::FakeBackend>(score, 2);
      backend_ = backend.get();
      return std::unique_ptr<EvalBackend>(std::move(backend));
    };
    env.make_proposer = [](const Config& c) { return MakeMutatorProposer(c.mutator); };
    return env;
  }

  std::unique_ptr<Engine> StartEngine(EngineEnv env) {
    auto engine = Engine::Start(config_, std::move(env));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  std::string root_;
  Config config_;
  testing::FakeBackend* backend_ = nullptr;
  std::atomic<bool> no_stop_{false};
};

TEST_F(EngineTest, RunsToTheTargetAndImprovesOnTheInitialProgram) {
  auto engine = StartEngine(Env());
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Run(no_stop_).ok());
  Progress p = engine->progress();
  EXPECT_EQ(p.evaluations, 60);
  EXPECT_GT(p.best_score, Score(kInitial).combined_score);

  auto store = Store::Open(engine->paths().db());
  ASSERT_TRUE(store.ok());
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  EXPECT_EQ(programs->size(), 61u);  // the initial program plus 60 evaluations
  auto best = ReadFile(engine->paths().best(config_.task.initial_program));
  ASSERT_TRUE(best.ok());
  EXPECT_DOUBLE_EQ(Score(*best).combined_score, p.best_score);
}

TEST_F(EngineTest, NeverEvaluatesTheSameCodeTwice) {
  auto engine = StartEngine(Env());
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Run(no_stop_).ok());
  std::set<std::string> hashes;
  for (const auto& code : backend_->submitted_codes) {
    EXPECT_TRUE(hashes.insert(CodeHash(code)).second) << "evaluated twice:\n" << code;
  }
}

TEST_F(EngineTest, EventsRecordEveryProgramAndTheRunEnd) {
  auto engine = StartEngine(Env());
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Run(no_stop_).ok());
  auto text = ReadFile(engine->paths().events());
  ASSERT_TRUE(text.ok());
  int programs = 0, ends = 0;
  for (const auto& line : SplitLines(*text)) {
    auto j = ParseJson(line);
    ASSERT_TRUE(j.ok()) << line;
    programs += (*j)["type"] == "program";
    ends += (*j)["type"] == "run_end";
  }
  EXPECT_EQ(programs, 61);
  EXPECT_EQ(ends, 1);
}

TEST_F(EngineTest, InvalidInitialProgramStopsWithAnExplanation) {
  auto engine = StartEngine(Env([](const std::string&) {
    EvalResult r;
    r.failure = Failure::kCrash;
    r.reason = "killed by SIGSEGV";
    return r;
  }));
  ASSERT_TRUE(engine);
  Status s = engine->Run(no_stop_);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("killed by SIGSEGV"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("kevolve eval"), std::string::npos) << s.message();
}

TEST_F(EngineTest, ResumeContinuesFromTheCommittedStateToTheNewTarget) {
  config_.run.iterations = 25;
  RunPaths paths;
  std::map<std::string, std::string> state_after_first;
  {
    auto engine = StartEngine(Env());
    ASSERT_TRUE(engine);
    ASSERT_TRUE(engine->Run(no_stop_).ok());
    paths = engine->paths();
  }
  {
    auto store = Store::Open(paths.db());
    ASSERT_TRUE(store.ok());
    state_after_first = *(*store)->LoadState();
  }
  auto resumed = Engine::Resume(paths, Env(), /*iterations=*/50);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ((*resumed)->progress().evaluations, 25);
  const double best_before = (*resumed)->progress().best_score;
  ASSERT_TRUE((*resumed)->Run(no_stop_).ok());
  EXPECT_EQ((*resumed)->progress().evaluations, 50);
  EXPECT_GE((*resumed)->progress().best_score, best_before);
  // The resumed controller drew its first proposal from the stored random state: the first
  // program it submitted is the one an uninterrupted controller would have proposed next.
  auto store = Store::Open(paths.db());
  ASSERT_TRUE(store.ok());
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  ASSERT_EQ(programs->size(), 51u);
  for (size_t i = 0; i < programs->size(); ++i) EXPECT_EQ((*programs)[i].id, int64_t(i + 1));
  EXPECT_NE(state_after_first.at("rng"), (*(*store)->LoadState()).at("rng"));
}

TEST_F(EngineTest, StopRequestEndsTheRunCleanlyAndResumably) {
  std::atomic<bool> stop{false};
  int calls = 0;
  auto engine = StartEngine(Env([&](const std::string& code) {
    if (++calls == 10) stop.store(true);
    return Score(code);
  }));
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Run(stop).ok());
  EXPECT_LT(engine->progress().evaluations, 60);
  auto resumed = Engine::Resume(engine->paths(), Env());
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  ASSERT_TRUE((*resumed)->Run(no_stop_).ok());
  EXPECT_EQ((*resumed)->progress().evaluations, 60);
}

TEST_F(EngineTest, RandomStrategyAlwaysMutatesTheInitialProgram) {
  config_.run.strategy = Strategy::kRandom;
  config_.database.islands = 1;
  auto engine = StartEngine(Env());
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Run(no_stop_).ok());
  auto store = Store::Open(engine->paths().db());
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  for (const auto& p : *programs) {
    if (p.origin != "initial") {
      EXPECT_EQ(p.parent_id, 1) << p.id;
    }
  }
}

TEST_F(EngineTest, HillClimbAlwaysMutatesTheBestSoFar) {
  config_.run.strategy = Strategy::kHillClimb;
  config_.database.islands = 4;  // the engine gives a baseline one island, whatever is asked
  auto engine = StartEngine(Env());
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->config().database.islands, 1);
  ASSERT_TRUE(engine->Run(no_stop_).ok());
  auto store = Store::Open(engine->paths().db());
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  // With evaluations finishing in submission order and two in flight, a parent is the best
  // program committed at proposal time: never worse than the best two commits earlier.
  double best = -INFINITY;
  std::vector<double> best_after;
  for (const auto& p : *programs) {
    if (p.result.valid) best = std::max(best, p.result.combined_score);
    best_after.push_back(best);
  }
  for (const auto& p : *programs) {
    if (p.origin == "initial") continue;
    const auto& parent = (*programs)[p.parent_id - 1];
    const size_t lag = std::min<size_t>(p.id - 1, 3);
    EXPECT_GE(parent.result.combined_score, best_after[p.id - 1 - lag]) << "program " << p.id;
  }
}

// The (1+1) EA's acceptance rule: a child that ties the best becomes the parent of what follows,
// so the climber walks a plateau instead of mutating the first program that reached it. Here b
// does not count and a only in whole steps, so most mutations tie.
TEST_F(EngineTest, HillClimbMovesOnToAChildThatTiesTheBest) {
  config_.run.strategy = Strategy::kHillClimb;
  config_.database.islands = 1;
  auto plateaus = [](const std::string& code) {
    EvalResult r = Score(code);
    if (r.valid) r.combined_score = -std::floor(std::fabs(r.metrics.at("a") - 7));
    return r;
  };
  auto engine = StartEngine(Env(plateaus));
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Run(no_stop_).ok());
  auto store = Store::Open(engine->paths().db());
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  // The first program to reach each score, and the best score committed before each program.
  std::map<double, int64_t> first_at;
  double best = -INFINITY;
  std::vector<double> best_after;
  for (const auto& p : *programs) {
    if (p.result.valid) {
      first_at.emplace(p.result.combined_score, p.id);
      best = std::max(best, p.result.combined_score);
    }
    best_after.push_back(best);
  }
  int from_a_later_tie = 0;
  for (const auto& p : *programs) {
    if (p.origin == "initial") continue;
    const auto& parent = (*programs)[p.parent_id - 1];
    ASSERT_TRUE(parent.result.valid) << "program " << p.id;
    // Never a step down: the parent ties or beats the best of two commits earlier.
    const size_t lag = std::min<size_t>(p.id - 1, 3);
    EXPECT_GE(parent.result.combined_score, best_after[p.id - 1 - lag]) << "program " << p.id;
    if (parent.id != first_at.at(parent.result.combined_score)) ++from_a_later_tie;
  }
  EXPECT_GT(from_a_later_tie, 0) << "every parent was the first program at its score";
}

}  // namespace
}  // namespace kevolve::engine
