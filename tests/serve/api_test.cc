// The dashboard's JSON endpoints on a real run.db, through Api::Handle.
#include <gtest/gtest.h>

#include <cmath>

#include "core/clock.h"
#include "core/json.h"
#include "serve/api.h"
#include "serve/serve_testing.h"

namespace kevolve::serve {
namespace {

using testing::kHostileArtifact;
using testing::kHostileCode;
using testing::kStartUnixMs;

class ApiTest : public testing::ServedRunTest {
 protected:
  Json Get(const std::string& path, std::map<std::string, std::string> query = {},
           int expected_status = 200) {
    ApiResponse r = api_->Handle({path, std::move(query)});
    EXPECT_EQ(r.status, expected_status) << path << ": " << r.body;
    auto json = ParseJson(r.body);
    EXPECT_TRUE(json.ok()) << r.body;
    return json.ok() ? *json : Json();
  }

  void SetUp() override {
    ServedRunTest::SetUp();
    catalog_ = std::make_unique<RunCatalog>(std::vector<std::string>{root_});
    api_ = std::make_unique<Api>(*catalog_, clock_);
  }

  ManualClock clock_{0, kStartUnixMs + 5000};
  std::unique_ptr<RunCatalog> catalog_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, RunsListsEveryRunWithItsFigures) {
  Json runs = Get("/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 1u);
  const Json& r = runs[0];
  EXPECT_EQ(r["name"], "known-run");
  EXPECT_EQ(r["task"], "synthetic");
  EXPECT_EQ(r["programs"], 4);
  EXPECT_EQ(r["evaluations"], 3);
  EXPECT_EQ(r["valid"], 3);
  EXPECT_EQ(r["best"]["id"], 4);
  EXPECT_EQ(r["best"]["score"], 3.0);
  EXPECT_EQ(r["wall_ms"], 3000);
  EXPECT_EQ(r["llm_cost"], 0.25);
  EXPECT_EQ(r["failures"]["timeout"], 1);
}

TEST_F(ApiTest, StateFollowsTheEventsAndTheClock) {
  EXPECT_EQ(Get("/api/runs/known-run/summary")["state"], "running");
  clock_.Advance(kRunningWithinMs + 1);
  EXPECT_EQ(Get("/api/runs/known-run/summary")["state"], "stopped");
  ASSERT_TRUE(AppendFile(root_ + "/known-run/events.jsonl", "{\"t\":1,\"type\":\"run_end\"}\n").ok());
  EXPECT_EQ(Get("/api/runs/known-run/summary")["state"], "finished");
}

TEST_F(ApiTest, SummaryCarriesTheStoredConfig) {
  Json s = Get("/api/runs/known-run/summary");
  EXPECT_NE(s["config_yaml"].get<std::string>().find("islands: 2"), std::string::npos);
  EXPECT_EQ(s["target"], 1000);
}

TEST_F(ApiTest, SeriesKeepsAtMostThePointsAskedAndTheExactBest) {
  ASSERT_TRUE(testing::GrowSyntheticRun(*store_, 1000, 7, kStartUnixMs).ok());
  Json series = Get("/api/runs/known-run/series", {{"points", "50"}});
  const Json& buckets = series["buckets"];
  ASSERT_LE(buckets.size(), 50u);
  ASSERT_GE(buckets.size(), 25u);
  int64_t programs = 0;
  double previous_best = -INFINITY;
  int64_t previous_last = 0;
  for (const Json& b : buckets) {
    programs += b["programs"].get<int64_t>();
    EXPECT_EQ(b["first_id"].get<int64_t>(), previous_last + 1);
    previous_last = b["last_id"].get<int64_t>();
    EXPECT_GE(b["best"].get<double>(), previous_best);
    previous_best = b["best"].get<double>();
    if (b.contains("max")) {
      EXPECT_LE(b["max"].get<double>(), b["best"].get<double>());
    }
  }
  EXPECT_EQ(programs, 1004);
  Json top = Get("/api/runs/known-run/programs", {{"order", "score"}, {"limit", "1"}});
  EXPECT_EQ(previous_best, top["rows"][0]["score"].get<double>());
  const Json& steps = series["best_steps"];
  ASSERT_LE(steps.size(), 50u);
  EXPECT_EQ(steps.back()["id"], top["rows"][0]["id"]);
  for (const Json& step : steps) {
    EXPECT_DOUBLE_EQ(step["hidden_metrics"]["heldout"].get<double>(),
                     step["score"].get<double>() - 0.5);
  }
}

TEST_F(ApiTest, APollAfterNewProgramsAnswersAsAFreshServerWould) {
  ASSERT_TRUE(testing::GrowSyntheticRun(*store_, 500, 3, kStartUnixMs).ok());
  const std::vector<ApiRequest> requests = {
      {"/api/runs/known-run/summary", {}},
      {"/api/runs/known-run/series", {{"points", "40"}}},
      {"/api/runs/known-run/programs", {{"order", "score"}, {"limit", "50"}}},
      {"/api/runs/known-run/lineage/300", {}},
      {"/api/runs/known-run/islands", {}}};
  for (const ApiRequest& r : requests) ASSERT_EQ(api_->Handle(r).status, 200) << r.path;
  ASSERT_TRUE(testing::GrowSyntheticRun(*store_, 300, 4, kStartUnixMs).ok());
  Api fresh(*catalog_, clock_);
  for (const ApiRequest& r : requests) {
    EXPECT_EQ(api_->Handle(r).body, fresh.Handle(r).body) << r.path;
  }
  // The digest's counts are Store::Summarize's.
  auto full = store_->Summarize();
  ASSERT_TRUE(full.ok());
  Json s = Get("/api/runs/known-run/summary");
  EXPECT_EQ(s["programs"], full->programs);
  EXPECT_EQ(s["valid"], full->valid);
  EXPECT_EQ(s["failures"], Json(full->failures));
  EXPECT_EQ(s["best"]["id"], *full->best_id);
  EXPECT_EQ(s["wall_ms"], full->last_unix_ms - full->first_unix_ms);
}

TEST_F(ApiTest, TheBestIsTheOneTheEngineRecorded) {
  // With noise-aware selection the engine may keep a lower score as its best (state best_id).
  Program p = testing::SyntheticProgram(4, 3, 0, 2.5, 5, kStartUnixMs + 5000);
  ASSERT_TRUE(store_->CommitProgram(p, {}, {{"best_id", "2"}}).ok());
  Json s = Get("/api/runs/known-run/summary");
  EXPECT_EQ(s["best"]["id"], 2);
  EXPECT_EQ(s["best"]["score"], 2.0);
  EXPECT_EQ(Get("/api/runs/known-run/lineage/5")["best_id"], 2);
}

TEST_F(ApiTest, ProgramsArePagedInEitherOrder) {
  Json by_id = Get("/api/runs/known-run/programs", {{"offset", "1"}, {"limit", "2"}});
  EXPECT_EQ(by_id["total"], 4);
  ASSERT_EQ(by_id["rows"].size(), 2u);
  EXPECT_EQ(by_id["rows"][0]["id"], 2);
  Json by_score = Get("/api/runs/known-run/programs", {{"order", "score"}});
  std::vector<int64_t> ids;
  for (const Json& row : by_score["rows"]) ids.push_back(row["id"].get<int64_t>());
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 2, 1, 3}));
  EXPECT_TRUE(by_score["rows"][3]["score"].is_null());
}

TEST_F(ApiTest, ProgramCarriesCodeDiffArtifactsAndTheLlmTranscript) {
  Json p = Get("/api/runs/known-run/programs/4");
  EXPECT_EQ(p["parent"]["id"], 2);
  EXPECT_EQ(p["parent"]["score"], 2.0);
  EXPECT_EQ(p["result"]["artifacts"]["feedback"], kHostileArtifact);
  EXPECT_EQ(p["result"]["hidden_metrics"]["heldout"], 2.5);
  ASSERT_EQ(p["llm_calls"].size(), 1u);
  EXPECT_EQ(p["llm_calls"][0]["model"], "m1");
  EXPECT_NE(p["llm_calls"][0]["request"].get<std::string>().find("</script>"), std::string::npos);
  bool added = false;
  bool removed = false;
  for (const Json& line : p["diff"]) {
    added = added || line[0] == "+";
    removed = removed || (line[0] == "-" && line[1].get<std::string>().find("</script>") == 0);
  }
  EXPECT_TRUE(added && removed) << p["diff"].dump();
  Json hostile = Get("/api/runs/known-run/programs/2");
  EXPECT_EQ(hostile["code"], kHostileCode);
  ASSERT_EQ(hostile["children"].size(), 2u);
  EXPECT_EQ(Get("/api/runs/known-run/programs/1").count("diff"), 0u);
}

TEST_F(ApiTest, LineageWalksToTheInitialProgramWithTheTreeAround) {
  Json l = Get("/api/runs/known-run/lineage/4");
  std::vector<int64_t> line;
  for (const Json& row : l["ancestry"]) line.push_back(row["id"].get<int64_t>());
  EXPECT_EQ(line, (std::vector<int64_t>{4, 2, 1}));
  EXPECT_EQ(l["ancestry"][0]["edit_summary"], "return item; -> return item * 4;");
  EXPECT_EQ(l["best_id"], 4);
  EXPECT_FALSE(l["ancestry_cut"].get<bool>());
  std::vector<int64_t> children;
  for (const Json& row : l["children"]) children.push_back(row["id"].get<int64_t>());
  EXPECT_EQ(children, (std::vector<int64_t>{2, 3, 4}));
  Json short_line = Get("/api/runs/known-run/lineage/4", {{"depth", "2"}});
  EXPECT_EQ(short_line["ancestry"].size(), 2u);
  EXPECT_TRUE(short_line["ancestry_cut"].get<bool>());
}

TEST_F(ApiTest, IslandsPlaceEachIslandsElitesOnTheGrid) {
  Json d = Get("/api/runs/known-run/islands");
  ASSERT_EQ(d["axes"].size(), 2u);
  EXPECT_EQ(d["axes"][0]["bins"], 4);
  ASSERT_EQ(d["islands"].size(), 2u);
  const Json& island0 = d["islands"][0];
  EXPECT_EQ(island0["programs"], 2);
  EXPECT_EQ(island0["best_id"], 4);
  bool found = false;
  for (const Json& cell : island0["cells"]) {
    if (cell["id"] == 4) {
      found = true;
      EXPECT_EQ(cell["coords"], Json::array({3, 1}));
      EXPECT_EQ(cell["score"], 3.0);
    }
  }
  EXPECT_TRUE(found) << island0.dump();
  EXPECT_EQ(d["islands"][1]["valid"], 1);  // program 3 timed out
  ASSERT_EQ(d["migrations"].size(), 1u);
  EXPECT_EQ(d["migrations"][0], (Json{{"from", 0}, {"to", 1}, {"copies", 1}}));
}

TEST_F(ApiTest, LlmSumsUsageAndPagesCallsWithoutTheirTexts) {
  Json d = Get("/api/runs/known-run/llm");
  EXPECT_EQ(d["total"]["calls"], 1);
  EXPECT_EQ(d["total"]["tokens_in"], 120);
  EXPECT_EQ(d["models"]["m1"]["cost"], 0.25);
  ASSERT_EQ(d["calls"].size(), 1u);
  EXPECT_EQ(d["calls"][0]["program_id"], 4);
  EXPECT_FALSE(d["calls"][0].contains("request"));
}

TEST_F(ApiTest, NoPathOutsideTheServedRunsCanBeNamed) {
  for (const char* path :
       {"/api/runs/../summary", "/api/runs/..%2F..%2Fetc/summary", "/api/runs/%2e%2e/summary",
        "/api/runs//etc/passwd", "/api/runs/known-run/../../../etc/passwd",
        "/api/runs/known-run~2/summary", "/api/runs/etc/passwd", "/api/files/etc/passwd",
        "/etc/passwd"}) {
    ApiResponse r = api_->Handle({path, {}});
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
  }
}

TEST_F(ApiTest, BadParametersAreRefusedWithTheirName) {
  EXPECT_NE(Get("/api/runs/known-run/series", {{"points", "x"}}, 400)["error"]
                .get<std::string>()
                .find("points"),
            std::string::npos);
  Get("/api/runs/known-run/series", {{"points", "1"}}, 400);
  Get("/api/runs/known-run/programs", {{"limit", "100000"}}, 400);
  Get("/api/runs/known-run/programs", {{"order", "name"}}, 400);
  Get("/api/runs/known-run/programs/abc", {}, 400);
  Get("/api/runs/known-run/programs/99", {}, 404);
  Get("/api/runs/known-run/nothing", {}, 404);
}

TEST_F(ApiTest, ADamagedRunDoesNotHideTheOthers) {
  ASSERT_TRUE(MakeDirs(root_ + "/broken").ok());
  ASSERT_TRUE(WriteFileAtomic(root_ + "/broken/run.db", "not a database").ok());
  Json runs = Get("/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["name"], "known-run");
  EXPECT_TRUE(runs[1].contains("error"));
}

}  // namespace
}  // namespace kevolve::serve
