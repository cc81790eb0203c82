// The kevolve binary against the local OpenAI-compatible server: the bin-packing example through
// every fault the server injects, replay of a recorded run, budgets, keys that are never stored,
// and costs that add up across status, run.db and events.jsonl.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "store/store.h"
#include "testing/command.h"
#include "testing/llm_server.h"

namespace kevolve {
namespace {

using testing::KevolveBinary;
using testing::LlmTestServer;
using testing::RunCommand;

const std::string kToy = std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/toy";
const std::string kBinPacking = std::string(KEVOLVE_SOURCE_DIR) + "/examples/bin_packing";
const char kKeyVar[] = "KEVOLVE_TEST_LLM_KEY";
const char kKey[] = "sk-kevolve-test-4f1d9c2e7a5b";

class LlmE2eTest : public ::testing::Test {
 public:  // ExpectReplayReproducesTheRun drives the fixture from outside a test body
  void SetUp() override {
    out_ = ::testing::TempDir() + "llm_e2e_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveTree(out_).ok());
    setenv(kKeyVar, kKey, 1);
  }

  std::vector<std::string> RunArgs(const std::string& task, int iterations, int workers,
                                   const std::string& base_url) {
    return {KevolveBinary(),
            "run",
            task,
            "-n",
            std::to_string(iterations),
            "-j",
            std::to_string(workers),
            "-o",
            out_,
            "--llm-base-url",
            base_url,
            "--llm-api-key-env",
            kKeyVar,
            "--set",
            "llm.models=[{name: coder, model: test-model, input_price: 1.5, "
            "output_price: 6}]",
            "--set",
            "llm.timeout_seconds=1",
            "--set",
            "llm.backoff_initial_seconds=0.05",
            "--set",
            "llm.max_reply_bytes=65536",
            "--set",
            "llm.max_in_flight=2"};
  }

  std::vector<std::string> RunDirs(const std::string& parent) {
    std::vector<std::string> dirs;
    for (const auto& e : std::filesystem::directory_iterator(parent)) {
      if (e.is_directory()) dirs.push_back(e.path().string());
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
  }

  Json Status(const std::string& dir) {
    auto status = RunCommand({KevolveBinary(), "status", dir, "--json"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    auto j = ParseJson(status.out);
    EXPECT_TRUE(j.ok()) << status.out;
    return j.ok() ? *j : Json::object();
  }

  // Every byte of every file under `dir`.
  std::string AllBytes(const std::string& dir) {
    std::string all;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      auto text = ReadFile(e.path().string());
      if (text.ok()) all += *text;
    }
    return all;
  }

  std::string out_;
};

TEST_F(LlmE2eTest, BinPackingRunsThroughEveryFaultAndCountsEachByKind) {
  LlmTestServer server(testing::MutatorResponder);
  server.Script({LlmTestServer::RateLimited("1"), LlmTestServer::ServerError(),
                 LlmTestServer::Slow(2500, "too late"), LlmTestServer::Truncated(),
                 LlmTestServer::WrongContentType(), LlmTestServer::EmptyChoices(),
                 LlmTestServer::Huge(300 << 10), LlmTestServer::NotAnEdit(),
                 LlmTestServer::Refusal()});
  auto run = RunCommand(RunArgs(kBinPacking, 8, 2, server.base_url()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string dir = RunDirs(out_).at(0);
  const Json j = Status(dir);
  EXPECT_EQ(j["evaluations"], 8);
  EXPECT_EQ(j["programs"], 9);
  const Json& failures = j["llm"]["failures"];
  for (const char* kind : {"rate_limited", "server_error", "timeout", "truncated", "content_type",
                           "empty", "too_large", "refusal"}) {
    EXPECT_GE(failures.value(kind, 0), 1) << kind << " not counted: " << failures.dump();
  }
  EXPECT_GE(j["rejected_by_kind"].value("no_edit", 0), 1) << j.dump(2);
  // Nothing lost: every request the server saw is a recorded attempt.
  EXPECT_EQ(j["llm"]["calls"].get<size_t>(), server.requests().size());
  auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
  ASSERT_TRUE(store.ok());
  auto calls = (*store)->LoadLlmCalls();
  ASSERT_TRUE(calls.ok());
  EXPECT_EQ(calls->size(), server.requests().size());
  // The reply that was not an edit went back as a repair prompt.
  bool repaired = false;
  for (const auto& r : server.requests()) {
    repaired |= r.user.find("was not applied, so it was never evaluated") != std::string::npos;
  }
  EXPECT_TRUE(repaired);
  // Held-out results never reach a model; the visible metric does.
  bool metric_shown = false;
  for (const auto& r : server.requests()) {
    EXPECT_EQ(r.body.find("heldout"), std::string::npos) << "request " << r.index;
    metric_shown |= r.user.find("excess_bins_pct") != std::string::npos;
  }
  EXPECT_TRUE(metric_shown);
  // Every program an LLM proposed is linked to the calls that produced it.
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  for (const Program& p : *programs) {
    if (p.origin == "initial") continue;
    EXPECT_EQ(p.origin, "model:coder");
    bool linked = false;
    for (const LlmCall& c : *calls) linked |= c.program_id == p.id && !c.reasoning.empty();
    EXPECT_TRUE(linked) << "program " << p.id;
  }
}

TEST_F(LlmE2eTest, TheKeyNeverReachesAStoredFileOrTheLogs) {
  // A hostile server that echoes the Authorization header back in its replies and errors.
  LlmTestServer server([](const testing::ServerRequest& r) {
    if (r.index % 3 == 0) {
      testing::ServerReply bad = LlmTestServer::ServerError();
      bad.body = R"({"error":{"message":"bad key )" + r.authorization + R"("}})";
      return bad;
    }
    testing::ServerReply reply = testing::MutatorResponder(r);
    return reply;
  });
  auto run = RunCommand(RunArgs(kToy, 6, 1, server.base_url()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(server.requests().at(0).authorization, std::string("Bearer ") + kKey);
  const std::string dir = RunDirs(out_).at(0);
  const std::string stored = AllBytes(dir);
  ASSERT_NE(stored.find("\"llm_call\""), std::string::npos);  // the files were read
  EXPECT_EQ(stored.find(kKey), std::string::npos) << "the key is in a file under " << dir;
  EXPECT_EQ(run.out.find(kKey), std::string::npos);
  EXPECT_EQ(run.err.find(kKey), std::string::npos);
  EXPECT_NE(stored.find(kKeyVar), std::string::npos);  // the variable's name is fine
}

TEST_F(LlmE2eTest, CostsAndTokensAddUpAcrossStatusDatabaseAndEvents) {
  LlmTestServer server(testing::MutatorResponder);
  server.Script({LlmTestServer::ServerError()});
  auto run = RunCommand(RunArgs(kToy, 10, 2, server.base_url()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string dir = RunDirs(out_).at(0);
  const Json j = Status(dir);
  auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
  auto calls = (*store)->LoadLlmCalls();
  ASSERT_TRUE(calls.ok());
  int64_t db_in = 0, db_out = 0;
  double db_cost = 0;
  for (const LlmCall& c : *calls) {
    db_in += c.tokens_in;
    db_out += c.tokens_out;
    db_cost += c.cost;
    EXPECT_DOUBLE_EQ(
        c.cost,
        (static_cast<double>(c.tokens_in) * 1.5 + static_cast<double>(c.tokens_out) * 6) / 1e6);
  }
  int64_t ev_in = 0, ev_out = 0, ev_calls = 0;
  double ev_cost = 0;
  for (const std::string& line : SplitLines(*ReadFile(dir + "/events.jsonl"))) {
    auto e = ParseJson(line);
    ASSERT_TRUE(e.ok());
    if ((*e)["type"] != "llm_call") continue;
    ++ev_calls;
    ev_in += (*e)["tokens_in"].get<int64_t>();
    ev_out += (*e)["tokens_out"].get<int64_t>();
    ev_cost += (*e)["cost"].get<double>();
  }
  EXPECT_GT(db_in, 0);
  EXPECT_EQ(ev_calls, static_cast<int64_t>(calls->size()));
  EXPECT_EQ(j["llm"]["calls"], ev_calls);
  EXPECT_EQ(j["llm"]["tokens_in"], db_in);
  EXPECT_EQ(j["llm"]["tokens_out"], db_out);
  EXPECT_EQ(ev_in, db_in);
  EXPECT_EQ(ev_out, db_out);
  EXPECT_NEAR(j["llm"]["cost"].get<double>(), db_cost, 1e-12);
  EXPECT_NEAR(ev_cost, db_cost, 1e-12);
  EXPECT_EQ(j["llm"]["models"]["coder"]["calls"], ev_calls);
}

// Records a run of 25 evaluations with `workers`, replays it without a server, and compares.
void ExpectReplayReproducesTheRun(LlmE2eTest& t, int workers, bool reproducible) {
  std::string dir;
  {
    LlmTestServer server(testing::MutatorResponder);
    server.Script(
        {LlmTestServer::NotAnEdit(), LlmTestServer::ServerError(), LlmTestServer::Refusal()});
    std::vector<std::string> args = t.RunArgs(kToy, 25, workers, server.base_url());
    if (reproducible) args.insert(args.end(), {"--set", "run.reproducible=true"});
    auto run = RunCommand(args);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    dir = t.RunDirs(t.out_).at(0);
  }  // the server is gone: the replay needs none
  const std::string replays = t.out_ + "/replays";
  auto replay = RunCommand({KevolveBinary(), "replay", dir, "--into", replays});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  const std::vector<std::string> replayed_dirs = t.RunDirs(replays);
  ASSERT_EQ(replayed_dirs.size(), 1u);
  auto original = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
  auto again = Store::Open(replayed_dirs[0] + "/run.db", Store::Mode::kReadOnly);
  ASSERT_TRUE(original.ok() && again.ok());
  auto a = (*original)->LoadPrograms();
  auto b = (*again)->LoadPrograms();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 26u);
  ASSERT_EQ(b->size(), a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].code_hash, (*b)[i].code_hash) << "program " << i + 1;
    EXPECT_EQ((*a)[i].parent_id, (*b)[i].parent_id) << "program " << i + 1;
  }
  EXPECT_EQ((*(*original)->Summarize()).rejected_edits, (*(*again)->Summarize()).rejected_edits);
  const Json j = t.Status(replayed_dirs[0]);
  EXPECT_EQ(j["replay_of"], dir);
  EXPECT_DOUBLE_EQ(j["llm"]["cost"].get<double>(), 0.0);  // nothing was spent again
}

TEST_F(LlmE2eTest, ReplayReproducesTheRecordedProgramsExactly) {
  ExpectReplayReproducesTheRun(*this, 1, false);
}

// With several workers, run.reproducible takes results in ticket order, so the replay is exact
// too (docs/llm.md).
TEST_F(LlmE2eTest, ReplayOfAReproducibleRunWithSeveralWorkersIsExact) {
  ExpectReplayReproducesTheRun(*this, 3, true);
}

TEST_F(LlmE2eTest, ABudgetStopsTheRunResumably) {
  LlmTestServer server(testing::MutatorResponder);
  std::vector<std::string> args = RunArgs(kToy, 30, 1, server.base_url());
  args.insert(args.end(), {"--set", "llm.budget.max_calls=6"});
  auto run = RunCommand(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("llm.budget.max_calls"), std::string::npos) << run.err;
  const std::string dir = RunDirs(out_).at(0);
  Json j = Status(dir);
  EXPECT_LT(j["evaluations"].get<int>(), 30);
  // In flight when the cap was reached: at most max_in_flight more calls.
  EXPECT_GE(j["llm"]["calls"].get<int>(), 6);
  EXPECT_LE(j["llm"]["calls"].get<int>(), 6 + 2);
  auto resume = RunCommand({KevolveBinary(), "resume", dir, "--set", "llm.budget.max_calls=0"});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  j = Status(dir);
  EXPECT_EQ(j["evaluations"], 30);
}

TEST_F(LlmE2eTest, AnLlmConfigFileReplacesTheTasksLlmSection) {
  LlmTestServer server(testing::MutatorResponder);
  ASSERT_TRUE(MakeDirs(out_).ok());
  const std::string file = out_ + "/local.yaml";
  ASSERT_TRUE(WriteFileAtomic(file, "llm:\n  base_url: " + server.base_url() +
                                        "\n  api_key_env: \"\"\n  models:\n"
                                        "    - {name: local, model: tiny}\n")
                  .ok());
  auto run = RunCommand(
      {KevolveBinary(), "run", kToy, "-n", "4", "-o", out_ + "/runs", "--llm-config", file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_FALSE(server.requests().empty());
  EXPECT_EQ(server.requests()[0].json["model"], "tiny");
  EXPECT_EQ(server.requests()[0].authorization, "");  // no key configured, none sent
  const Json j = Status(RunDirs(out_ + "/runs").at(0));
  EXPECT_EQ(j["evaluations"], 4);
  EXPECT_TRUE(j["llm"]["models"].contains("local"));

  ASSERT_TRUE(WriteFileAtomic(file, "llm: {}\nrun: {iterations: 3}\n").ok());
  auto bad = RunCommand({KevolveBinary(), "run", kToy, "-o", out_ + "/runs", "--llm-config", file});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("holds only an llm: section"), std::string::npos) << bad.err;
}

TEST_F(LlmE2eTest, AnUnsetKeyVariableStopsBeforeAnyCall) {
  LlmTestServer server(testing::MutatorResponder);
  unsetenv(kKeyVar);
  auto run = RunCommand(RunArgs(kToy, 5, 1, server.base_url()));
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find(kKeyVar), std::string::npos) << run.err;
  EXPECT_TRUE(server.requests().empty());
  EXPECT_FALSE(PathExists(out_)) << "no run folder is made for a run that cannot start";
}

}  // namespace
}  // namespace kevolve
