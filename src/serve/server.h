// Server: `kevolve serve`, the dashboard over HTTP (cpp-httplib) on top of Api.
//
// Serves the assets compiled into the binary (serve/assets.h) and the JSON endpoints of
// serve/api.h, GET only. Nothing is fetched from elsewhere, and every answer carries a
// Content-Security-Policy that allows scripts, styles and requests from this server alone.
//
// Access: by default the server binds to loopback and answers requests whose Host header names
// a loopback address (so a web page on another site cannot reach it by DNS rebinding). Binding
// to anything else needs allow_remote and a token; with a token every request must carry it
// (header "Authorization: Bearer T", query "token=T", or the cookie the server sets when a page
// is opened with ?token=T), else 401.
// Thread safety: Start and Stop from one thread; requests are served on the server's threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "serve/api.h"
#include "serve/catalog.h"

namespace httplib {
class Server;
}

namespace kevolve::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // address to bind
  int port = 8470;                 // 0 = any free port (see Server::port)
  bool allow_remote = false;       // required to bind to a non-loopback address
  std::string token;               // required with allow_remote; checked whenever not empty
};

inline constexpr size_t kMinTokenBytes = 16;

// True for "localhost", "::1" and 127.0.0.0/8 addresses.
bool IsLoopbackHost(std::string_view host);

// InvalidArgument: a non-loopback host without allow_remote, allow_remote without a token of at
// least kMinTokenBytes, a port outside 0..65535.
Status ValidateServerOptions(const ServerOptions& options);

// What a request carries that decides whether it is answered.
struct RequestCredentials {
  std::string_view host_header;    // "127.0.0.1:8470"
  std::string_view authorization;  // the Authorization header
  std::string_view cookie;         // the Cookie header
  std::string_view query_token;    // the "token" query parameter
};
enum class Access { kAllowed, kMissingToken, kForeignHost };
Access CheckAccess(const ServerOptions& options, const RequestCredentials& request);

class Server {
 public:
  // Validates the options and the roots, binds, and serves on a thread of its own.
  // InvalidArgument for bad options, NotFound for a missing root, Unavailable when the address
  // cannot be bound.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                               std::vector<std::string> roots, Clock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // "http://HOST:PORT/" (with ?token=... when a token is set).
  std::string Url() const;
  // Stops listening and waits for the serving thread. Safe to call twice.
  void Stop();

 private:
  Server(const ServerOptions& options, std::vector<std::string> roots, Clock& clock);
  void Route();

  ServerOptions options_;
  RunCatalog catalog_;
  Api api_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace kevolve::serve
