// The OpenAI-compatible client over libcurl against the local test server: every fault the
// server injects ends as a recorded attempt of the right kind, and retries recover when they can.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "llm/openai.h"
#include "testing/llm_server.h"

namespace kevolve::llm {
namespace {

using testing::LlmTestServer;
using testing::ServerReply;

class HttpTest : public ::testing::Test {
 protected:
  HttpTest()
      : server_([](const testing::ServerRequest&) {
          return LlmTestServer::Completion("default reply");
        }) {
    spec_.name = "local";
    spec_.model = "test-model";
    spec_.base_url = server_.base_url();
    spec_.api_key_env = "KEY";
    spec_.max_concurrency = 4;
    options_.max_retries = 2;
    options_.backoff_initial_ms = 10;
    options_.backoff_max_ms = 2000;
    options_.timeout_ms = 700;
    options_.max_reply_bytes = 64 << 10;
  }

  CallResult Call(int max_retries = 2) {
    options_.max_retries = max_retries;
    OpenAiClient client(
        spec_, options_, *transport_, RealClock(),
        [](int64_t ms) {
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          return true;
        },
        [](const std::string&) { return std::string("sk-local-test-key"); });
    return client.Complete({1, 0, "explore", nullptr}, {{"user", "hello"}});
  }

  LlmTestServer server_;
  std::unique_ptr<HttpTransport> transport_ = MakeCurlTransport();
  ModelSpec spec_;
  ClientOptions options_;
};

TEST_F(HttpTest, AReplyComesBackWithItsUsageAndTheKeyIsSent) {
  CallResult r = Call();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.content, "default reply");
  EXPECT_EQ(r.attempts[0].tokens_in, 100);
  EXPECT_EQ(r.attempts[0].http_status, 200);
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].authorization, "Bearer sk-local-test-key");
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].json["model"], "test-model");
}

TEST_F(HttpTest, RateLimitIsRetriedAfterTheServersDelay) {
  server_.Script({LlmTestServer::RateLimited("1")});
  const auto start = std::chrono::steady_clock::now();
  CallResult r = Call();
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].failure, FailureKind::kRateLimited);
  EXPECT_EQ(r.attempts[0].http_status, 429);
  EXPECT_GE(waited, std::chrono::milliseconds(950));
}

TEST_F(HttpTest, EveryFaultIsCountedByItsKind) {
  struct Case {
    ServerReply reply;
    FailureKind kind;
  };
  const std::vector<Case> cases = {
      {LlmTestServer::ServerError(), FailureKind::kServerError},
      {LlmTestServer::Slow(1500, "late"), FailureKind::kTimeout},
      {LlmTestServer::Truncated(), FailureKind::kTruncated},
      {LlmTestServer::Huge(200 << 10), FailureKind::kTooLarge},
      {LlmTestServer::WrongContentType(), FailureKind::kContentType},
      {LlmTestServer::Refusal(), FailureKind::kRefusal},
      {LlmTestServer::EmptyChoices(), FailureKind::kEmpty},
      {LlmTestServer::CutAtTokenLimit("<reasoning>"), FailureKind::kLength},
      {LlmTestServer::ContextLengthExceeded(), FailureKind::kContextLength},
  };
  for (const Case& c : cases) {
    server_.Script({c.reply});
    CallResult r = Call(/*max_retries=*/0);
    ASSERT_FALSE(r.attempts.empty());
    EXPECT_EQ(r.attempts[0].failure, c.kind)
        << "expected " << FailureKindName(c.kind) << ", got "
        << FailureKindName(r.attempts[0].failure) << ": " << r.attempts[0].error;
    EXPECT_FALSE(r.ok);
  }
}

TEST_F(HttpTest, RetriesRecoverFromTransientFaults) {
  server_.Script({LlmTestServer::Truncated(), LlmTestServer::WrongContentType()});
  CallResult r = Call(/*max_retries=*/2);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.attempts.size(), 3u);
  EXPECT_EQ(r.attempts[0].failure, FailureKind::kTruncated);
  EXPECT_EQ(r.attempts[1].failure, FailureKind::kContentType);
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(HttpTest, ANonRetryableFaultIsNotRetried) {
  server_.Script({LlmTestServer::Huge(200 << 10), LlmTestServer::Completion("never asked")});
  CallResult r = Call(/*max_retries=*/3);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_LE(r.attempts[0].reply.size(), 64u << 10);  // the stored reply is capped
}

TEST_F(HttpTest, AReasoningModelsThinkingIsRecordedApartFromItsAnswer) {
  server_.Script({LlmTestServer::WithReasoningContent("weigh both loops", "the answer")});
  CallResult r = Call();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.content, "the answer");
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].thinking, "weigh both loops");
  EXPECT_EQ(r.attempts[0].content, "the answer");
}

TEST_F(HttpTest, ARefusedConnectionIsAConnectionFailure) {
  spec_.base_url = "http://127.0.0.1:1/v1";
  CallResult r = Call(/*max_retries=*/0);
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].failure, FailureKind::kConnection) << r.attempts[0].error;
}

}  // namespace
}  // namespace kevolve::llm
