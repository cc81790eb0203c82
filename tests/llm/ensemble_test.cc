// Ensemble plans, the bandit, replay and budgets.
#include <gtest/gtest.h>

#include <map>

#include "llm/ensemble.h"
#include "llm/replay.h"

namespace kevolve::llm {
namespace {

ModelSpec Model(const std::string& name, const std::string& role, double weight) {
  ModelSpec m;
  m.name = name;
  m.model = name;
  m.role = role;
  m.weight = weight;
  return m;
}

TEST(EnsembleTest, WeightsAndRolesDecideTheFirstModel) {
  Ensemble e({Model("a", "fast", 3), Model("b", "fast", 1), Model("big", "strong", 1)}, "weighted",
             0.25);
  Rng rng(5);
  std::map<std::string, int> first;
  for (int i = 0; i < 8000; ++i) ++first[e.models()[e.Plan(rng).front()].name];
  EXPECT_NEAR(first["big"], 2000, 200);
  EXPECT_NEAR(first["a"], 4500, 250);
  EXPECT_NEAR(first["b"], 1500, 200);
}

TEST(EnsembleTest, ThePlanFallsBackWithinTheRoleThenToTheOtherRole) {
  Ensemble e({Model("a", "fast", 1), Model("b", "fast", 5), Model("big", "strong", 1),
              Model("spare", "fast", 0)},
             "weighted", 0.0);
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    std::vector<size_t> plan = e.Plan(rng);
    ASSERT_EQ(plan.size(), 4u);
    EXPECT_NE(e.models()[plan[0]].name, "spare");  // weight 0: fallback only
    EXPECT_NE(e.models()[plan[0]].name, "big");    // strong_ratio 0
    EXPECT_EQ(e.models()[plan[3]].name, "big");    // the other role comes last
  }
}

TEST(EnsembleTest, PlansAreAFunctionOfTheRng) {
  Ensemble e({Model("a", "fast", 1), Model("b", "strong", 1)}, "weighted", 0.5);
  Rng r1(9), r2(9);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(e.Plan(r1), e.Plan(r2));
}

TEST(EnsembleTest, TheBanditFavoursImprovementPerUnitCost) {
  Ensemble e({Model("cheap", "fast", 1), Model("pricey", "fast", 1)}, "bandit", 0);
  Rng rng(2);
  std::map<std::string, int> first;
  for (int i = 0; i < 400; ++i) {
    const size_t m = e.Plan(rng).front();
    ++first[e.models()[m].name];
    // Both improve by the same amount; "pricey" costs 20 times as much.
    e.Reward(m, 0.1, e.models()[m].name == "pricey" ? 0.02 : 0.001, 1000);
  }
  EXPECT_GT(first["cheap"], 3 * first["pricey"]) << first["cheap"] << " vs " << first["pricey"];
  EXPECT_GE(first["pricey"], 1);  // every arm is tried
}

TEST(EnsembleTest, ARestoredBanditChoosesAsTheOneItWasSavedFrom) {
  const std::vector<ModelSpec> models = {Model("cheap", "fast", 1), Model("pricey", "fast", 1),
                                         Model("third", "fast", 1)};
  Ensemble learnt(models, "bandit", 0);
  Rng rng(4);
  for (int i = 0; i < 60; ++i) {
    const size_t m = learnt.Plan(rng).front();
    learnt.Reward(m, m == 0 ? 0.3 : 0.1 * static_cast<double>(i % 3), m == 1 ? 0.02 : 0.001, 900);
  }
  Ensemble restored(models, "bandit", 0);
  ASSERT_TRUE(restored.RestoreState(learnt.SaveState()).ok());
  EXPECT_EQ(restored.SaveState(), learnt.SaveState());
  Ensemble fresh(models, "bandit", 0);
  Rng r1(11), r2(11), r3(11);
  bool fresh_differs = false;
  for (int i = 0; i < 50; ++i) {
    const std::vector<size_t> plan = learnt.Plan(r1);
    EXPECT_EQ(restored.Plan(r2), plan) << "proposal " << i;
    fresh_differs |= fresh.Plan(r3) != plan;
    const double gain = 0.05 * static_cast<double>(i % 4);
    learnt.Reward(plan.front(), gain, 0.001, 900);
    restored.Reward(plan.front(), gain, 0.001, 900);
    fresh.Reward(plan.front(), gain, 0.001, 900);
  }
  EXPECT_TRUE(fresh_differs) << "nothing learnt would choose differently";
  EXPECT_EQ(Ensemble(models, "bandit", 0).SaveState(), "");  // nothing learnt yet
  EXPECT_TRUE(fresh.RestoreState("").ok());
  EXPECT_EQ(fresh.RestoreState(R"({"models": 3})").code(), StatusCode::kInvalidArgument);
}

CallRecord Recorded(int64_t proposal, int call, int attempt, const std::string& content,
                    FailureKind failure = FailureKind::kNone) {
  CallRecord r;
  r.proposal = proposal;
  r.call = call;
  r.attempt = attempt;
  r.model = "fast";
  r.content = content;
  r.failure = failure;
  r.tokens_in = 10;
  r.tokens_out = 5;
  r.cost = 0.5;
  r.request = R"({"model":"m","messages":[{"role":"user","content":"p"}]})";
  return r;
}

TEST(ReplayTest, ServesTheLastAttemptOfEachCall) {
  ReplayClient replay({Recorded(3, 0, 1, "second try"),
                       Recorded(3, 0, 0, "", FailureKind::kServerError),
                       Recorded(3, 1, 0, "", FailureKind::kRefusal), Recorded(4, 0, 0, "four")});
  EXPECT_EQ(replay.recorded_calls(), 3u);
  CallResult a = replay.Complete({3, 0, "explore", nullptr}, {{"user", "p"}});
  ASSERT_TRUE(a.ok);
  EXPECT_EQ(a.content, "second try");
  ASSERT_EQ(a.attempts.size(), 1u);
  EXPECT_EQ(a.attempts[0].cost, 0);  // nothing is spent again
  EXPECT_EQ(a.attempts[0].tokens_in, 10);
  EXPECT_EQ(a.attempts[0].model, "fast");
  EXPECT_TRUE(a.attempts[0].error.empty());
  CallResult b = replay.Complete({3, 1, "explore", nullptr}, {{"user", "p"}});
  EXPECT_FALSE(b.ok);
  EXPECT_EQ(b.failure, FailureKind::kRefusal);
  CallResult missing = replay.Complete({5, 0, "explore", nullptr}, {{"user", "p"}});
  EXPECT_EQ(missing.failure, FailureKind::kReplay);
  CallResult diverged = replay.Complete({4, 0, "explore", nullptr}, {{"user", "other"}});
  EXPECT_TRUE(diverged.ok);
  EXPECT_NE(diverged.attempts[0].error.find("different prompt"), std::string::npos);
}

TEST(BudgetTest, EachCapStopsAtItsLimit) {
  LlmBudgetConfig budget;
  Usage usage;
  usage.calls = 10;
  usage.tokens_in = 900;
  usage.tokens_out = 100;
  usage.cost = 2.5;
  EXPECT_EQ(BudgetExceeded(budget, usage), "");  // no caps
  budget.max_calls = 11;
  EXPECT_EQ(BudgetExceeded(budget, usage), "");
  budget.max_calls = 10;
  EXPECT_NE(BudgetExceeded(budget, usage).find("llm.budget.max_calls"), std::string::npos);
  budget = {};
  budget.max_tokens = 1000;
  EXPECT_NE(BudgetExceeded(budget, usage).find("max_tokens"), std::string::npos);
  budget = {};
  budget.max_cost = 2.4;
  EXPECT_NE(BudgetExceeded(budget, usage).find("2.5 spent"), std::string::npos);
}

TEST(ResolveModelsTest, FillsDefaultsFromTheLlmSection) {
  LlmConfig config;
  config.base_url = "http://localhost:8000/v1/";
  config.api_key_env = "";
  LlmModelConfig m;
  m.model = "qwen2.5-coder";
  config.models = {m};
  m.name = "other";
  m.base_url = "https://openrouter.ai/api/v1";
  m.api_key_env = "OPENROUTER_API_KEY";
  config.models.push_back(m);
  std::vector<ModelSpec> specs = ResolveModels(config);
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "qwen2.5-coder");
  EXPECT_EQ(specs[0].base_url, "http://localhost:8000/v1");
  EXPECT_EQ(specs[0].api_key_env, "");
  EXPECT_EQ(specs[1].name, "other");
  EXPECT_EQ(specs[1].api_key_env, "OPENROUTER_API_KEY");
  EXPECT_TRUE(CheckKeys({specs[0]}).ok());
  Status missing = CheckKeys({specs[1]});
  if (std::getenv("OPENROUTER_API_KEY") == nullptr) {
    EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(missing.message().find("OPENROUTER_API_KEY"), std::string::npos);
  }
}

}  // namespace
}  // namespace kevolve::llm
