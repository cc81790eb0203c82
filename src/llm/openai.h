// The OpenAI chat-completions client: request building, response classification, retries with
// exponential backoff and jitter, Retry-After. Works with any compatible server (vLLM, SGLang,
// Ollama, llama.cpp, OpenRouter, Gemini's OpenAI endpoint); docs/llm.md has the recipes.
//
// The API key is read from the environment variable the model names, at each attempt, and goes
// only into the Authorization header: it is never part of a CallRecord, a Status or a log line
// (replies that echo it are scrubbed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "llm/http.h"
#include "llm/llm.h"

namespace kevolve::llm {

struct ClientOptions {
  int max_retries = 4;
  int64_t backoff_initial_ms = 1000;
  int64_t backoff_max_ms = 60'000;  // also caps Retry-After
  int64_t connect_timeout_ms = 10'000;
  int64_t timeout_ms = 300'000;
  int64_t max_reply_bytes = 4 << 20;
};
ClientOptions OptionsFrom(const LlmConfig& config);

// The request body: model, messages, and the model's sampling settings and extra body fields
// (extra fields override; their values are JSON text, or a plain string when not JSON).
Json BuildRequestBody(const ModelSpec& spec, const std::vector<ChatMessage>& messages);

// What one HTTP exchange amounts to.
struct ParsedResponse {
  FailureKind failure = FailureKind::kNone;
  std::string error;  // one line; "" when ok
  std::string content;   // the answer only (kept, as far as it came, when cut: kLength)
  std::string thinking;  // the model's thinking, never part of `content`
  std::string finish_reason;
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
};
// A 200 whose finish_reason is "length" is kLength; a 4xx whose body says the prompt does not
// fit the context (vLLM, OpenAI, llama.cpp, Ollama wordings) is kContextLength.
ParsedResponse ParseResponse(const HttpResponse& response);

// A message's content split into answer and thinking: <think>...</think> blocks (any number; one
// left open runs to the end) go to `thinking`, and so does everything before a closing </think>
// that has no opening tag (servers whose chat template writes the opening tag into the prompt).
struct SplitMessage {
  std::string answer;
  std::string thinking;
};
SplitMessage SplitThinking(std::string_view content);

// Retry-After as milliseconds: delta-seconds (decimals accepted) or an HTTP-date, relative to
// now_unix_ms. nullopt when absent or unreadable; never negative.
std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_unix_ms);

// Delay before retry number `retry` (0 = the first retry): initial * 2^retry, capped, with
// "equal jitter" (half fixed, half uniform by `u` in [0, 1)).
int64_t BackoffMs(const ClientOptions& options, int retry, double u);

// `text` with every occurrence of `secret` replaced by "[redacted]" (secret "" = unchanged).
std::string Redact(std::string text, const std::string& secret);

// Waits `ms` milliseconds; returns false when the wait was cut short by cancellation.
using SleepFn = std::function<bool(int64_t ms)>;
// Reads an environment variable ("" when unset).
using GetEnvFn = std::function<std::string(const std::string& name)>;
GetEnvFn ProcessEnv();

class OpenAiClient final : public ChatClient {
 public:
  // `transport` and `clock` must outlive the client. At most spec.max_concurrency calls run at
  // once; further calls wait (or return kCancelled when the context's cancel flag is set).
  OpenAiClient(ModelSpec spec, ClientOptions options, HttpTransport& transport, Clock& clock,
               SleepFn sleep, GetEnvFn getenv = ProcessEnv());

  CallResult Complete(const CallContext& context,
                      const std::vector<ChatMessage>& messages) override;

  const ModelSpec& spec() const { return spec_; }

 private:
  CallRecord Attempt(const CallContext& context, const std::string& body, int attempt,
                     std::string* retry_after);

  ModelSpec spec_;
  ClientOptions options_;
  HttpTransport& transport_;
  Clock& clock_;
  SleepFn sleep_;
  GetEnvFn getenv_;
  std::counting_semaphore<1 << 20> slots_;
};

}  // namespace kevolve::llm
