// `kevolve serve`'s HTTP server on a loopback port: assets, headers, access rules, no traversal.
#include <httplib.h>

#include "serve/serve_testing.h"
#include "serve/server.h"

namespace kevolve::serve {
namespace {

class ServerTest : public testing::ServedRunTest {
 protected:
  std::unique_ptr<Server> MustStart(ServerOptions options) {
    options.port = 0;
    auto server = Server::Start(options, {root_}, RealClock());
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }
  httplib::Client Client(const Server& server) {
    return httplib::Client("127.0.0.1", server.port());
  }
};

TEST_F(ServerTest, ServesThePagesItCarriesWithAStrictPolicy) {
  auto server = MustStart({});
  ASSERT_NE(server, nullptr);
  auto cli = Client(*server);
  auto index = cli.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(index->body.find("<script src=\"/app.js\"></script>"), std::string::npos);
  const std::string policy = index->get_header_value("Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  for (const char* asset : {"/app.js", "/dom.js", "/charts.js", "/style.css"}) {
    auto res = cli.Get(asset);
    ASSERT_TRUE(res) << asset;
    EXPECT_EQ(res->status, 200) << asset;
  }
  auto runs = cli.Get("/api/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  EXPECT_NE(runs->get_header_value("Content-Type").find("application/json"), std::string::npos);
  EXPECT_NE(runs->body.find("known-run"), std::string::npos);
}

TEST_F(ServerTest, NoRequestReadsAFileOutsideTheServedRuns) {
  auto server = MustStart({});
  ASSERT_NE(server, nullptr);
  auto cli = Client(*server);
  for (const char* path : {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                           "/api/runs/..%2f..%2f..%2fetc%2fpasswd/summary",
                           "/api/runs/known-run/..%2frun.db", "/known-run/run.db", "/run.db",
                           "/api/runs/known-run/programs/..%2f..%2f1"}) {
    auto res = cli.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_GE(res->status, 400) << path;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(res->body.find("SQLite format"), std::string::npos) << path;
  }
  auto post = cli.Post("/api/runs", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_GE(post->status, 400);
}

TEST_F(ServerTest, AForeignHostHeaderIsRefused) {
  auto server = MustStart({});
  ASSERT_NE(server, nullptr);
  auto cli = Client(*server);
  auto res = cli.Get("/api/runs", {{"Host", "attacker.example"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(res->body.find("known-run"), std::string::npos);
}

TEST_F(ServerTest, WithATokenRequestsWithoutItAreRefused) {
  ServerOptions options;
  options.token = "0123456789abcdef-secret";
  auto server = MustStart(options);
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->Url().find("?token=0123456789abcdef-secret"), std::string::npos);
  auto cli = Client(*server);
  for (const char* path : {"/", "/app.js", "/api/runs", "/api/runs?token=wrong"}) {
    auto res = cli.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(res->body.find("known-run"), std::string::npos) << path;
  }
  auto opened = cli.Get("/?token=0123456789abcdef-secret");
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->status, 200);
  const std::string cookie = opened->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  const std::string pair = cookie.substr(0, cookie.find(';'));
  auto with_cookie = cli.Get("/api/runs", {{"Cookie", pair}});
  ASSERT_TRUE(with_cookie);
  EXPECT_EQ(with_cookie->status, 200);
  auto with_bearer =
      cli.Get("/api/runs", {{"Authorization", "Bearer 0123456789abcdef-secret"}});
  ASSERT_TRUE(with_bearer);
  EXPECT_EQ(with_bearer->status, 200);
}

TEST_F(ServerTest, StartSaysWhatIsWrong) {
  ServerOptions remote;
  remote.host = "0.0.0.0";
  EXPECT_EQ(Server::Start(remote, {root_}, RealClock()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Server::Start({}, {root_ + "/missing"}, RealClock()).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace kevolve::serve
