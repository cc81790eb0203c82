// The LLM layer's vocabulary: chat messages, failure kinds, one recorded HTTP exchange, and the
// ChatClient interface that the OpenAI-compatible client (llm/openai.h) and the replay client
// (llm/replay.h) implement.
//
// A "call" is one logical request for a completion; it may take several HTTP "attempts"
// (retries). Every attempt is recorded (CallRecord) so the run database holds every request and
// reply, and every failure is counted by its kind.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/status.h"

namespace kevolve::llm {

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// Why an attempt failed. Stored by name (FailureKindName) in llm_calls.failure.
enum class FailureKind {
  kNone = 0,
  kRateLimited,  // HTTP 429
  kServerError,  // HTTP 5xx
  kClientError,  // other HTTP 4xx (bad request, unauthorized, unknown model): not retried
  kTimeout,      // connect or total deadline passed
  kConnection,   // refused, reset, DNS, TLS
  kTruncated,    // the body ended early (connection closed, JSON cut off)
  kTooLarge,     // the body passed llm.max_reply_bytes: not retried
  kContentType,  // the body is not JSON by its Content-Type
  kBadJson,      // not JSON, or JSON without the chat-completions shape
  kEmpty,        // no choices, or an empty message
  kRefusal,      // the model refused (message.refusal, finish_reason content_filter)
  kLength,       // finish_reason length: the reply was cut at the output token limit
  kContextLength,  // HTTP 4xx saying the prompt does not fit the model's context
  kNoKey,        // the key variable is not set: not retried
  kCancelled,    // the run is stopping
  kReplay,       // replay: no recorded reply for this call
};

const char* FailureKindName(FailureKind kind);             // "rate_limited", "server_error", ...
FailureKind FailureKindFromName(const std::string& name);  // unknown -> kBadJson
// Whether another attempt of the same call may succeed.
bool Retryable(FailureKind kind);

// One HTTP attempt, as stored in the run database. Never holds the API key: requests are the
// JSON body (headers are not recorded) and replies are scrubbed of the key's value.
struct CallRecord {
  int64_t proposal = 0;  // the engine's proposal ticket
  int call = 0;          // logical call within the proposal, from 0
  int attempt = 0;       // HTTP attempt within the call, from 0
  std::string model;     // the model's config name
  std::string purpose;   // explore | exploit | crossover | repair | feedback
  std::string request;   // request body (JSON text)
  std::string reply;     // reply body as received (may be cut when too large)
  std::string content;   // the answer: the assistant message without its thinking
  std::string thinking;  // reasoning_content / reasoning, and <think> blocks of the message
  std::string finish_reason;
  int http_status = 0;  // 0 when no HTTP status was received
  FailureKind failure = FailureKind::kNone;
  std::string error;  // one line for people; "" when it succeeded
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  double cost = 0;
  int64_t latency_ms = 0;
  int64_t created_unix_ms = 0;
};

// The outcome of one logical call: its attempts, and the content of the last one when it
// succeeded.
struct CallResult {
  bool ok = false;
  std::string content;
  FailureKind failure = FailureKind::kNone;  // the last attempt's, when !ok
  std::string error;
  std::vector<CallRecord> attempts;
};

struct CallContext {
  int64_t proposal = 0;
  int call = 0;
  std::string purpose;
  const std::atomic<bool>* cancel = nullptr;  // set -> stop waiting and return kCancelled
};

// A chat-completions endpoint. Complete may block for the whole call (retries included) and is
// safe to call from several threads at once.
class ChatClient {
 public:
  virtual ~ChatClient() = default;
  virtual CallResult Complete(const CallContext& context,
                              const std::vector<ChatMessage>& messages) = 0;
};

// A model of the ensemble with the config's defaults filled in.
struct ModelSpec {
  std::string name;         // label: config name, or the model id
  std::string model;        // the API's model id
  std::string base_url;     // without a trailing '/'
  std::string api_key_env;  // "" = no key
  std::string role;         // fast | strong
  double weight = 1;
  int max_concurrency = 1;
  double input_price = 0;  // per million tokens
  double output_price = 0;
  double temperature = -1;
  double top_p = -1;
  int64_t max_tokens = 0;
  std::string reasoning_effort;
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> body;

  double Cost(int64_t tokens_in, int64_t tokens_out) const {
    return (static_cast<double>(tokens_in) * input_price +
            static_cast<double>(tokens_out) * output_price) /
           1e6;
  }
};

// The models of `config` with defaults filled in (name, base_url, api_key_env).
std::vector<ModelSpec> ResolveModels(const LlmConfig& config);

// Checks that every model's key variable is set and not empty. FailedPrecondition names the
// variable and the model, never a value.
Status CheckKeys(const std::vector<ModelSpec>& models);

// Money, tokens and calls spent, against LlmBudgetConfig.
struct Usage {
  int64_t calls = 0;  // HTTP attempts
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  double cost = 0;
  void Add(const CallRecord& r) {
    ++calls;
    tokens_in += r.tokens_in;
    tokens_out += r.tokens_out;
    cost += r.cost;
  }
};

// "" while within budget; otherwise which cap was reached, e.g. "llm.budget.max_cost (2.5) reached:
// 2.5013 spent".
std::string BudgetExceeded(const LlmBudgetConfig& budget, const Usage& usage);

}  // namespace kevolve::llm
