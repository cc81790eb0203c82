// HTTP for the LLM client: one POST with deadlines, a cap on the reply size, and cancellation.
// The real transport is libcurl; tests use a fake (tests/llm) or a loopback server.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kevolve::llm {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t connect_timeout_ms = 10'000;
  int64_t timeout_ms = 300'000;
  int64_t max_reply_bytes = 4 << 20;
  const std::atomic<bool>* cancel = nullptr;  // polled while waiting; set -> kCancelled
};

struct HttpResponse {
  enum class Error {
    kNone,
    kTimeout,     // a deadline passed
    kConnection,  // could not connect, or the connection broke before any reply
    kTruncated,   // the body ended before its announced length
    kTooLarge,    // the body passed max_reply_bytes (body holds the first bytes)
    kCancelled,
    kOther,
  };
  Error error = Error::kNone;
  std::string error_message;  // never holds header values
  int status = 0;             // HTTP status; 0 when none was received
  std::string content_type;   // the Content-Type header, as sent
  std::string retry_after;    // the Retry-After header, as sent ("" when absent)
  std::string body;
};

// Sends POST requests. Post is safe to call from several threads at once.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResponse Post(const HttpRequest& request) = 0;
};

// libcurl, one easy handle per request (thread-safe; signals are never used).
std::unique_ptr<HttpTransport> MakeCurlTransport();

}  // namespace kevolve::llm
