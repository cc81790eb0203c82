#include "serve/server.h"

#include <httplib.h>

#include <charconv>

#include "core/json.h"
#include "core/text.h"
#include "serve/assets.h"

namespace kevolve::serve {
namespace {

constexpr const char* kTokenCookie = "kevolve_token";
// Scripts, styles, images and requests from this server only; no inline script, no framing.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Compares in time that depends only on the lengths, so a token cannot be guessed byte by byte.
bool SameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^
                                              static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semicolon = header.find(';');
    std::string_view pair = Trim(header.substr(0, semicolon));
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return {};
}

// The host name of a Host header: "[::1]:80" -> "::1", "localhost:80" -> "localhost".
std::string_view HostName(std::string_view host_header) {
  if (StartsWith(host_header, "[")) {
    const size_t close = host_header.find(']');
    return close == std::string_view::npos ? host_header : host_header.substr(1, close - 1);
  }
  return host_header.substr(0, host_header.rfind(':'));
}

void SetCommonHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
}

void SendJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json; charset=utf-8");
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  if (!StartsWith(host, "127.")) return false;
  int parts = 0;
  for (std::string_view rest = host; !rest.empty(); ++parts) {
    const size_t dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    int value = -1;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 255) {
      return false;
    }
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  return parts == 4;
}

Status ValidateServerOptions(const ServerOptions& o) {
  if (o.port < 0 || o.port > 65535) {
    return Status::InvalidArgument("--port must be between 0 and 65535 (0 = any free port)");
  }
  if (!IsLoopbackHost(o.host) && !o.allow_remote) {
    return Status::InvalidArgument("--host " + o.host +
                                   " would let other machines read the runs; pass "
                                   "--allow-remote and --token to mean it");
  }
  if (o.allow_remote && o.token.size() < kMinTokenBytes) {
    return Status::InvalidArgument("--allow-remote needs --token (at least " +
                                   std::to_string(kMinTokenBytes) + " characters)");
  }
  return Status::Ok();
}

Access CheckAccess(const ServerOptions& options, const RequestCredentials& r) {
  if (!options.token.empty()) {
    const std::string_view bearer = StartsWith(r.authorization, "Bearer ")
                                        ? r.authorization.substr(7)
                                        : std::string_view();
    const bool ok = SameSecret(bearer, options.token) ||
                    SameSecret(r.query_token, options.token) ||
                    SameSecret(CookieValue(r.cookie, kTokenCookie), options.token);
    return ok ? Access::kAllowed : Access::kMissingToken;
  }
  return IsLoopbackHost(HostName(r.host_header)) ? Access::kAllowed : Access::kForeignHost;
}

Server::Server(const ServerOptions& options, std::vector<std::string> roots, Clock& clock)
    : options_(options),
      catalog_(std::move(roots)),
      api_(catalog_, clock),
      http_(std::make_unique<httplib::Server>()) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                              std::vector<std::string> roots, Clock& clock) {
  KEVOLVE_RETURN_IF_ERROR(ValidateServerOptions(options));
  std::unique_ptr<Server> s(new Server(options, std::move(roots), clock));
  KEVOLVE_RETURN_IF_ERROR(s->catalog_.CheckRoots());
  s->catalog_.Rescan();
  s->Route();
  if (options.port == 0) {
    s->port_ = s->http_->bind_to_any_port(options.host);
  } else {
    s->port_ = s->http_->bind_to_port(options.host, options.port) ? options.port : -1;
  }
  if (s->port_ <= 0) {
    return Status::Unavailable("cannot listen on " + options.host + ":" +
                               std::to_string(options.port) +
                               " (in use, or not an address of this machine); try another --port");
  }
  httplib::Server* http = s->http_.get();
  s->thread_ = std::thread([http] { http->listen_after_bind(); });
  return s;
}

std::string Server::Url() const {
  const std::string host = options_.host.find(':') != std::string::npos
                               ? "[" + options_.host + "]"
                               : options_.host;
  std::string url = "http://" + host + ":" + std::to_string(port_) + "/";
  if (!options_.token.empty()) url += "?token=" + options_.token;
  return url;
}

void Server::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

void Server::Route() {
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    SetCommonHeaders(res);
    const std::string query_token = req.get_param_value("token");
    const std::string authorization = req.get_header_value("Authorization");
    const std::string cookie = req.get_header_value("Cookie");
    const std::string host = req.get_header_value("Host");
    switch (CheckAccess(options_, {host, authorization, cookie, query_token})) {
      case Access::kAllowed: break;
      case Access::kMissingToken:
        SendJson(res, 401, DumpJson(Json{{"error", "this server needs its token"}}));
        return httplib::Server::HandlerResponse::Handled;
      case Access::kForeignHost:
        SendJson(res, 403, DumpJson(Json{{"error", "Host must name a loopback address"}}));
        return httplib::Server::HandlerResponse::Handled;
    }
    if (!options_.token.empty() && !query_token.empty()) {
      res.set_header("Set-Cookie", std::string(kTokenCookie) + "=" + query_token +
                                       "; HttpOnly; SameSite=Strict; Path=/");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->Get(R"(/api/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    ApiRequest request{req.path, {}};
    for (const auto& [key, value] : req.params) request.query[key] = value;
    ApiResponse answer = api_.Handle(request);
    SendJson(res, answer.status, answer.body);
  });
  for (const Asset& asset : Assets()) {
    auto serve = [asset](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(asset.body), std::string(asset.content_type).c_str());
    };
    http_->Get(std::string(asset.path), serve);
    if (asset.path == "/index.html") http_->Get("/", serve);
  }
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SendJson(res, 500, DumpJson(Json{{"error", "internal error"}}));
      });
}

}  // namespace kevolve::serve
