// llm_calls in the run database: the version-2 and -3 migrations, recording attempts, linking them to
// the program or rejected edit they led to, and the usage summary.
#include <gtest/gtest.h>

#include "core/files.h"
#include "store/store.h"
#include "store_testing.h"

namespace kevolve {
namespace {

using testing::RawSql;
using testing::RichProgram;
using testing::StoreTest;

LlmCall Attempt(int64_t proposal, int call, int attempt, const std::string& model,
                const std::string& failure, int64_t in, int64_t out, double cost) {
  LlmCall c;
  c.proposal = proposal;
  c.call = call;
  c.attempt = attempt;
  c.model = model;
  c.purpose = "explore";
  c.request = R"({"model":"m"})";
  c.reply = failure.empty() ? R"({"choices":[]})" : "oops";
  c.content = failure.empty() ? "<reasoning>r</reasoning>" : "";
  c.reasoning = failure.empty() ? "r" : "";
  c.failure = failure;
  c.tokens_in = in;
  c.tokens_out = out;
  c.cost = cost;
  c.latency_ms = 10;
  c.http_status = failure.empty() ? 200 : 500;
  return c;
}

TEST_F(StoreTest, AVersionOneFileGainsTheLlmCallsTable) {
  { ASSERT_NE(MustCreate(), nullptr); }
  RawSql(path_, "DROP TABLE llm_calls; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  auto store = Store::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->GetMeta("schema_version")->value_or(""), "3");
  auto ids = (*store)->RecordLlmCalls({Attempt(1, 0, 0, "fast", "", 5, 6, 0.1)});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
}

TEST_F(StoreTest, AVersionTwoFileKeepsItsCallsAndGainsTheThinkingColumn) {
  {
    auto store = MustCreate();
    ASSERT_TRUE(store->RecordLlmCalls({Attempt(1, 0, 0, "fast", "", 5, 6, 0.1)}).ok());
  }
  RawSql(path_,
         "ALTER TABLE llm_calls DROP COLUMN thinking; "
         "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  auto store = Store::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->GetMeta("schema_version")->value_or(""), "3");
  LlmCall thinking = Attempt(2, 0, 0, "fast", "", 5, 6, 0.1);
  thinking.thinking = "first, the loop bound";
  ASSERT_TRUE((*store)->RecordLlmCalls({thinking}).ok());
  auto calls = (*store)->LoadLlmCalls();
  ASSERT_TRUE(calls.ok()) << calls.status().ToString();
  ASSERT_EQ(calls->size(), 2u);
  EXPECT_EQ((*calls)[0].thinking, "");
  EXPECT_EQ((*calls)[1].thinking, "first, the loop bound");
}

TEST_F(StoreTest, CallsAreLinkedToWhatTheyProduced) {
  auto store = MustCreate();
  auto ids = store->RecordLlmCalls({Attempt(1, 0, 0, "fast", "server_error", 0, 0, 0),
                                    Attempt(1, 0, 1, "fast", "", 100, 20, 0.25),
                                    Attempt(2, 0, 0, "strong", "", 300, 40, 1.5),
                                    Attempt(3, 0, 0, "fast", "", 50, 5, 0.01)});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 4u);
  Program p = RichProgram(1);
  auto program_id = store->CommitProgram(p, {}, {{"k", "v"}}, {(*ids)[0], (*ids)[1]});
  ASSERT_TRUE(program_id.ok()) << program_id.status().ToString();
  RejectedEdit edit;
  edit.parent_id = *program_id;
  edit.origin = "model:strong";
  edit.kind = "no_match";
  auto edit_id = store->RecordRejectedEdit(edit, {}, {(*ids)[2]});
  ASSERT_TRUE(edit_id.ok());
  ASSERT_TRUE(store->LinkLlmCalls({(*ids)[3]}, "duplicate").ok());

  auto calls = store->LoadLlmCalls();
  ASSERT_TRUE(calls.ok());
  ASSERT_EQ(calls->size(), 4u);
  EXPECT_EQ((*calls)[0].outcome, "program");
  EXPECT_EQ((*calls)[1].program_id, *program_id);
  EXPECT_EQ((*calls)[1].reasoning, "r");
  EXPECT_EQ((*calls)[1].attempt, 1);
  EXPECT_EQ((*calls)[2].outcome, "rejected_edit");
  EXPECT_EQ((*calls)[2].rejected_edit_id, *edit_id);
  EXPECT_FALSE((*calls)[2].program_id.has_value());
  EXPECT_EQ((*calls)[3].outcome, "duplicate");
  EXPECT_EQ((*calls)[0].failure, "server_error");

  auto summary = store->SummarizeLlmCalls();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->total.calls, 4);
  EXPECT_EQ(summary->total.tokens_in, 450);
  EXPECT_EQ(summary->total.tokens_out, 65);
  EXPECT_DOUBLE_EQ(summary->total.cost, 1.76);
  EXPECT_EQ(summary->total.failures.at("server_error"), 1);
  EXPECT_EQ(summary->by_model.at("fast").calls, 3);
  EXPECT_DOUBLE_EQ(summary->by_model.at("strong").cost, 1.5);
}

TEST_F(StoreTest, AFailedCommitLinksNothing) {
  auto store = MustCreate();
  auto ids = store->RecordLlmCalls({Attempt(1, 0, 0, "fast", "", 1, 1, 0)});
  ASSERT_TRUE(ids.ok());
  // A placement naming an unknown program fails the whole transaction.
  auto bad = store->CommitProgram(RichProgram(1), {{99, 1, "migration"}}, {}, *ids);
  EXPECT_FALSE(bad.ok());
  auto calls = store->LoadLlmCalls();
  ASSERT_TRUE(calls.ok());
  EXPECT_EQ((*calls)[0].outcome, "");
  EXPECT_FALSE((*calls)[0].program_id.has_value());
}

}  // namespace
}  // namespace kevolve
