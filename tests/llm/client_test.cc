// The OpenAI-compatible client over a scripted transport and a manual clock: request shape,
// response classification, retries, backoff, Retry-After, keys. No network, no sleeping.
#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "core/clock.h"
#include "llm/openai.h"

namespace kevolve::llm {
namespace {

HttpResponse Json200(const std::string& body) {
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/json; charset=utf-8";
  r.body = body;
  return r;
}

HttpResponse Completion(const std::string& content, int in = 100, int out = 20) {
  return Json200(R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":)"
                 R"({"role":"assistant","content":)" +
                 Json(content).dump() + R"(},"finish_reason":"stop"}],"usage":{"prompt_tokens":)" +
                 std::to_string(in) + R"(,"completion_tokens":)" + std::to_string(out) + "}}");
}

HttpResponse Status(int status, const std::string& retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = R"({"error":{"message":"status )" + std::to_string(status) + R"("}})";
  r.retry_after = retry_after;
  return r;
}

class FakeTransport final : public HttpTransport {
 public:
  HttpResponse Post(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request);
    if (replies.empty()) return Completion("fallback");
    HttpResponse r = replies.front();
    replies.pop_front();
    return r;
  }
  std::deque<HttpResponse> replies;
  std::vector<HttpRequest> requests;

 private:
  std::mutex mu_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() {
    spec_.name = "fast";
    spec_.model = "test-model";
    spec_.base_url = "http://127.0.0.1:9/v1";
    spec_.api_key_env = "TEST_KEY_VAR";
    spec_.max_concurrency = 2;
    spec_.input_price = 2.0;  // per million
    spec_.output_price = 10.0;
    options_.max_retries = 3;
    options_.backoff_initial_ms = 1000;
    options_.backoff_max_ms = 8000;
  }

  std::unique_ptr<OpenAiClient> Client() {
    return std::make_unique<OpenAiClient>(
        spec_, options_, transport_, clock_,
        [this](int64_t ms) {
          sleeps_.push_back(ms);
          clock_.Advance(ms);
          return !cancel_.load();
        },
        [this](const std::string& name) { return name == "TEST_KEY_VAR" ? key_ : ""; });
  }

  CallResult Call() {
    CallContext context{12, 0, "explore", &cancel_};
    return Client()->Complete(context, {{"system", "be brief"}, {"user", "improve this"}});
  }

  ModelSpec spec_;
  ClientOptions options_;
  FakeTransport transport_;
  ManualClock clock_;
  std::vector<int64_t> sleeps_;
  std::atomic<bool> cancel_{false};
  std::string key_ = "sk-test-SECRET-0123456789";
};

TEST_F(ClientTest, SendsTheChatCompletionsRequest) {
  spec_.temperature = 0.7;
  spec_.reasoning_effort = "high";
  spec_.headers = {{"HTTP-Referer", "https://example.org"}};
  spec_.body = {{"max_completion_tokens", "2048"},
                {"reasoning", "{\"effort\": \"low\"}"},
                {"user", "kevolve"}};
  transport_.replies = {Completion("ok")};
  CallResult r = Call();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(transport_.requests.size(), 1u);
  const HttpRequest& req = transport_.requests[0];
  EXPECT_EQ(req.url, "http://127.0.0.1:9/v1/chat/completions");
  bool auth = false, referer = false;
  for (const auto& [name, value] : req.headers) {
    auth |= name == "Authorization" && value == "Bearer " + key_;
    referer |= name == "HTTP-Referer" && value == "https://example.org";
  }
  EXPECT_TRUE(auth);
  EXPECT_TRUE(referer);
  Json body = Json::parse(req.body);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "improve this");
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7);
  EXPECT_FALSE(body.contains("top_p"));  // negative: left to the server
  EXPECT_EQ(body["reasoning_effort"], "high");
  EXPECT_EQ(body["max_completion_tokens"], 2048);
  EXPECT_EQ(body["reasoning"]["effort"], "low");
  EXPECT_EQ(body["user"], "kevolve");
  EXPECT_EQ(body["stream"], false);
}

TEST_F(ClientTest, RecordsTokensCostAndTheExchangeWithoutTheKey) {
  transport_.replies = {Completion("the edit", 1000, 500)};
  CallResult r = Call();
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.attempts.size(), 1u);
  const CallRecord& a = r.attempts[0];
  EXPECT_EQ(a.content, "the edit");
  EXPECT_EQ(a.tokens_in, 1000);
  EXPECT_EQ(a.tokens_out, 500);
  EXPECT_DOUBLE_EQ(a.cost, (1000 * 2.0 + 500 * 10.0) / 1e6);
  EXPECT_EQ(a.proposal, 12);
  EXPECT_EQ(a.model, "fast");
  EXPECT_EQ(a.purpose, "explore");
  EXPECT_EQ(a.finish_reason, "stop");
  EXPECT_EQ(a.request.find(key_), std::string::npos);
  EXPECT_NE(a.request.find("improve this"), std::string::npos);
}

TEST_F(ClientTest, AReplyThatEchoesTheKeyIsScrubbed) {
  HttpResponse r = Status(401);
  r.body = R"({"error":{"message":"Incorrect API key provided: )" + key_ + R"("}})";
  transport_.replies = {r};
  CallResult result = Call();
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.failure, FailureKind::kClientError);
  EXPECT_EQ(result.attempts.size(), 1u);  // 4xx other than 429 is not retried
  EXPECT_EQ(result.attempts[0].reply.find(key_), std::string::npos);
  EXPECT_EQ(result.error.find(key_), std::string::npos);
  EXPECT_NE(result.attempts[0].reply.find("[redacted]"), std::string::npos);
}

TEST_F(ClientTest, RetriesWithExponentialBackoffAndJitter) {
  transport_.replies = {Status(500), Status(502), Status(503), Completion("ok")};
  CallResult r = Call();
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.attempts.size(), 4u);
  EXPECT_EQ(r.attempts[0].failure, FailureKind::kServerError);
  EXPECT_EQ(r.attempts[0].http_status, 500);
  EXPECT_EQ(r.attempts[3].attempt, 3);
  ASSERT_EQ(sleeps_.size(), 3u);
  // Equal jitter: the n-th delay lies in [d/2, d] with d = 1000 * 2^n.
  for (size_t i = 0; i < sleeps_.size(); ++i) {
    const int64_t d = 1000 << i;
    EXPECT_GE(sleeps_[i], d / 2) << i;
    EXPECT_LE(sleeps_[i], d) << i;
  }
}

TEST_F(ClientTest, HonoursRetryAfterUpToTheBackoffCap) {
  transport_.replies = {Status(429, "3"), Status(429, "120"), Completion("ok")};
  CallResult r = Call();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.attempts[0].failure, FailureKind::kRateLimited);
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_EQ(sleeps_[0], 3000);
  EXPECT_EQ(sleeps_[1], 8000);  // capped by backoff_max
}

TEST_F(ClientTest, GivesUpAfterMaxRetries) {
  transport_.replies = {Status(500), Status(500), Status(500), Status(500), Completion("late")};
  CallResult r = Call();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failure, FailureKind::kServerError);
  EXPECT_EQ(r.attempts.size(), 4u);  // the first try and 3 retries
  EXPECT_EQ(transport_.replies.size(), 1u);
}

TEST_F(ClientTest, CancellationStopsTheRetries) {
  transport_.replies = {Status(500), Status(500), Completion("ok")};
  cancel_.store(true);
  CallResult r = Call();
  EXPECT_FALSE(r.ok);
  EXPECT_LE(r.attempts.size(), 1u);
}

TEST_F(ClientTest, AMissingKeyFailsWithoutARequest) {
  key_.clear();
  CallResult r = Call();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failure, FailureKind::kNoKey);
  EXPECT_TRUE(transport_.requests.empty());
  EXPECT_NE(r.error.find("TEST_KEY_VAR"), std::string::npos);
}

TEST_F(ClientTest, AServerWithoutKeyGetsNoAuthorizationHeader) {
  spec_.api_key_env.clear();
  transport_.replies = {Completion("ok")};
  ASSERT_TRUE(Call().ok);
  for (const auto& [name, value] : transport_.requests[0].headers) EXPECT_NE(name, "Authorization");
}

struct Classified {
  HttpResponse response;
  FailureKind kind;
};

TEST(ParseResponseTest, EveryFaultHasItsKind) {
  HttpResponse html = Json200("<html>bad gateway</html>");
  html.content_type = "text/html";
  HttpResponse timeout;
  timeout.error = HttpResponse::Error::kTimeout;
  HttpResponse cut;
  cut.error = HttpResponse::Error::kTruncated;
  HttpResponse big;
  big.error = HttpResponse::Error::kTooLarge;
  HttpResponse refused;
  refused.error = HttpResponse::Error::kConnection;
  const std::vector<Classified> cases = {
      {Status(429), FailureKind::kRateLimited},
      {Status(500), FailureKind::kServerError},
      {Status(404), FailureKind::kClientError},
      {Status(408), FailureKind::kTimeout},
      {timeout, FailureKind::kTimeout},
      {cut, FailureKind::kTruncated},
      {big, FailureKind::kTooLarge},
      {refused, FailureKind::kConnection},
      {html, FailureKind::kContentType},
      {Json200(R"({"choices":[{"message":{"content":"abc)"), FailureKind::kTruncated},
      {Json200("not json at all"), FailureKind::kBadJson},
      {Json200(R"({"object":"chat.completion"})"), FailureKind::kBadJson},
      {Json200(R"({"choices":[]})"), FailureKind::kEmpty},
      {Json200(R"({"choices":[{"message":{"content":null}}]})"), FailureKind::kEmpty},
      {Json200(R"({"choices":[{"message":{"content":"  "}}]})"), FailureKind::kEmpty},
      {Json200(R"({"choices":[{"message":{"content":null,"refusal":"I can't."}}]})"),
       FailureKind::kRefusal},
      {Json200(R"({"choices":[{"message":{"content":""},"finish_reason":"content_filter"}]})"),
       FailureKind::kRefusal},
      {Json200(R"({"error":{"message":"overloaded"}})"), FailureKind::kServerError},
  };
  for (const Classified& c : cases) {
    ParsedResponse p = ParseResponse(c.response);
    EXPECT_EQ(p.failure, c.kind) << FailureKindName(p.failure) << " for: " << c.response.body;
    EXPECT_FALSE(p.error.empty());
  }
}

TEST(ParseResponseTest, ReadsContentPartsAndUsage) {
  ParsedResponse p = ParseResponse(Json200(
      R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3}})"));
  EXPECT_EQ(p.failure, FailureKind::kNone);
  EXPECT_EQ(p.content, "ab");
  EXPECT_EQ(p.finish_reason, "stop");
  EXPECT_EQ(p.tokens_in, 7);
  EXPECT_EQ(p.tokens_out, 3);
}

TEST(ParseResponseTest, AReplyCutAtTheTokenLimitIsLengthAndKeepsWhatCame) {
  ParsedResponse p = ParseResponse(Json200(
      R"({"choices":[{"message":{"content":"<reasoning>First"},"finish_reason":"length"}],)"
      R"("usage":{"prompt_tokens":7,"completion_tokens":4096}})"));
  EXPECT_EQ(p.failure, FailureKind::kLength);
  EXPECT_EQ(p.content, "<reasoning>First");
  EXPECT_EQ(p.finish_reason, "length");
  EXPECT_EQ(p.tokens_out, 4096);
  EXPECT_NE(p.error.find("output token limit"), std::string::npos) << p.error;
  // A reasoning model that spent every token thinking: cut, not empty.
  p = ParseResponse(Json200(R"({"choices":[{"message":{"content":null,)"
                            R"("reasoning_content":"hmm"},"finish_reason":"length"}]})"));
  EXPECT_EQ(p.failure, FailureKind::kLength);
  EXPECT_EQ(p.thinking, "hmm");
}

TEST(ParseResponseTest, AContextLengthErrorIsRecognizedAsServersWordIt) {
  auto bad_request = [](int status, const std::string& body) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = body;
    return r;
  };
  const std::vector<HttpResponse> context = {
      // vLLM
      bad_request(400, R"({"object":"error","message":"This model's maximum context length is )"
                       R"(4096 tokens. However, you requested 5000 tokens.","code":400})"),
      // OpenAI
      bad_request(400, R"({"error":{"message":"Input too long.","type":"invalid_request_error",)"
                       R"("code":"context_length_exceeded"}})"),
      // llama.cpp
      bad_request(400, R"({"error":{"code":400,"message":"the request exceeds the available )"
                       R"(context size, try increasing it","type":"exceed_context_size_error"}})"),
      bad_request(413, R"({"error":"too many tokens in the prompt"})"),
  };
  for (const HttpResponse& r : context) {
    ParsedResponse p = ParseResponse(r);
    EXPECT_EQ(p.failure, FailureKind::kContextLength) << r.body;
    EXPECT_NE(p.error.find("does not fit the model's context"), std::string::npos) << p.error;
  }
  EXPECT_EQ(ParseResponse(bad_request(400, R"({"error":{"message":"unknown model"}})")).failure,
            FailureKind::kClientError);
  EXPECT_EQ(ParseResponse(bad_request(500, R"({"error":"context length"})")).failure,
            FailureKind::kServerError);
}

TEST(ParseResponseTest, ThinkingIsKeptApartFromTheAnswer) {
  auto message = [](const std::string& fields) {
    return ParseResponse(
        Json200(R"({"choices":[{"message":{)" + fields + R"(},"finish_reason":"stop"}]})"));
  };
  ParsedResponse p = message(R"("content":"the edit","reasoning_content":"let me think")");
  EXPECT_EQ(p.content, "the edit");
  EXPECT_EQ(p.thinking, "let me think");
  p = message(R"("content":"the edit","reasoning":"openrouter thinking")");
  EXPECT_EQ(p.content, "the edit");
  EXPECT_EQ(p.thinking, "openrouter thinking");
  p = message(R"("content":"<think>\nstep one\n</think>\n\nthe edit")");
  EXPECT_EQ(p.content, "the edit");
  EXPECT_EQ(p.thinking, "step one");
  // Only thinking, no answer: empty.
  p = message(R"("content":"<think>all thought, no answer</think>")");
  EXPECT_EQ(p.failure, FailureKind::kEmpty);
  EXPECT_EQ(p.thinking, "all thought, no answer");
}

TEST(SplitThinkingTest, BlocksAnywhereAnOpenBlockAndAClosingTagFromTheTemplate) {
  SplitMessage s = SplitThinking("a <THINK>x</think> b <think>y</think> c");
  EXPECT_EQ(s.answer, "a  b  c");
  EXPECT_EQ(s.thinking, "x\ny");
  s = SplitThinking("answer <think>cut mid-thought");
  EXPECT_EQ(s.answer, "answer");
  EXPECT_EQ(s.thinking, "cut mid-thought");
  s = SplitThinking("the template opened it\n</think>\nanswer");
  EXPECT_EQ(s.answer, "answer");
  EXPECT_EQ(s.thinking, "the template opened it");
  s = SplitThinking("  no thinking here\n");
  EXPECT_EQ(s.answer, "  no thinking here\n");
  EXPECT_EQ(s.thinking, "");
}

TEST(RetryAfterTest, SecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfterMs("2", 0), 2000);
  EXPECT_EQ(ParseRetryAfterMs(" 0.5 ", 0), 500);
  EXPECT_EQ(ParseRetryAfterMs("-3", 0), 0);
  EXPECT_FALSE(ParseRetryAfterMs("", 0).has_value());
  EXPECT_FALSE(ParseRetryAfterMs("soon", 0).has_value());
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 s after the epoch.
  EXPECT_EQ(ParseRetryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470000), 10000);
  EXPECT_EQ(ParseRetryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490000), 0);
}

TEST(BackoffTest, DoublesUpToTheCap) {
  ClientOptions o;
  o.backoff_initial_ms = 100;
  o.backoff_max_ms = 1000;
  EXPECT_EQ(BackoffMs(o, 0, 0.0), 50);
  EXPECT_EQ(BackoffMs(o, 0, 1.0), 100);
  EXPECT_EQ(BackoffMs(o, 2, 1.0), 400);
  EXPECT_EQ(BackoffMs(o, 10, 1.0), 1000);
  EXPECT_EQ(BackoffMs(o, 1000, 0.0), 500);
}

TEST(FailureKindTest, NamesRoundTripAndRetryability) {
  for (FailureKind k : {FailureKind::kRateLimited, FailureKind::kServerError, FailureKind::kTimeout,
                        FailureKind::kTruncated, FailureKind::kTooLarge, FailureKind::kContentType,
                        FailureKind::kRefusal, FailureKind::kEmpty, FailureKind::kLength,
                        FailureKind::kContextLength}) {
    EXPECT_EQ(FailureKindFromName(FailureKindName(k)), k);
  }
  EXPECT_TRUE(Retryable(FailureKind::kRateLimited));
  EXPECT_TRUE(Retryable(FailureKind::kTruncated));
  EXPECT_FALSE(Retryable(FailureKind::kTooLarge));
  EXPECT_FALSE(Retryable(FailureKind::kRefusal));
  EXPECT_FALSE(Retryable(FailureKind::kClientError));
  // The same request would be cut, or too long, again: the proposer changes it instead.
  EXPECT_FALSE(Retryable(FailureKind::kLength));
  EXPECT_FALSE(Retryable(FailureKind::kContextLength));
}

}  // namespace
}  // namespace kevolve::llm
