// `kevolve serve` as a process: its refusals, its environment twins, the URL it prints and a
// clean stop on SIGINT.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "serve_testing.h"
#include "testing/command.h"

namespace kevolve::testing {
namespace {

class ServeCliTest : public ServedRunTest {};

TEST_F(ServeCliTest, AnAddressOthersCanReachNeedsAllowRemoteAndAToken) {
  CommandResult r = RunCommand({KevolveBinary(), "serve", root_, "--host", "0.0.0.0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--allow-remote"), std::string::npos) << r.err;
  r = RunCommand({KevolveBinary(), "serve", root_, "--host", "0.0.0.0", "--allow-remote"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--token"), std::string::npos) << r.err;
}

TEST_F(ServeCliTest, TheEnvironmentTwinsAreRead) {
  setenv("KEVOLVE_SERVE_HOST", "10.1.2.3", 1);
  CommandResult r = RunCommand({KevolveBinary(), "serve", root_});
  unsetenv("KEVOLVE_SERVE_HOST");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--host 10.1.2.3"), std::string::npos) << r.err;
  setenv("KEVOLVE_SERVE_RUNS", (root_ + "/missing").c_str(), 1);
  r = RunCommand({KevolveBinary(), "serve"});
  unsetenv("KEVOLVE_SERVE_RUNS");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("missing' is not a folder"), std::string::npos) << r.err;
}

TEST_F(ServeCliTest, PrintsItsUrlAndStopsCleanlyOnSigint) {
  CommandResult r = RunCommand(
      {"/usr/bin/timeout", "--preserve-status", "-s", "INT", "2", KevolveBinary(), "serve", root_, "--port", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("http://127.0.0.1:", 0), 0u) << r.out;
}

}  // namespace
}  // namespace kevolve::testing
