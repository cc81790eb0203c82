#include <gtest/gtest.h>

#include "serve/server.h"

namespace kevolve::serve {
namespace {

TEST(IsLoopbackHost, KnowsTheLoopbackNames) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "10.0.0.1", "127.0.0.1.evil.com", "127.0.0", "127.0.0.256",
                           "localhost.evil.com", "", "::"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(ValidateServerOptions, LoopbackNeedsNothingMore) {
  EXPECT_TRUE(ValidateServerOptions(ServerOptions{}).ok());
}

TEST(ValidateServerOptions, OtherAddressesNeedAllowRemoteAndAToken) {
  ServerOptions o;
  o.host = "0.0.0.0";
  Status s = ValidateServerOptions(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--allow-remote"), std::string::npos) << s.message();
  o.allow_remote = true;
  EXPECT_NE(ValidateServerOptions(o).message().find("--token"), std::string::npos);
  o.token = "short";
  EXPECT_FALSE(ValidateServerOptions(o).ok());
  o.token = "0123456789abcdef";
  EXPECT_TRUE(ValidateServerOptions(o).ok());
}

TEST(ValidateServerOptions, RefusesPortsOutOfRange) {
  ServerOptions o;
  o.port = 70000;
  EXPECT_FALSE(ValidateServerOptions(o).ok());
  o.port = -1;
  EXPECT_FALSE(ValidateServerOptions(o).ok());
}

TEST(CheckAccess, WithoutATokenOnlyLoopbackHostHeadersAreAnswered) {
  const ServerOptions o;
  EXPECT_EQ(CheckAccess(o, {"127.0.0.1:8470", "", "", ""}), Access::kAllowed);
  EXPECT_EQ(CheckAccess(o, {"localhost:8470", "", "", ""}), Access::kAllowed);
  EXPECT_EQ(CheckAccess(o, {"[::1]:8470", "", "", ""}), Access::kAllowed);
  // DNS rebinding: a foreign name that resolves to 127.0.0.1.
  EXPECT_EQ(CheckAccess(o, {"attacker.example:8470", "", "", ""}), Access::kForeignHost);
  EXPECT_EQ(CheckAccess(o, {"", "", "", ""}), Access::kForeignHost);
}

TEST(CheckAccess, WithATokenEveryRequestMustCarryIt) {
  ServerOptions o;
  o.token = "0123456789abcdef";
  EXPECT_EQ(CheckAccess(o, {"10.0.0.5:80", "", "", ""}), Access::kMissingToken);
  EXPECT_EQ(CheckAccess(o, {"10.0.0.5:80", "Bearer 0123456789abcdeX", "", ""}),
            Access::kMissingToken);
  EXPECT_EQ(CheckAccess(o, {"10.0.0.5:80", "Bearer 0123456789abcdef", "", ""}), Access::kAllowed);
  EXPECT_EQ(CheckAccess(o, {"10.0.0.5:80", "", "", "0123456789abcdef"}), Access::kAllowed);
  EXPECT_EQ(CheckAccess(o, {"10.0.0.5:80", "", "a=1; kevolve_token=0123456789abcdef", ""}),
            Access::kAllowed);
  EXPECT_EQ(CheckAccess(o, {"10.0.0.5:80", "", "kevolve_token=0123456789abcde", ""}),
            Access::kMissingToken);
}

}  // namespace
}  // namespace kevolve::serve
