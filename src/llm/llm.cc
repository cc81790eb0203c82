#include "llm/llm.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "config/config.h"

namespace kevolve::llm {
namespace {

struct KindName {
  FailureKind kind;
  const char* name;
};

constexpr KindName kNames[] = {
    {FailureKind::kNone, ""},
    {FailureKind::kRateLimited, "rate_limited"},
    {FailureKind::kServerError, "server_error"},
    {FailureKind::kClientError, "client_error"},
    {FailureKind::kTimeout, "timeout"},
    {FailureKind::kConnection, "connection"},
    {FailureKind::kTruncated, "truncated"},
    {FailureKind::kTooLarge, "too_large"},
    {FailureKind::kContentType, "content_type"},
    {FailureKind::kBadJson, "bad_json"},
    {FailureKind::kEmpty, "empty"},
    {FailureKind::kRefusal, "refusal"},
    {FailureKind::kLength, "length"},
    {FailureKind::kContextLength, "context_length"},
    {FailureKind::kNoKey, "no_key"},
    {FailureKind::kCancelled, "cancelled"},
    {FailureKind::kReplay, "replay_missing"},
};

std::string Format(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

}  // namespace

const char* FailureKindName(FailureKind kind) {
  for (const KindName& k : kNames) {
    if (k.kind == kind) return k.name;
  }
  return "bad_json";
}

FailureKind FailureKindFromName(const std::string& name) {
  for (const KindName& k : kNames) {
    if (name == k.name) return k.kind;
  }
  return FailureKind::kBadJson;
}

bool Retryable(FailureKind kind) {
  switch (kind) {
    case FailureKind::kRateLimited:
    case FailureKind::kServerError:
    case FailureKind::kTimeout:
    case FailureKind::kConnection:
    case FailureKind::kTruncated:
    case FailureKind::kContentType:
    case FailureKind::kBadJson:
    case FailureKind::kEmpty:
      return true;
    default:
      return false;
  }
}

std::vector<ModelSpec> ResolveModels(const LlmConfig& config) {
  std::vector<ModelSpec> specs;
  for (const LlmModelConfig& m : config.models) {
    ModelSpec s;
    s.model = m.model;
    s.name = m.name.empty() ? m.model : m.name;
    s.base_url = m.base_url.empty() ? config.base_url : m.base_url;
    while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
    s.api_key_env = m.api_key_env.empty() ? config.api_key_env : m.api_key_env;
    s.role = m.role;
    s.weight = m.weight;
    s.max_concurrency = m.max_concurrency;
    s.input_price = m.input_price;
    s.output_price = m.output_price;
    s.temperature = m.temperature;
    s.top_p = m.top_p;
    s.max_tokens = m.max_tokens;
    s.reasoning_effort = m.reasoning_effort;
    s.headers = m.headers;
    s.body = m.body;
    specs.push_back(std::move(s));
  }
  return specs;
}

Status CheckKeys(const std::vector<ModelSpec>& models) {
  for (const ModelSpec& m : models) {
    if (m.api_key_env.empty()) continue;
    const char* value = std::getenv(m.api_key_env.c_str());
    if (value == nullptr || *value == '\0') {
      return Status::FailedPrecondition(
          "model '" + m.name + "' reads its API key from the environment variable " +
          m.api_key_env +
          ", which is not set; export it, or set llm.api_key_env (or the "
          "model's api_key_env) to \"\" for a server that needs no key");
    }
  }
  return Status::Ok();
}

std::string BudgetExceeded(const LlmBudgetConfig& budget, const Usage& usage) {
  if (budget.max_cost > 0 && usage.cost >= budget.max_cost) {
    return "llm.budget.max_cost (" + Format(budget.max_cost) + ") reached: " + Format(usage.cost) +
           " spent";
  }
  const int64_t tokens = usage.tokens_in + usage.tokens_out;
  if (budget.max_tokens > 0 && tokens >= budget.max_tokens) {
    return "llm.budget.max_tokens (" + std::to_string(budget.max_tokens) +
           ") reached: " + std::to_string(tokens) + " tokens used";
  }
  if (budget.max_calls > 0 && usage.calls >= budget.max_calls) {
    return "llm.budget.max_calls (" + std::to_string(budget.max_calls) +
           ") reached: " + std::to_string(usage.calls) + " calls made";
  }
  return "";
}

}  // namespace kevolve::llm
