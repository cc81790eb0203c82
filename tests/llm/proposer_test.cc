// The LLM proposer over real HTTP against the local server, for the replies real providers give:
// an answer cut at the output token limit, a prompt longer than the model's context, a
// reasoning model's thinking beside or inside its answer.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "engine/llm_proposer.h"
#include "testing/llm_server.h"

namespace kevolve::engine {
namespace {

using testing::LlmTestServer;
using testing::ServerReply;
using testing::ServerRequest;

const char kAnswer[] =
    "<reasoning>\nUse a larger step.\n</reasoning>\n"
    "<<<<<<< SEARCH\n  int step = 1;\n=======\n  int step = 2;\n>>>>>>> REPLACE\n"
    "<expected_impact>\nFaster.\n</expected_impact>\n";
const char kDecoy[] = "<<<<<<< SEARCH\n  int step = 1;\n=======\n  int step = 99;\n>>>>>>> REPLACE";

Program MakeProgram(int64_t id, const std::string& marker) {
  Program p;
  p.id = id;
  p.code = "// EVOLVE-BLOCK-START\nint Run() {\n  int step = 1;\n  return step; // " + marker +
           "\n}\n// EVOLVE-BLOCK-END\n";
  p.result.valid = true;
  p.result.combined_score = static_cast<double>(id);
  p.result.artifacts["stderr"] = std::string(3000, 'e');
  return p;
}

class ProposerHttpTest : public ::testing::Test {
 protected:
  explicit ProposerHttpTest(LlmTestServer::Responder responder =
                                [](const ServerRequest&) {
                                  return LlmTestServer::Completion(kAnswer);
                                })
      : server_(std::move(responder)) {}

  // One proposal of a parent with a lineage and inspirations whose code carries markers.
  ProposalDone Propose() {
    Config config;
    config.task.initial_program = "program.cc";
    LlmModelConfig model;
    model.name = "coder";
    model.model = "test-model";
    config.llm.models = {model};
    config.llm.base_url = server_.base_url();
    config.llm.api_key_env = "";
    config.llm.max_in_flight = 1;
    config.llm.max_retries = 0;
    auto transport = std::shared_ptr<llm::HttpTransport>(llm::MakeCurlTransport());
    ClientFactory factory = [transport](const llm::ModelSpec& spec, llm::SleepFn sleep) {
      llm::ClientOptions options;
      options.max_retries = 0;
      options.timeout_ms = 5000;
      return std::make_unique<llm::OpenAiClient>(spec, options, *transport, RealClock(),
                                                 std::move(sleep));
    };
    std::unique_ptr<Proposer> proposer =
        MakeLlmProposer(config, prompt::DefaultTemplates(), factory, RealClock());
    ProposalRequest request;
    request.parent = MakeProgram(10, "parent");
    for (int64_t id = 1; id <= 4; ++id) request.inspirations.push_back(MakeProgram(id, "INSPIRED"));
    for (int64_t id = 5; id <= 7; ++id) request.lineage.push_back(MakeProgram(id, "ANCESTOR"));
    request.kind = "explore";
    request.seed = 7;
    proposer->Submit(1, std::move(request));
    std::optional<ProposalDone> done;
    while (!done) done = proposer->Poll(1000);
    return std::move(*done);
  }

  LlmTestServer server_;
};

TEST_F(ProposerHttpTest, AReplyCutAtTheTokenLimitIsAskedAgainOnceForAShorterAnswer) {
  server_.Script({LlmTestServer::CutAtTokenLimit("<reasoning>\nFirst, consider every")});
  const ProposalDone done = Propose();
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
  EXPECT_NE(done.proposal.edit.find("int step = 2;"), std::string::npos) << done.proposal.edit;
  ASSERT_EQ(done.calls.size(), 2u);
  EXPECT_EQ(done.calls[0].failure, "length");
  EXPECT_EQ(done.calls[0].finish_reason, "length");
  EXPECT_EQ(done.calls[0].content, "<reasoning>\nFirst, consider every");  // kept as it came
  EXPECT_EQ(done.calls[1].failure, "");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].user.find("cut off at the output token limit"), std::string::npos);
  EXPECT_NE(requests[1].user.find("cut off at the output token limit"), std::string::npos);
}

TEST_F(ProposerHttpTest, AReplyCutTwiceFailsTheProposalSayingWhy) {
  server_.Script({LlmTestServer::CutAtTokenLimit("<reasoning>"),
                  LlmTestServer::CutAtTokenLimit("<reasoning>")});
  const ProposalDone done = Propose();
  EXPECT_EQ(done.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(done.status.message().find("length (the reply was cut at the output token limit"),
            std::string::npos)
      << done.status.ToString();
  EXPECT_EQ(server_.requests().size(), 2u);  // once more, not forever
}

TEST_F(ProposerHttpTest, TheEditIsReadFromTheAnswerNeverFromTheThinking) {
  server_.Script({LlmTestServer::WithReasoningContent(kDecoy, kAnswer)});
  ProposalDone done = Propose();
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
  EXPECT_EQ(done.proposal.edit.find("99"), std::string::npos) << done.proposal.edit;
  EXPECT_NE(done.proposal.edit.find("int step = 2;"), std::string::npos);
  ASSERT_EQ(done.calls.size(), 1u);
  EXPECT_EQ(done.calls[0].thinking, kDecoy);
  EXPECT_EQ(done.calls[0].content.find("99"), std::string::npos);

  server_.Script({LlmTestServer::Completion(std::string("<think>\n") + kDecoy + "\n</think>\n" +
                                            kAnswer)});
  done = Propose();
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
  EXPECT_EQ(done.proposal.edit.find("99"), std::string::npos) << done.proposal.edit;
  EXPECT_NE(done.proposal.edit.find("int step = 2;"), std::string::npos);
  EXPECT_EQ(done.calls.at(0).thinking, kDecoy);
}

class ContextLimitTest : public ProposerHttpTest {
 protected:
  // A server whose context holds the program but neither ancestors nor inspirations.
  ContextLimitTest()
      : ProposerHttpTest([](const ServerRequest& r) {
          const bool too_long = r.user.find("INSPIRED") != std::string::npos ||
                                r.user.find("ANCESTOR") != std::string::npos;
          return too_long ? LlmTestServer::ContextLengthExceeded()
                          : LlmTestServer::Completion(kAnswer);
        }) {}
};

TEST_F(ContextLimitTest, APromptTooLongForTheContextIsShrunkUntilItFits) {
  const ProposalDone done = Propose();
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
  EXPECT_NE(done.proposal.edit.find("int step = 2;"), std::string::npos);
  const auto requests = server_.requests();
  ASSERT_GE(requests.size(), 3u);
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_LT(requests[i].user.size(), requests[i - 1].user.size()) << "request " << i;
    EXPECT_NE(requests[i].user.find("## Current program"), std::string::npos);
  }
  ASSERT_EQ(done.calls.size(), requests.size());
  for (size_t i = 0; i + 1 < done.calls.size(); ++i) {
    EXPECT_EQ(done.calls[i].failure, "context_length") << done.calls[i].error;
  }
  EXPECT_EQ(done.calls.back().failure, "");
}

TEST_F(ProposerHttpTest, WhenEvenTheSmallestPromptDoesNotFitTheProposalFailsClearly) {
  std::vector<ServerReply> refusals(20, LlmTestServer::ContextLengthExceeded());
  server_.Script(refusals);
  const ProposalDone done = Propose();
  EXPECT_EQ(done.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(done.status.message().find("even the smallest prompt"), std::string::npos)
      << done.status.ToString();
  EXPECT_NE(done.status.message().find("maximum context length is 4096"), std::string::npos);
  const auto requests = server_.requests();
  EXPECT_LT(requests.size(), 10u) << "each retry is smaller, so the retries end";
  EXPECT_EQ(requests.back().user.find("INSPIRED"), std::string::npos);
  EXPECT_EQ(requests.back().user.find("ANCESTOR"), std::string::npos);
}

}  // namespace
}  // namespace kevolve::engine
