#include "testing/llm_server.h"

#include <httplib.h>

#include <chrono>

#include "config/config.h"
#include "core/random.h"
#include "core/text.h"
#include "mutate/mutate.h"

namespace kevolve::testing {
namespace {

std::string CompletionBody(const std::string& content, int tokens_in, int tokens_out,
                           const std::string& finish_reason = "stop",
                           const std::string& thinking = "") {
  Json message = {{"role", "assistant"}, {"content", content}};
  if (!thinking.empty()) message["reasoning_content"] = thinking;
  Json body = {{"id", "chatcmpl-test"},
               {"object", "chat.completion"},
               {"model", "test-model"},
               {"choices", Json::array({{{"index", 0},
                                         {"message", message},
                                         {"finish_reason", finish_reason}}})},
               {"usage",
                {{"prompt_tokens", tokens_in},
                 {"completion_tokens", tokens_out},
                 {"total_tokens", tokens_in + tokens_out}}}};
  return body.dump();
}

ServerRequest Describe(const httplib::Request& req, int index) {
  ServerRequest r;
  r.index = index;
  r.path = req.path;
  r.authorization = req.get_header_value("Authorization");
  r.body = req.body;
  Result<Json> json = ParseJson(req.body);
  if (json.ok()) {
    r.json = *json;
    if (r.json.contains("messages") && r.json["messages"].is_array()) {
      for (const Json& m : r.json["messages"]) {
        if (!m.is_object() || !m.contains("content") || !m["content"].is_string()) continue;
        if (m.value("role", "") == "system") r.system = m["content"].get<std::string>();
        if (m.value("role", "") == "user") r.user = m["content"].get<std::string>();
      }
    }
  }
  return r;
}

}  // namespace

LlmTestServer::LlmTestServer(Responder responder)
    : responder_(std::move(responder)), server_(std::make_unique<httplib::Server>()) {
  server_->Post(R"(.*/chat/completions)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  ServerRequest request;
                  {
                    std::lock_guard<std::mutex> lock(mu_);
                    request = Describe(req, static_cast<int>(requests_.size()));
                    requests_.push_back(request);
                  }
                  ServerReply reply = Next(request);
                  if (reply.delay_ms > 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
                  res.status = reply.status;
                  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
                  if (reply.truncate) {
                    const std::string body = reply.body;
                    res.set_content_provider(body.size(), reply.content_type,
                                             [body](size_t, size_t, httplib::DataSink& sink) {
                                               sink.write(body.data(), body.size() / 2);
                                               return false;  // closes the connection mid-body
                                             });
                    return;
                  }
                  res.set_content(reply.body, reply.content_type.c_str());
                });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // The socket listens from bind on; wait for the accept loop too, so the first request is not
  // left in the backlog.
  for (int i = 0; i < 200 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

LlmTestServer::~LlmTestServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void LlmTestServer::Script(std::vector<ServerReply> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  script_ = std::move(replies);
  next_scripted_ = 0;
}

std::string LlmTestServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

std::vector<ServerRequest> LlmTestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

ServerReply LlmTestServer::Next(const ServerRequest& request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (next_scripted_ < script_.size()) return script_[next_scripted_++];
  }
  return responder_(request);
}

ServerReply LlmTestServer::Completion(const std::string& content, int tokens_in, int tokens_out) {
  ServerReply r;
  r.body = CompletionBody(content, tokens_in, tokens_out);
  return r;
}

ServerReply LlmTestServer::RateLimited(const std::string& retry_after) {
  ServerReply r;
  r.status = 429;
  r.headers["Retry-After"] = retry_after;
  r.body = R"({"error":{"message":"rate limit reached, slow down","type":"rate_limit"}})";
  return r;
}

ServerReply LlmTestServer::ServerError() {
  ServerReply r;
  r.status = 500;
  r.body = R"({"error":{"message":"internal error"}})";
  return r;
}

ServerReply LlmTestServer::Slow(int delay_ms, const std::string& content) {
  ServerReply r = Completion(content);
  r.delay_ms = delay_ms;
  return r;
}

ServerReply LlmTestServer::Truncated() {
  ServerReply r = Completion(std::string(2000, 'x'));
  r.truncate = true;
  return r;
}

ServerReply LlmTestServer::Huge(size_t bytes) { return Completion(std::string(bytes, 'y')); }

ServerReply LlmTestServer::WrongContentType() {
  ServerReply r;
  r.content_type = "text/html";
  r.body = "<html><body>502 Bad Gateway</body></html>";
  return r;
}

ServerReply LlmTestServer::NotAnEdit() {
  return Completion("I looked at the program and I think it is already quite good.");
}

ServerReply LlmTestServer::Refusal() {
  ServerReply r;
  r.body = Json{{"choices", Json::array({{{"index", 0},
                                          {"message",
                                           {{"role", "assistant"},
                                            {"content", nullptr},
                                            {"refusal", "I can't help with that."}}},
                                          {"finish_reason", "stop"}}})},
                {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 5}}}}
               .dump();
  return r;
}

ServerReply LlmTestServer::EmptyChoices() {
  ServerReply r;
  r.body = R"({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":0}})";
  return r;
}

ServerReply LlmTestServer::CutAtTokenLimit(const std::string& partial) {
  ServerReply r;
  r.body = CompletionBody(partial, 100, 4096, "length");
  return r;
}

ServerReply LlmTestServer::ContextLengthExceeded() {
  ServerReply r;
  r.status = 400;
  r.body = Json{{"object", "error"},
                {"message",
                 "This model's maximum context length is 4096 tokens. However, you requested 9000 "
                 "tokens (8000 in the messages, 1000 in the completion). Please reduce the length "
                 "of the messages or completion."},
                {"type", "BadRequestError"},
                {"param", nullptr},
                {"code", 400}}
               .dump();
  return r;
}

ServerReply LlmTestServer::WithReasoningContent(const std::string& thinking,
                                                const std::string& content) {
  ServerReply r;
  r.body = CompletionBody(content, 100, 200, "stop", thinking);
  return r;
}

std::string ProgramInPrompt(const std::string& user_message) {
  const size_t heading = user_message.find("## Current program");
  if (heading == std::string::npos) return "";
  const size_t fence = user_message.find("\n```", heading);
  if (fence == std::string::npos) return "";
  const size_t start = user_message.find('\n', fence + 1);
  const size_t end = user_message.find("\n```\n", start);
  if (start == std::string::npos || end == std::string::npos) return "";
  return user_message.substr(start + 1, end - start);
}

ServerReply MutatorResponder(const ServerRequest& request) {
  const int tokens_in = static_cast<int>(request.system.size() + request.user.size()) / 4;
  if (request.user.find("Score the candidate") != std::string::npos) {
    const std::string scores = R"({"readability": 7, "plausibility": 5, "comment": "fine"})";
    return LlmTestServer::Completion(scores, tokens_in, 12);
  }
  const std::string program = ProgramInPrompt(request.user);
  MutatorConfig config;
  config.max_edits = 1;
  Rng rng(Fnv1a64(request.user));
  auto proposal = mutate::Propose(program, {}, config, rng);
  if (!proposal.ok()) return LlmTestServer::NotAnEdit();
  const std::string content = "<reasoning>\nTry " + proposal->description + ".\n</reasoning>\n" +
                              proposal->edit +
                              "<expected_impact>\nA small gain.\n</expected_impact>\n";
  return LlmTestServer::Completion(content, tokens_in, static_cast<int>(content.size()) / 4);
}

}  // namespace kevolve::testing
