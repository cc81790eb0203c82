// The look from inside that `kevolve doctor` prints: it must report what a hostile evaluation
// would actually find, so it is checked against what this machine's sandbox is known to do.
#include "eval/isolation_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "eval/eval_test_util.h"

namespace kevolve::eval {
namespace {

bool Has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(IsolationProbeTest, UnderBwrapOnlyTheBoundPlacesAndLoopbackAreThere) {
  if (!DetectSandbox().bwrap) GTEST_SKIP() << DetectSandbox().bwrap_problem;
  testing::TempDir task;
  Result<IsolationSeen> seen =
      LookFromInside(SandboxMode::kBwrap, {"/root", "/run", task.path(), "/usr"}, {task.path()});
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->interfaces, std::vector<std::string>{"lo"});
  EXPECT_TRUE(Has(seen->unreadable, "/root"));
  EXPECT_TRUE(Has(seen->unreadable, "/run"));
  EXPECT_TRUE(Has(seen->readable, task.path()));
  EXPECT_TRUE(Has(seen->readable, "/usr"));
  EXPECT_FALSE(seen->system_writable);
}

TEST(IsolationProbeTest, ProcessModeReportsItsUidAndNetwork) {
  Result<IsolationSeen> seen = LookFromInside(SandboxMode::kProcess, {"/usr"});
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_TRUE(Has(seen->readable, "/usr"));
  if (DetectSandbox().can_switch_uid) {
    EXPECT_NE(seen->uid, "0");
    EXPECT_FALSE(seen->system_writable);
  } else {
    EXPECT_EQ(seen->uid, std::to_string(geteuid()));
  }
  if (DetectSandbox().network_namespace) {
    EXPECT_EQ(seen->interfaces, std::vector<std::string>{"lo"});
  }
}

TEST(IsolationProbeTest, ProcessModeUnderLandlockSeesWhatBwrapWouldShow) {
  if (DetectSandbox().landlock_abi == 0) GTEST_SKIP() << "no Landlock on this kernel";
  testing::TempDir task;
  testing::TempDir elsewhere;
  Result<IsolationSeen> seen = LookFromInside(
      SandboxMode::kProcess, {"/run", elsewhere.path(), task.path(), "/usr"}, {task.path()});
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_TRUE(Has(seen->unreadable, "/run"));
  EXPECT_TRUE(Has(seen->unreadable, elsewhere.path()));  // 0755, yet it cannot be listed
  EXPECT_TRUE(Has(seen->readable, task.path()));
  EXPECT_TRUE(Has(seen->readable, "/usr"));
  EXPECT_FALSE(seen->system_writable);
}

}  // namespace
}  // namespace kevolve::eval
