#include "llm/openai.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "core/random.h"
#include "core/text.h"

namespace kevolve::llm {
namespace {

// Failed replies are kept for diagnosis, but a huge error page need not be kept whole.
constexpr size_t kMaxRecordedFailureBytes = 64 << 10;

// The server's own error message, when the body is a JSON {"error": {"message": ...}}.
std::string ServerMessage(const std::string& body) {
  Result<Json> json = ParseJson(body);
  if (json.ok() && json->is_object()) {
    auto error = json->find("error");
    if (error != json->end()) {
      if (error->is_string()) return Truncate(error->get<std::string>(), 300);
      if (error->is_object() && error->contains("message") && (*error)["message"].is_string()) {
        return Truncate((*error)["message"].get<std::string>(), 300);
      }
    }
  }
  return Truncate(std::string(Trim(body)), 200);
}

// How servers say that a prompt does not fit the model's context: vLLM and OpenAI ("maximum
// context length", code context_length_exceeded), llama.cpp ("exceeds the available context
// size", exceed_context_size_error), Ollama and others ("too many tokens", "prompt is too long").
bool SaysContextLength(const std::string& body) {
  const std::string lower = ToLower(body);
  for (const char* marker :
       {"maximum context length", "context_length_exceeded", "context length", "context size",
        "context window", "exceed_context_size", "too many tokens", "prompt is too long",
        "input is too long"}) {
    if (lower.find(marker) != std::string::npos) return true;
  }
  return false;
}

ParsedResponse Fail(FailureKind kind, std::string error) {
  ParsedResponse r;
  r.failure = kind;
  r.error = std::move(error);
  return r;
}

ParsedResponse TransportFailure(const HttpResponse& response) {
  switch (response.error) {
    case HttpResponse::Error::kTimeout:
      return Fail(FailureKind::kTimeout, "no complete reply in time: " + response.error_message);
    case HttpResponse::Error::kTruncated:
      return Fail(FailureKind::kTruncated, "the reply ended early: " + response.error_message);
    case HttpResponse::Error::kTooLarge:
      return Fail(FailureKind::kTooLarge, "the reply passed llm.max_reply_bytes");
    case HttpResponse::Error::kCancelled:
      return Fail(FailureKind::kCancelled, "cancelled");
    default:
      return Fail(FailureKind::kConnection, "cannot reach the server: " + response.error_message);
  }
}

int64_t TokenCount(const Json& usage, const char* key) {
  auto it = usage.find(key);
  if (it == usage.end() || !it->is_number()) return 0;
  const double v = it->get<double>();
  return std::isfinite(v) && v > 0 ? static_cast<int64_t>(v) : 0;
}

// Content is a string, or (some servers) a list of parts with "text".
std::string ContentText(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const Json& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        out += part["text"].get<std::string>();
      }
    }
  }
  return out;
}

// Finds where JSON text stops being valid, without exceptions: a body cut off in transit fails
// at its very end, while a body that is simply not JSON fails earlier.
class ErrorPosition final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    position_ = position;
    return false;
  }
  size_t position() const { return position_; }

 private:
  size_t position_ = 0;
};

bool EndsEarly(const std::string& body) {
  if (Trim(body).empty()) return false;
  ErrorPosition handler;
  Json::sax_parse(body, &handler, nlohmann::detail::input_format_t::json, true, false);
  return handler.position() >= body.size();
}

ParsedResponse ParseBody(const std::string& body) {
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok()) {
    const bool cut = EndsEarly(body);
    return Fail(cut ? FailureKind::kTruncated : FailureKind::kBadJson,
                cut ? "the JSON reply ends early" : "the reply is not JSON");
  }
  const Json& json = *parsed;
  if (!json.is_object()) return Fail(FailureKind::kBadJson, "the reply is not a JSON object");
  if (json.contains("error") && !json.contains("choices")) {
    return Fail(FailureKind::kServerError, "the server reported: " + ServerMessage(body));
  }
  ParsedResponse r;
  if (auto usage = json.find("usage"); usage != json.end() && usage->is_object()) {
    r.tokens_in = TokenCount(*usage, "prompt_tokens");
    r.tokens_out = TokenCount(*usage, "completion_tokens");
  }
  auto choices = json.find("choices");
  if (choices == json.end() || !choices->is_array()) {
    return Fail(FailureKind::kBadJson, "the reply has no \"choices\" list");
  }
  if (choices->empty()) {
    ParsedResponse empty = Fail(FailureKind::kEmpty, "the reply has no choices");
    empty.tokens_in = r.tokens_in;
    empty.tokens_out = r.tokens_out;
    return empty;
  }
  const Json& choice = (*choices)[0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object()) {
    return Fail(FailureKind::kBadJson, "the first choice has no \"message\" object");
  }
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
    r.finish_reason = choice["finish_reason"].get<std::string>();
  }
  const Json& message = choice["message"];
  auto keep_tokens = [&r](ParsedResponse f) {
    f.tokens_in = r.tokens_in;
    f.tokens_out = r.tokens_out;
    f.finish_reason = r.finish_reason;
    f.content = r.content;
    f.thinking = r.thinking;
    return f;
  };
  if (message.contains("refusal") && message["refusal"].is_string() &&
      !Trim(message["refusal"].get<std::string>()).empty()) {
    return keep_tokens(
        Fail(FailureKind::kRefusal,
             "the model refused: " + Truncate(message["refusal"].get<std::string>(), 200)));
  }
  if (r.finish_reason == "content_filter") {
    return keep_tokens(Fail(FailureKind::kRefusal, "the reply was withheld by a content filter"));
  }
  SplitMessage split = SplitThinking(message.contains("content") ? ContentText(message["content"]) : "");
  r.content = std::move(split.answer);
  for (const char* field : {"reasoning_content", "reasoning"}) {
    if (message.contains(field) && message[field].is_string()) {
      r.thinking = message[field].get<std::string>();
      break;
    }
  }
  if (!split.thinking.empty()) r.thinking += (r.thinking.empty() ? "" : "\n") + split.thinking;
  if (r.finish_reason == "length") {
    return keep_tokens(Fail(FailureKind::kLength,
                            "the reply was cut at the output token limit (finish_reason length, " +
                                std::to_string(r.tokens_out) + " tokens)"));
  }
  if (Trim(r.content).empty()) {
    return keep_tokens(Fail(FailureKind::kEmpty, "the model's message is empty"));
  }
  return r;
}

}  // namespace

ClientOptions OptionsFrom(const LlmConfig& config) {
  auto ms = [](double seconds) { return static_cast<int64_t>(std::llround(seconds * 1000.0)); };
  ClientOptions o;
  o.max_retries = config.max_retries;
  o.backoff_initial_ms = ms(config.backoff_initial_seconds);
  o.backoff_max_ms = ms(config.backoff_max_seconds);
  o.connect_timeout_ms = std::max<int64_t>(1, ms(config.connect_timeout_seconds));
  o.timeout_ms = std::max<int64_t>(1, ms(config.timeout_seconds));
  o.max_reply_bytes = config.max_reply_bytes;
  return o;
}

Json BuildRequestBody(const ModelSpec& spec, const std::vector<ChatMessage>& messages) {
  Json body = Json::object();
  body["model"] = spec.model;
  Json list = Json::array();
  for (const ChatMessage& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  body["messages"] = std::move(list);
  if (spec.temperature >= 0) body["temperature"] = spec.temperature;
  if (spec.top_p >= 0) body["top_p"] = spec.top_p;
  if (spec.max_tokens > 0) body["max_tokens"] = spec.max_tokens;
  if (!spec.reasoning_effort.empty()) body["reasoning_effort"] = spec.reasoning_effort;
  body["stream"] = false;
  for (const auto& [key, text] : spec.body) {
    Result<Json> value = ParseJson(text);
    body[key] = value.ok() ? *value : Json(text);
  }
  return body;
}

ParsedResponse ParseResponse(const HttpResponse& response) {
  if (response.error != HttpResponse::Error::kNone) return TransportFailure(response);
  const int status = response.status;
  const std::string where = "HTTP " + std::to_string(status) + ": ";
  if (status == 429) return Fail(FailureKind::kRateLimited, where + ServerMessage(response.body));
  if (status >= 500) return Fail(FailureKind::kServerError, where + ServerMessage(response.body));
  if (status == 408) return Fail(FailureKind::kTimeout, where + ServerMessage(response.body));
  if (status >= 400 && status < 500 && SaysContextLength(response.body)) {
    return Fail(FailureKind::kContextLength,
                where + "the prompt does not fit the model's context: " +
                    ServerMessage(response.body));
  }
  if (status < 200 || status >= 300) {
    return Fail(FailureKind::kClientError, where + ServerMessage(response.body));
  }
  if (ToLower(response.content_type).find("json") == std::string::npos) {
    return Fail(FailureKind::kContentType,
                "the reply is '" + Truncate(response.content_type, 80) + "', not JSON");
  }
  return ParseBody(response.body);
}

SplitMessage SplitThinking(std::string_view content) {
  SplitMessage out;
  std::string text(content);
  auto add_thinking = [&out](std::string_view part) {
    const std::string_view trimmed = Trim(part);
    if (trimmed.empty()) return;
    if (!out.thinking.empty()) out.thinking += '\n';
    out.thinking += trimmed;
  };
  const std::string kOpen = "<think>", kClose = "</think>";
  // A closing tag before any opening one: the template opened the block in the prompt.
  const size_t first_close = ToLower(text).find(kClose);
  if (first_close != std::string::npos && ToLower(text).substr(0, first_close).find(kOpen) ==
                                              std::string::npos) {
    add_thinking(std::string_view(text).substr(0, first_close));
    text.erase(0, first_close + kClose.size());
  }
  for (size_t start; (start = ToLower(text).find(kOpen)) != std::string::npos;) {
    const size_t body = start + kOpen.size();
    const size_t end = ToLower(text).find(kClose, body);
    add_thinking(std::string_view(text).substr(
        body, (end == std::string::npos ? text.size() : end) - body));
    text.erase(start, end == std::string::npos ? std::string::npos : end + kClose.size() - start);
  }
  // Untouched when there was no block; otherwise without the blank lines the blocks left.
  out.answer = text.size() == content.size() ? text : std::string(Trim(text));
  return out;
}

std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_unix_ms) {
  const std::string text(Trim(value));
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (end != text.c_str() && *end == '\0') {
    if (!std::isfinite(seconds)) return std::nullopt;
    return static_cast<int64_t>(std::max(0.0, seconds) * 1000.0);
  }
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  const int64_t at_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return std::max<int64_t>(0, at_ms - now_unix_ms);
}

int64_t BackoffMs(const ClientOptions& options, int retry, double u) {
  double delay = static_cast<double>(options.backoff_initial_ms) *
                 std::pow(2.0, static_cast<double>(std::min(retry, 40)));
  delay = std::min(delay, static_cast<double>(options.backoff_max_ms));
  return static_cast<int64_t>(delay / 2 + delay / 2 * std::clamp(u, 0.0, 1.0));
}

std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  size_t at = 0;
  while ((at = text.find(secret, at)) != std::string::npos) {
    text.replace(at, secret.size(), "[redacted]");
    at += 10;
  }
  return text;
}

GetEnvFn ProcessEnv() {
  return [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::string() : std::string(value);
  };
}

OpenAiClient::OpenAiClient(ModelSpec spec, ClientOptions options, HttpTransport& transport,
                           Clock& clock, SleepFn sleep, GetEnvFn getenv)
    : spec_(std::move(spec)),
      options_(options),
      transport_(transport),
      clock_(clock),
      sleep_(std::move(sleep)),
      getenv_(std::move(getenv)),
      slots_(std::max<ptrdiff_t>(1, spec_.max_concurrency)) {}

CallRecord OpenAiClient::Attempt(const CallContext& context, const std::string& body, int attempt,
                                 std::string* retry_after) {
  CallRecord record;
  record.proposal = context.proposal;
  record.call = context.call;
  record.attempt = attempt;
  record.model = spec_.name;
  record.purpose = context.purpose;
  record.request = body;
  record.created_unix_ms = clock_.UnixMs();
  std::string key;
  if (!spec_.api_key_env.empty()) {
    key = getenv_(spec_.api_key_env);
    if (key.empty()) {
      record.failure = FailureKind::kNoKey;
      record.error = "the environment variable " + spec_.api_key_env + " (the key of model " +
                     spec_.name + ") is not set";
      return record;
    }
  }
  HttpRequest request;
  request.url = spec_.base_url + "/chat/completions";
  request.headers.emplace_back("Content-Type", "application/json");
  if (!key.empty()) request.headers.emplace_back("Authorization", "Bearer " + key);
  for (const auto& [name, value] : spec_.headers) request.headers.emplace_back(name, value);
  request.body = body;
  request.connect_timeout_ms = options_.connect_timeout_ms;
  request.timeout_ms = options_.timeout_ms;
  request.max_reply_bytes = options_.max_reply_bytes;
  request.cancel = context.cancel;
  const int64_t start = clock_.NowMs();
  HttpResponse response = transport_.Post(request);
  record.latency_ms = clock_.NowMs() - start;
  ParsedResponse parsed = ParseResponse(response);
  record.http_status = response.status;
  record.failure = parsed.failure;
  record.error = Redact(parsed.error, key);
  record.content = Redact(std::move(parsed.content), key);
  record.thinking = Redact(std::move(parsed.thinking), key);
  record.finish_reason = parsed.finish_reason;
  record.tokens_in = parsed.tokens_in;
  record.tokens_out = parsed.tokens_out;
  record.cost = spec_.Cost(parsed.tokens_in, parsed.tokens_out);
  if (parsed.failure != FailureKind::kNone && response.body.size() > kMaxRecordedFailureBytes) {
    response.body = Truncate(response.body, kMaxRecordedFailureBytes);
  }
  record.reply = Redact(std::move(response.body), key);
  *retry_after = response.retry_after;
  return record;
}

CallResult OpenAiClient::Complete(const CallContext& context,
                                  const std::vector<ChatMessage>& messages) {
  CallResult result;
  auto cancelled = [&] { return context.cancel != nullptr && context.cancel->load(); };
  // Wait for one of this model's slots, checking for cancellation now and then.
  while (!slots_.try_acquire_for(std::chrono::milliseconds(50))) {
    if (cancelled()) {
      result.failure = FailureKind::kCancelled;
      result.error = "cancelled";
      return result;
    }
  }
  const std::string body = DumpJson(BuildRequestBody(spec_, messages));
  Rng jitter(Fnv1a64(spec_.name) ^ (static_cast<uint64_t>(context.proposal) << 8) ^
             static_cast<uint64_t>(context.call));
  for (int attempt = 0;; ++attempt) {
    std::string retry_after;
    CallRecord record = Attempt(context, body, attempt, &retry_after);
    const FailureKind failure = record.failure;
    result.error = record.error;
    result.failure = failure;
    if (failure == FailureKind::kNone) {
      result.ok = true;
      result.content = record.content;
    }
    result.attempts.push_back(std::move(record));
    if (result.ok || !Retryable(failure) || attempt >= options_.max_retries || cancelled()) break;
    int64_t delay = BackoffMs(options_, attempt, jitter.Uniform());
    if (auto after = ParseRetryAfterMs(retry_after, clock_.UnixMs())) {
      delay = std::min(*after, options_.backoff_max_ms);
    }
    if (!sleep_(delay)) break;
  }
  slots_.release();
  return result;
}

}  // namespace kevolve::llm
