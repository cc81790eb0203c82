// The controller with the LLM proposer over real HTTP against the local server (evaluations by
// an in-process scorer): what model selection learnt and the repair queue survive a resume, and
// the feedback council's members count with their weights.
#include <gtest/gtest.h>

#include <set>

#include "config/load.h"
#include "core/files.h"
#include "core/text.h"
#include "engine/engine.h"
#include "engine/llm_proposer.h"
#include "store/store.h"
#include "testing/fake_backend.h"
#include "testing/llm_server.h"
#include "testing/task_folder.h"

namespace kevolve::engine {
namespace {

using testing::LlmTestServer;
using testing::ServerRequest;

constexpr const char* kInitial =
    "// EVOLVE-BLOCK-START\n"
    "int a = 10;\n"
    "int b = 20;\n"
    "int c = 30;\n"
    "// EVOLVE-BLOCK-END\n";

// Valid, scored by its text, except a quarter of the programs (by hash), which fail: candidates
// for repair prompts.
EvalResult Score(const std::string& code) {
  EvalResult r;
  if (code != kInitial && Fnv1a64(code) % 4 == 0) {
    r.failure = Failure::kInvalid;
    r.reason = "rejected by the test's scorer";
    return r;
  }
  r.valid = true;
  r.combined_score = static_cast<double>(Fnv1a64(code) % 1000) / 100.0;
  return r;
}

// The council's scores, by the model a feedback request names.
testing::ServerReply Judge(const ServerRequest& r) {
  if (r.user.find("Score the candidate") == std::string::npos) return testing::MutatorResponder(r);
  const bool strict = r.json.value("model", "") == "strict-model";
  return LlmTestServer::Completion(strict ? R"({"readability": 2, "plausibility": 2})"
                                          : R"({"readability": 8, "plausibility": 9})");
}

class EngineLlmTest : public ::testing::Test {
 protected:
  EngineLlmTest() : server_(Judge) {}

  void SetUp() override {
    auto root = testing::MakeTaskFolder("engine_llm_", kInitial);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    root_ = *root;
  }
  void TearDown() override { (void)RemoveTree(root_); }

  // A config with `iterations`, the lines `llm` of the llm: section, and the sections `rest`.
  Config Parse(int iterations, const std::string& llm, const std::string& rest = "") {
    auto cfg = ParseConfig("run: {output_dir: " + root_ + "/runs, reproducible: true, " +
                               "iterations: " + std::to_string(iterations) + "}\n" +
                               "llm:\n  base_url: " + server_.base_url() +
                               "\n  api_key_env: \"\"\n  max_in_flight: 2\n" + llm + rest,
                           "test.yaml", root_ + "/task");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    return cfg.ok() ? *cfg : Config{};
  }

  EngineEnv Env() {
    EngineEnv env;
    env.make_backend = [](const Config&, const RunPaths&) -> Result<std::unique_ptr<EvalBackend>> {
      return std::unique_ptr<EvalBackend>(new testing::FakeBackend(Score, 2));
    };
    env.make_proposer = [](const Config& config) { return MakeOpenAiProposer(config); };
    return env;
  }

  std::string Start(const Config& config) {
    auto engine = Engine::Start(config, Env());
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (!engine.ok()) return "";
    std::atomic<bool> stop{false};
    const Status run = (*engine)->Run(stop);
    EXPECT_TRUE(run.ok()) << run.ToString();
    return (*engine)->paths().dir;
  }

  void Resume(const std::string& dir, int64_t iterations,
              const std::vector<std::pair<std::string, std::string>>& overrides = {}) {
    auto engine = Engine::Resume(RunPaths{dir}, Env(), iterations, overrides);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    std::atomic<bool> stop{false};
    const Status run = (*engine)->Run(stop);
    EXPECT_TRUE(run.ok()) << run.ToString();
  }

  static StateMap State(const std::string& dir) {
    auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
    EXPECT_TRUE(store.ok());
    auto state = (*store)->LoadState();
    EXPECT_TRUE(state.ok());
    return state.ok() ? *state : StateMap{};
  }

  static std::vector<LlmCall> Calls(const std::string& dir) {
    auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
    auto calls = (*store)->LoadLlmCalls();
    EXPECT_TRUE(calls.ok());
    return calls.ok() ? *calls : std::vector<LlmCall>{};
  }

  // Proposals the bandit has counted: the pulls of every model in the stored state.
  static int64_t Pulls(const std::string& dir) {
    auto json = ParseJson(State(dir)["llm_selection"]);
    EXPECT_TRUE(json.ok());
    int64_t pulls = 0;
    for (const auto& [name, arm] : (*json)["models"].items()) pulls += arm[0].get<int64_t>();
    return pulls;
  }

  static size_t Proposals(const std::string& dir) {
    std::set<int64_t> proposals;
    for (const LlmCall& c : Calls(dir)) proposals.insert(c.proposal);
    return proposals.size();
  }

  LlmTestServer server_;
  std::string root_;
};

constexpr const char* kTwoModels =
    "  selection: bandit\n"
    "  models:\n"
    "    - {name: cheap, model: cheap-model, input_price: 0.1, output_price: 0.4}\n"
    "    - {name: dear, model: dear-model, input_price: 5, output_price: 20}\n";

TEST_F(EngineLlmTest, WhatModelSelectionLearntSurvivesAResume) {
  const std::string dir = Start(Parse(6, kTwoModels));
  ASSERT_FALSE(dir.empty());
  const size_t first = Proposals(dir);
  ASSERT_GT(first, 0u);
  EXPECT_EQ(Pulls(dir), static_cast<int64_t>(first)) << State(dir)["llm_selection"];
  Resume(dir, 12);
  const size_t all = Proposals(dir);
  ASSERT_GT(all, first);
  // Counted on from what the first part learnt, not from nothing.
  EXPECT_EQ(Pulls(dir), static_cast<int64_t>(all)) << State(dir)["llm_selection"];
}

TEST_F(EngineLlmTest, FailedProgramsWaitingForRepairAreRepairedAfterAResume) {
  const std::string dir = Start(Parse(16, kTwoModels, "prompt: {repair_ratio: 0}\n"));
  ASSERT_FALSE(dir.empty());
  auto repairs = ParseJson(State(dir)["repairs"]);
  ASSERT_TRUE(repairs.ok());
  const Json& failed = (*repairs)["failed_programs"];
  ASSERT_FALSE(failed.empty()) << "the scorer fails a quarter of the programs";
  auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  const int64_t first_failed = failed[0].get<int64_t>();
  const std::string failed_code = programs->at(static_cast<size_t>(first_failed - 1)).code;
  const int64_t last_proposal = Calls(dir).back().proposal;
  store->reset();
  const size_t requests_before = server_.requests().size();

  Resume(dir, 18,
         {{"prompt.explore_ratio", "0"},
          {"prompt.exploit_ratio", "0"},
          {"prompt.crossover_ratio", "0"},
          {"prompt.repair_ratio", "1"}});
  const std::vector<LlmCall> calls = Calls(dir);
  const auto it = std::find_if(calls.begin(), calls.end(),
                               [&](const LlmCall& c) { return c.proposal > last_proposal; });
  ASSERT_NE(it, calls.end());
  EXPECT_EQ(it->purpose, "repair");
  const std::vector<ServerRequest> requests = server_.requests();
  ASSERT_GT(requests.size(), requests_before);
  bool repaired_first_failed = false;
  for (size_t i = requests_before; i < requests.size(); ++i) {
    repaired_first_failed |= testing::ProgramInPrompt(requests[i].user) == failed_code;
  }
  EXPECT_TRUE(repaired_first_failed) << "program " << first_failed;
}

TEST_F(EngineLlmTest, TheCouncilsScoreIsTheMeanOfItsMembersByTheirWeights) {
  const std::string dir = Start(Parse(
      5,
      "  models:\n"
      "    - {name: kind, model: kind-model}\n"
      "    - {name: strict, model: strict-model}\n"
      "  feedback:\n"
      "    weight: 0.5\n"
      "    council: [{model: kind, weight: 3}, {model: strict, weight: 1}]\n"));
  ASSERT_FALSE(dir.empty());
  // kind: (8 + 9) / 20 = 0.85 with weight 3; strict: (2 + 2) / 20 = 0.2 with weight 1.
  const double mean = (3 * 0.85 + 1 * 0.2) / 4;
  auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  int checked = 0;
  for (const Program& p : *programs) {
    if (p.origin == "initial" || !p.result.valid) continue;
    EXPECT_DOUBLE_EQ(p.result.metrics.at("llm_feedback"), mean) << "program " << p.id;
    EXPECT_DOUBLE_EQ(p.result.combined_score,
                     p.result.metrics.at("evaluator_score") + 0.5 * mean);
    ++checked;
  }
  EXPECT_GT(checked, 0);
  std::set<std::string> judges;
  for (const LlmCall& c : Calls(dir)) {
    if (c.purpose == "feedback") judges.insert(c.model);
  }
  EXPECT_EQ(judges, (std::set<std::string>{"kind", "strict"}));
}

}  // namespace
}  // namespace kevolve::engine
