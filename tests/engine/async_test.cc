// The controller with an asynchronous proposer: order-independence with one evaluator slot,
// repair prompts after rejected edits, prompt context for LLM proposals, and the feedback score.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <regex>

#include "config/load.h"
#include "core/files.h"
#include "core/random.h"
#include "engine/engine.h"
#include "mutate/mutate.h"
#include "store/store.h"
#include "testing/fake_backend.h"

namespace kevolve::engine {
namespace {

constexpr const char* kInitial =
    "// EVOLVE-BLOCK-START\n"
    "double a = 1.0;\n"
    "double b = 2.0;\n"
    "// EVOLVE-BLOCK-END\n";

EvalResult Score(const std::string& code) {
  EvalResult r;
  std::smatch ma, mb;
  static const std::regex ra(R"(double a = ([-0-9.eE+]+);)"), rb(R"(double b = ([-0-9.eE+]+);)");
  if (!std::regex_search(code, ma, ra) || !std::regex_search(code, mb, rb)) {
    r.failure = Failure::kInvalid;
    r.reason = "constants missing";
    return r;
  }
  const double a = std::stod(ma[1]), b = std::stod(mb[1]);
  r.valid = std::isfinite(a) && std::isfinite(b);
  r.failure = r.valid ? Failure::kNone : Failure::kInvalid;
  r.combined_score = -(a - 7) * (a - 7) - (b - 0.5) * (b - 0.5);
  r.metrics["a"] = a;
  r.hidden_metrics["secret"] = 1;
  return r;
}

// A proposer whose proposals come back in a scrambled order: it holds up to `hold` of them and
// releases a random one, as concurrent LLM calls of varying latency would. Each edit depends on
// its request alone (the mutator, seeded by request.seed).
class ScrambledProposer final : public Proposer {
 public:
  ScrambledProposer(uint64_t scramble_seed, size_t hold, bool prompts)
      : rng_(scramble_seed), hold_(hold), prompts_(prompts) {}

  void Submit(int64_t ticket, ProposalRequest request) override {
    requests.push_back(request);
    ProposalDone done;
    done.ticket = ticket;
    if (reject_first_ > 0) {
      --reject_first_;
      done.proposal.edit = "no edit in this reply";
      done.proposal.origin = "model:fake";
    } else {
      Rng rng(request.seed);
      MutatorConfig config;
      auto m = mutate::Propose(request.parent.code, {}, config, rng);
      if (m.ok()) {
        done.proposal.edit = m->edit;
        done.proposal.origin = prompts_ ? "model:fake" : "mutator:" + m->kind;
        done.proposal.reasoning = "why " + std::to_string(ticket);
        done.proposal.feedback = feedback_;
      } else {
        done.status = m.status();
      }
    }
    held_.push_back(std::move(done));
    max_held = std::max(max_held, held_.size());
  }

  std::optional<ProposalDone> Poll(int64_t) override {
    if (held_.empty()) return std::nullopt;
    // Release only once enough are held (or when asked again with nothing new coming).
    if (held_.size() < hold_ && ++idle_polls_ < 3) return std::nullopt;
    idle_polls_ = 0;
    const size_t i = rng_.Below(held_.size());
    ProposalDone done = std::move(held_[i]);
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
    return done;
  }
  size_t InFlight() const override { return held_.size(); }
  int Concurrency() const override { return static_cast<int>(hold_); }
  bool WantsPrompts() const override { return prompts_; }
  void Outcome(int64_t ticket, double improvement) override {
    outcomes.emplace_back(ticket, improvement);
  }

  void RejectFirst(int n) { reject_first_ = n; }
  void SetFeedback(double f) { feedback_ = f; }

  std::vector<ProposalRequest> requests;
  std::vector<std::pair<int64_t, double>> outcomes;
  size_t max_held = 0;  // most proposals out at once

 private:
  Rng rng_;
  size_t hold_;
  bool prompts_;
  int reject_first_ = 0;
  std::optional<double> feedback_;
  std::deque<ProposalDone> held_;
  int idle_polls_ = 0;
};

class AsyncEngineTest : public ::testing::Test {
 protected:
  void TearDown() override { (void)RemoveTree(root_); }
  void SetUp() override {
    // A fresh folder per run of the test: several builds may run these tests at once.
    auto dir = MakeTempDir(::testing::TempDir(),
                           std::string("async_engine_") +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                               "-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
    ASSERT_TRUE(MakeDirs(root_ + "/task").ok());
    ASSERT_TRUE(WriteFileAtomic(root_ + "/task/initial_program.cc", kInitial).ok());
    auto cfg = ParseConfig("run: {iterations: 40, output_dir: " + root_ +
                               "/runs}\n"
                               "database: {islands: 2, migration_interval: 10}\n",
                           "test.yaml", root_ + "/task");
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    config_ = *cfg;
  }

  // Runs to the target and returns the code hashes in commit order.
  std::vector<std::string> RunWith(ScrambledProposer** out, uint64_t scramble, size_t hold,
                                   bool prompts, int slots, int reject_first = 0,
                                   std::optional<double> feedback = std::nullopt) {
    EngineEnv env;
    env.make_backend = [slots, newest_first = newest_first_](
                           const Config&, const RunPaths&) -> Result<std::unique_ptr<EvalBackend>> {
      return std::unique_ptr<EvalBackend>(new testing::FakeBackend(Score, slots, newest_first));
    };
    env.make_proposer = [=](const Config&) -> std::unique_ptr<Proposer> {
      auto p = std::make_unique<ScrambledProposer>(scramble, hold, prompts);
      p->RejectFirst(reject_first);
      if (feedback) p->SetFeedback(*feedback);
      *out = p.get();
      return p;
    };
    auto engine = Engine::Start(config_, std::move(env));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);  // keeps the proposer (and what it saw) alive for the test
    std::atomic<bool> stop{false};
    EXPECT_TRUE(engine_->Run(stop).ok());
    dir_ = engine_->paths().dir;
    auto store = Store::Open(dir_ + "/run.db");
    std::vector<std::string> hashes;
    auto programs = (*store)->LoadPrograms();
    EXPECT_TRUE(programs.ok());
    for (const Program& p : *programs) hashes.push_back(p.code_hash);
    return hashes;
  }

  std::string root_;
  std::string dir_;
  Config config_;
  std::unique_ptr<Engine> engine_;
  bool newest_first_ = false;  // evaluations finish newest first instead of in submission order
};

TEST_F(AsyncEngineTest, WithOneSlotTheRunDoesNotDependOnTheOrderProposalsComeBack) {
  ScrambledProposer* p = nullptr;
  const auto first = RunWith(&p, /*scramble=*/1, /*hold=*/4, false, /*slots=*/1);
  const auto second = RunWith(&p, /*scramble=*/99, /*hold=*/4, false, /*slots=*/1);
  const auto in_order = RunWith(&p, /*scramble=*/5, /*hold=*/1, false, /*slots=*/1);
  ASSERT_EQ(first.size(), 41u);
  EXPECT_EQ(first, second);
  // The number of proposals kept in flight is part of the schedule: a different window may pick
  // other parents, but still reaches the target.
  EXPECT_EQ(in_order.size(), 41u);
  // The same holds with prompt kinds, repairs of rejected edits and failed programs.
  const auto llm_a = RunWith(&p, 7, 3, /*prompts=*/true, 1, /*reject_first=*/4);
  const auto llm_b = RunWith(&p, 8, 3, /*prompts=*/true, 1, /*reject_first=*/4);
  EXPECT_EQ(llm_a, llm_b);
}

// run.reproducible: with three workers, whatever order the proposals and the evaluations come
// back in, the same seed gives the same run. Without it results are taken as they come, and the
// same two schedules give two different runs.
TEST_F(AsyncEngineTest, AReproducibleRunDoesNotDependOnTheOrderResultsComeBackWithManyWorkers) {
  ScrambledProposer* p = nullptr;
  config_.run.reproducible = true;
  const auto first = RunWith(&p, /*scramble=*/1, /*hold=*/2, false, /*slots=*/3);
  newest_first_ = true;
  const auto second = RunWith(&p, /*scramble=*/99, /*hold=*/2, false, /*slots=*/3);
  ASSERT_EQ(first.size(), 41u);
  EXPECT_EQ(first, second);

  config_.run.reproducible = false;
  newest_first_ = false;
  const auto as_they_come_a = RunWith(&p, 1, 2, false, 3);
  newest_first_ = true;
  const auto as_they_come_b = RunWith(&p, 99, 2, false, 3);
  EXPECT_NE(as_they_come_a, as_they_come_b);
}

TEST_F(AsyncEngineTest, KeepsTheProposerConcurrencyInFlight) {
  ScrambledProposer* p = nullptr;
  RunWith(&p, 3, /*hold=*/4, false, /*slots=*/2);
  ASSERT_NE(p, nullptr);
  // Held back four at a time, proposals pile up only if the controller keeps that many out.
  EXPECT_GE(p->max_held, 4u);
}

TEST_F(AsyncEngineTest, ARejectedEditIsRepairedWithItsErrorAndTheRepairsAreBounded) {
  config_.prompt.max_repair_attempts = 2;
  ScrambledProposer* p = nullptr;
  // Every edit of the first ten proposals fails to apply, repairs included.
  RunWith(&p, 1, /*hold=*/1, /*prompts=*/true, /*slots=*/1, /*reject_first=*/10);
  ASSERT_GE(p->requests.size(), 10u);
  EXPECT_NE(p->requests[0].kind, "repair");
  // The window holds two tickets: ticket 2 was sampled before ticket 1 came back.
  const ProposalRequest& first_repair = p->requests[2];
  EXPECT_EQ(first_repair.kind, "repair");
  EXPECT_EQ(first_repair.repair_attempt, 1);
  EXPECT_EQ(first_repair.failed_edit, "no edit in this reply");
  EXPECT_NE(first_repair.failure.find("no_edit"), std::string::npos) << first_repair.failure;
  EXPECT_EQ(first_repair.parent.id, p->requests[0].parent.id);
  int max_attempt = 0, repairs = 0;
  for (const ProposalRequest& r : p->requests) {
    max_attempt = std::max(max_attempt, r.repair_attempt);
    repairs += r.kind == "repair" && !r.failed_edit.empty();
  }
  EXPECT_EQ(max_attempt, 2);  // never a third repair of one edit
  // Ten rejected edits: each fresh one is repaired at most twice.
  EXPECT_GE(repairs, 6);
  auto store = Store::Open(dir_ + "/run.db");
  EXPECT_EQ((*store)->Summarize()->rejected_edits, 10);
}

TEST_F(AsyncEngineTest, PromptRequestsCarryLineageNotesAndKinds) {
  ScrambledProposer* p = nullptr;
  RunWith(&p, 1, /*hold=*/2, /*prompts=*/true, /*slots=*/1);
  std::set<std::string> kinds;
  bool lineage_with_notes = false;
  for (const ProposalRequest& r : p->requests) {
    kinds.insert(r.kind);
    if (r.kind == "crossover") {
      EXPECT_TRUE(r.partner.has_value());
    }
    for (const Program& ancestor : r.lineage) {
      if (r.notes.count(ancestor.id) && r.notes.at(ancestor.id).reasoning.rfind("why ", 0) == 0) {
        lineage_with_notes = true;
      }
    }
    EXPECT_TRUE(r.best_score.has_value());
  }
  EXPECT_TRUE(kinds.count("explore") && kinds.count("exploit")) << kinds.size();
  EXPECT_TRUE(lineage_with_notes);
  EXPECT_EQ(p->outcomes.size(), p->requests.size());  // every proposal's result reported
}

TEST_F(AsyncEngineTest, TheCouncilScoreEntersTheCombinedScoreWithItsWeight) {
  config_.llm.feedback.weight = 0.5;
  ScrambledProposer* p = nullptr;
  RunWith(&p, 1, 1, /*prompts=*/true, /*slots=*/1, 0, /*feedback=*/0.8);
  auto store = Store::Open(dir_ + "/run.db");
  int checked = 0;
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  for (const Program& prog : *programs) {
    if (prog.origin == "initial" || !prog.result.valid) continue;
    const double evaluator = Score(prog.code).combined_score;
    EXPECT_DOUBLE_EQ(prog.result.metrics.at("evaluator_score"), evaluator);
    EXPECT_DOUBLE_EQ(prog.result.metrics.at("llm_feedback"), 0.8);
    EXPECT_DOUBLE_EQ(prog.result.combined_score, evaluator + 0.4);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace kevolve::engine
