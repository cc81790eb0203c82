// LlmTestServer: a local OpenAI-compatible chat-completions server for tests. It listens on
// 127.0.0.1 on an ephemeral port, in-process, serves scripted replies first (one per request, in
// order) and then asks a responder, and injects faults: 429 with Retry-After, 500, a reply slower
// than the client's timeout, a truncated body, a huge body, a wrong content type, a reply that is
// not an edit, a refusal, no choices, a reply cut at the token limit, a prompt too long for the
// context; and answers as reasoning models do (thinking beside or inside the content). Every request is kept for inspection. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"

namespace httplib {
class Server;
}

namespace kevolve::testing {

struct ServerReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
  int delay_ms = 0;       // wait this long before answering
  bool truncate = false;  // announce the whole body, send half of it, close the connection
};

struct ServerRequest {
  int index = 0;  // 0-based, in arrival order
  std::string path;
  std::string authorization;  // the Authorization header as received
  std::string body;
  Json json;           // the body parsed (null when not JSON)
  std::string system;  // messages[0].content when its role is system
  std::string user;    // the last user message
};

class LlmTestServer {
 public:
  using Responder = std::function<ServerReply(const ServerRequest&)>;

  explicit LlmTestServer(Responder responder);
  ~LlmTestServer();
  LlmTestServer(const LlmTestServer&) = delete;
  LlmTestServer& operator=(const LlmTestServer&) = delete;

  // Replies served, in order, before the responder is asked.
  void Script(std::vector<ServerReply> replies);
  std::string base_url() const;  // "http://127.0.0.1:<port>/v1"
  std::vector<ServerRequest> requests() const;

  // A chat completion whose message is `content`, with a usage field.
  static ServerReply Completion(const std::string& content, int tokens_in = 100,
                                int tokens_out = 50);
  static ServerReply RateLimited(const std::string& retry_after);
  static ServerReply ServerError();
  static ServerReply Slow(int delay_ms, const std::string& content);
  static ServerReply Truncated();
  static ServerReply Huge(size_t bytes);
  static ServerReply WrongContentType();
  static ServerReply NotAnEdit();
  static ServerReply Refusal();
  static ServerReply EmptyChoices();
  // finish_reason "length": `partial` is what came before the output token limit.
  static ServerReply CutAtTokenLimit(const std::string& partial);
  // HTTP 400 with the body vLLM sends for a prompt longer than the model's context.
  static ServerReply ContextLengthExceeded();
  // A reasoning model's reply: `thinking` in message.reasoning_content, `content` the answer.
  static ServerReply WithReasoningContent(const std::string& thinking, const std::string& content);

 private:
  ServerReply Next(const ServerRequest& request);

  Responder responder_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<ServerReply> script_;
  size_t next_scripted_ = 0;
  std::vector<ServerRequest> requests_;
};

// The code block under the prompt's "## Current program" heading ("" when absent).
std::string ProgramInPrompt(const std::string& user_message);

// A responder that behaves like a small, obedient model: for a proposal it returns a reply in
// the requested format whose SEARCH/REPLACE edit comes from the built-in mutator applied to the
// prompt's current program (seeded by the prompt, so the same prompt gets the same reply); for a
// feedback prompt it returns scores. Tokens are counted as characters / 4.
ServerReply MutatorResponder(const ServerRequest& request);

}  // namespace kevolve::testing
