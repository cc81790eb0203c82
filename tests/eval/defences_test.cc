// The threat table doctor prints: which threats each mode defends on which kind of machine.
// The red-team suite (tests/security/) runs a hostile candidate for each threat marked
// defended, so this table cannot claim more than the suite proves.
#include "eval/defences.h"
#include "eval/evaluator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace kevolve::eval {
namespace {

SandboxCapabilities RootWithNamespaces() {
  SandboxCapabilities caps;
  caps.root = true;
  caps.can_switch_uid = true;
  caps.containment = Containment::kPidNamespaceAndUid;
  caps.network_namespace = true;
  caps.bwrap = true;
  caps.bwrap_tmpfs_size = true;
  return caps;
}

SandboxCapabilities BareUser() {
  SandboxCapabilities caps;
  caps.containment = Containment::kProcessGroup;
  return caps;
}

std::set<std::string> Named(SandboxMode mode, const SandboxCapabilities& caps, Defence defence) {
  std::set<std::string> names;
  for (const ThreatAssessment& a : AssessThreats(mode, caps)) {
    if (a.defence == defence) names.insert(ThreatName(a.threat));
  }
  return names;
}

TEST(DefencesTest, EveryThreatHasAUniqueNameAndAnExplanation) {
  std::set<std::string> names;
  for (Threat t : AllThreats()) {
    EXPECT_TRUE(names.insert(ThreatName(t)).second) << ThreatName(t);
    for (const SandboxCapabilities& caps : {RootWithNamespaces(), BareUser()}) {
      for (SandboxMode mode : {SandboxMode::kProcess, SandboxMode::kBwrap}) {
        EXPECT_FALSE(AssessThreat(t, mode, caps).how.empty()) << ThreatName(t);
      }
    }
  }
  EXPECT_EQ(names.size(), AllThreats().size());
  EXPECT_FALSE(names.count("unknown"));
}

TEST(DefencesTest, BwrapDefendsEverythingKevolveCanSee) {
  EXPECT_EQ(Named(SandboxMode::kBwrap, RootWithNamespaces(), Defence::kNotDefended),
            std::set<std::string>{});
  EXPECT_EQ(Named(SandboxMode::kBwrap, RootWithNamespaces(), Defence::kEvaluatorsJob),
            (std::set<std::string>{"forged-result", "tamper-with-evaluator"}));
}

TEST(DefencesTest, ProcessModeAsRootLeavesTheVisibleFileSystemOpen) {
  EXPECT_EQ(Named(SandboxMode::kProcess, RootWithNamespaces(), Defence::kNotDefended),
            (std::set<std::string>{"readable-files-outside-task", "unix-sockets"}));
}

TEST(DefencesTest, ProcessModeUnderLandlockHidesFilesAndSockets) {
  SandboxCapabilities caps = RootWithNamespaces();
  caps.landlock_abi = 7;
  caps.unix_socket_filter = true;
  EXPECT_EQ(Named(SandboxMode::kProcess, caps, Defence::kNotDefended), std::set<std::string>{});
  for (Threat t : {Threat::kReadableFiles, Threat::kUnixSockets}) {
    const std::string how = AssessThreat(t, SandboxMode::kProcess, caps).how;
    EXPECT_NE(how.find("landlock ABI 7"), std::string::npos) << how;
  }
  EXPECT_NE(AssessThreat(Threat::kUnixSockets, SandboxMode::kProcess, caps).how.find("seccomp"),
            std::string::npos);
  // Landlock is process mode's: the bwrap rows stay bwrap's.
  EXPECT_EQ(AssessThreat(Threat::kReadableFiles, SandboxMode::kBwrap, caps).how.find("landlock"),
            std::string::npos);
}

TEST(DefencesTest, GpuEvaluationsAreSparedTheSocketFilter) {
  SandboxCapabilities caps = RootWithNamespaces();
  caps.landlock_abi = 7;
  caps.unix_socket_filter = true;
  EXPECT_EQ(Named(SandboxMode::kProcess, caps, Defence::kNotDefended), std::set<std::string>{});
  EXPECT_EQ(AssessThreat(Threat::kUnixSockets, SandboxMode::kProcess, caps, /*gpu=*/true).defence,
            Defence::kNotDefended);
  EXPECT_EQ(AssessThreat(Threat::kReadableFiles, SandboxMode::kProcess, caps, true).defence,
            Defence::kDefended);
  caps.landlock_abi = 9;
  EXPECT_EQ(AssessThreat(Threat::kUnixSockets, SandboxMode::kProcess, caps, true).defence,
            Defence::kDefended);
}

TEST(DefencesTest, LandlockBelowAbi9WithoutTheSocketFilterLeavesSocketsOpen) {
  SandboxCapabilities caps = RootWithNamespaces();
  caps.landlock_abi = 8;
  EXPECT_EQ(Named(SandboxMode::kProcess, caps, Defence::kNotDefended),
            std::set<std::string>{"unix-sockets"});
  caps.landlock_abi = 9;  // restricts connecting by path itself
  EXPECT_EQ(Named(SandboxMode::kProcess, caps, Defence::kNotDefended), std::set<std::string>{});
}

TEST(DefencesTest, ProcessModeWithoutNamespacesOrUidsSaysSoHonestly) {
  EXPECT_EQ(Named(SandboxMode::kProcess, BareUser(), Defence::kNotDefended),
            (std::set<std::string>{"fork-bomb", "write-outside-scratch", "temp-litter", "fill-disk",
                                   "private-secret-files", "readable-files-outside-task", "network",
                                   "unix-sockets", "signal-kevolve", "edit-task-files"}));
}

TEST(DefencesTest, ProcessModeWithoutANetworkNamespaceReachesTheNetwork) {
  SandboxCapabilities caps = RootWithNamespaces();
  caps.network_namespace = false;
  EXPECT_EQ(AssessThreat(Threat::kNetwork, SandboxMode::kProcess, caps).defence,
            Defence::kNotDefended);
  EXPECT_EQ(AssessThreat(Threat::kNetwork, SandboxMode::kBwrap, caps).defence, Defence::kDefended);
}

TEST(DefencesTest, NamesForPeople) {
  EXPECT_STREQ(DefenceName(Defence::kDefended), "defended");
  EXPECT_STREQ(DefenceName(Defence::kNotDefended), "NOT defended");
  EXPECT_STREQ(DefenceName(Defence::kEvaluatorsJob), "evaluator's job");
  EXPECT_STREQ(ThreatName(Threat::kForkBomb), "fork-bomb");
}

// The one rule that turns evaluator.sandbox into a mode, which runs and doctor both use.
TEST(SandboxChoiceTest, AutoTakesBwrapWhereItRunsAndSaysWhyNotElsewhere) {
  const SandboxChoice with = ChooseSandboxMode(SandboxSetting::kAuto, RootWithNamespaces());
  EXPECT_EQ(with.mode, SandboxMode::kBwrap);
  EXPECT_TRUE(with.problem.ok());
  EXPECT_EQ(with.why, "evaluator.sandbox is 'auto' and a probe run under bwrap worked");
  SandboxCapabilities no_bwrap = BareUser();
  no_bwrap.bwrap_problem = "bwrap was not found on PATH";
  const SandboxChoice without = ChooseSandboxMode(SandboxSetting::kAuto, no_bwrap);
  EXPECT_EQ(without.mode, SandboxMode::kProcess);
  EXPECT_TRUE(without.problem.ok());
  EXPECT_EQ(without.why,
            "evaluator.sandbox is 'auto' and bwrap cannot run here (bwrap was not found on PATH)");
  EXPECT_EQ(ChooseSandboxMode(SandboxSetting::kProcess, RootWithNamespaces()).mode, SandboxMode::kProcess);
}

TEST(SandboxChoiceTest, BwrapWhereItCannotRunIsAProblem) {
  SandboxCapabilities no_bwrap = BareUser();
  no_bwrap.bwrap_problem = "user namespaces are off";
  const SandboxChoice bwrap = ChooseSandboxMode(SandboxSetting::kBwrap, no_bwrap);
  EXPECT_EQ(bwrap.problem.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bwrap.problem.message().find("bwrap cannot run here: user namespaces are off"),
            std::string::npos);
  EXPECT_EQ(bwrap.mode, SandboxMode::kProcess);  // what doctor can still look at
  EXPECT_EQ(bwrap.why, "evaluator.sandbox is 'bwrap'");
}

}  // namespace
}  // namespace kevolve::eval
