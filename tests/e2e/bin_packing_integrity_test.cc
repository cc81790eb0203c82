// The bin-packing example's evaluator against candidates that try to forge their score
// (docs/security.md, "Forged results"): its packer, which links the candidate, only reports
// decisions; the checker, which never does, checks them and prints the answer. Two parts:
// the checker alone on packings written by hand (every rule of a legal online packing), and the
// whole evaluator through kevolve's Evaluator, real processes, in both sandbox modes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "../../examples/bin_packing/instances.h"
#include "config/load.h"
#include "core/files.h"
#include "core/json.h"
#include "eval/evaluator.h"
#include "eval/sandbox.h"
#include "testing/command.h"
#include "testing/task_checker.h"

namespace kevolve {
namespace eval {

// How GoogleTest prints a test's sandbox mode: "process" or "bwrap".
void PrintTo(SandboxMode mode, std::ostream* os) { *os << SandboxModeName(mode); }

}  // namespace eval

namespace {

using testing::RunCommand;

const std::string kTask = std::string(KEVOLVE_SOURCE_DIR) + "/examples/bin_packing";

// What the old single-process harness gave best fit, to the digit (README.md): the split into
// packer and checker must not move it.
constexpr double kBestFitStage2 = -4.133308;
constexpr double kBestFitHeldOut = 4.110476;
constexpr double kFirstFitStage1 = -4.280737;
constexpr double kFirstFitStage2 = -4.463068;
constexpr double kForgedScore = 1e9;

// ---- The checker alone --------------------------------------------------------------------------

// One item of a first-fit packing: where it went, and a bin it could not have gone to.
struct Decision {
  int bin = 0;
  int open_before = 0;  // bins open when it arrived
  int too_full = -1;    // an open bin without room for it (-1: none)
};

// First fit on one instance, in the packing format (instances.h), with every decision.
std::string FirstFit(uint64_t seed, std::vector<Decision>* decisions = nullptr) {
  std::vector<int> items(binpack::kItems);
  binpack::MakeInstance(seed, items.data());
  std::string out = binpack::kInstanceTag + std::to_string(seed) + "\n";
  std::vector<int> free;
  for (int item : items) {
    Decision d;
    d.open_before = static_cast<int>(free.size());
    d.bin = 0;
    while (d.bin < d.open_before && free[d.bin] < item) ++d.bin;
    if (d.bin > 0) d.too_full = 0;  // first fit passed bin 0: it is too full
    if (d.bin == d.open_before) free.push_back(binpack::kCapacity);
    free[d.bin] -= item;
    out += std::to_string(d.bin) + "\n";
    if (decisions != nullptr) decisions->push_back(d);
  }
  return out;
}

std::string FirstFitStage2() {
  std::string out;
  for (int i = 0; i < binpack::kTrainInstances; ++i) out += FirstFit(binpack::kTrainSeedBase + i);
  for (int i = 0; i < binpack::kHeldOutInstances; ++i) {
    out += FirstFit(binpack::kHeldOutSeedBase + i);
  }
  return out;
}

// Replaces line `number` (1-based) of `text`.
std::string WithLine(const std::string& text, int number, const std::string& line) {
  size_t start = 0;
  for (int i = 1; i < number; ++i) start = text.find('\n', start) + 1;
  return text.substr(0, start) + line + text.substr(text.find('\n', start));
}

class BinPackingCheckerTest : public ::testing::Test {
 protected:
  // The checker, built once: it is the trusted side.
  static void SetUpTestSuite() { checker_ = new testing::TaskChecker(kTask); }
  static void TearDownTestSuite() { delete checker_; }

  // Runs the checker on a fake packer that writes `packing` to fd 3, then runs `after`.
  static Json Check(const std::string& packing, int stage, const std::string& after = "",
                    const std::string& timeout = "10") {
    return checker_->Check({"--stage", std::to_string(stage), "--timeout-seconds", timeout},
                           packing, after);
  }
  static std::string Feedback(const Json& j) { return testing::InvalidFeedback(j); }

  static testing::TaskChecker* checker_;
};

testing::TaskChecker* BinPackingCheckerTest::checker_ = nullptr;

TEST_F(BinPackingCheckerTest, ScoresAPackingItDidNotSeeMadeExactlyAsTheOldHarnessDid) {
  Json one = Check(FirstFit(binpack::kTrainSeedBase), 1);
  ASSERT_EQ(one["valid"], true) << one.dump();
  EXPECT_DOUBLE_EQ(one["combined_score"].get<double>(), kFirstFitStage1);
  EXPECT_DOUBLE_EQ(one["features"]["exact_fit_rate"].get<double>(), 0.1114);
  Json all = Check(FirstFitStage2(), 2);
  ASSERT_EQ(all["valid"], true) << all.dump();
  EXPECT_DOUBLE_EQ(all["combined_score"].get<double>(), kFirstFitStage2);
  EXPECT_DOUBLE_EQ(all["hidden_metrics"]["heldout_excess_bins_pct"].get<double>(), 4.428494);
}

TEST_F(BinPackingCheckerTest, AnItemInABinWithoutRoomIsRejectedWithItsLine) {
  std::vector<Decision> decisions;
  const std::string packing = FirstFit(binpack::kTrainSeedBase, &decisions);
  size_t i = 0;
  while (decisions[i].too_full < 0) ++i;
  const int line = static_cast<int>(i) + 2;  // line 1 is the instance header
  const std::string feedback = Feedback(Check(WithLine(packing, line, "0"), 1));
  EXPECT_NE(feedback.find("line " + std::to_string(line) + ": item " + std::to_string(i)),
            std::string::npos) << feedback;
  EXPECT_NE(feedback.find("does not fit bin 0"), std::string::npos) << feedback;
}

TEST_F(BinPackingCheckerTest, ANewBinWhileAnOpenOneFitsIsRejected) {
  std::vector<Decision> decisions;
  const std::string packing = FirstFit(binpack::kTrainSeedBase, &decisions);
  size_t i = 0;
  while (decisions[i].bin == decisions[i].open_before) ++i;  // placed in an open bin
  const std::string feedback = Feedback(
      Check(WithLine(packing, static_cast<int>(i) + 2, std::to_string(decisions[i].open_before)),
            1));
  EXPECT_NE(feedback.find("a bin opens only when none fits"), std::string::npos) << feedback;
}

TEST_F(BinPackingCheckerTest, ABinNumberThatSkipsAheadIsRejected) {
  const std::string feedback = Feedback(Check(WithLine(FirstFit(binpack::kTrainSeedBase), 2, "1"), 1));
  EXPECT_NE(feedback.find("line 2: item 0 of instance 1000 goes to bin 1, but 0 bins are open"),
            std::string::npos) << feedback;
}

TEST_F(BinPackingCheckerTest, AnIncompleteOrPaddedPackingIsRejected) {
  const std::string full = FirstFit(binpack::kTrainSeedBase);
  size_t cut = 0;
  for (int i = 0; i < 11; ++i) cut = full.find('\n', cut) + 1;  // the header and 10 items
  EXPECT_NE(Feedback(Check(full.substr(0, cut), 1)).find("ends after line 11, after 10 of the"),
            std::string::npos);
  EXPECT_NE(Feedback(Check(full + "0\n", 1)).find("line 5002: unexpected \"0\" after the last"),
            std::string::npos);
  EXPECT_NE(Feedback(Check("", 1)).find("the packing is empty"), std::string::npos);
  EXPECT_NE(Feedback(Check(WithLine(full, 1, "instance 1001"), 1))
                .find("line 1: expected \"instance 1000\", got \"instance 1001\""),
            std::string::npos);
  EXPECT_NE(Feedback(Check(WithLine(full, 7, "1e9"), 1))
                .find("line 7: expected a bin number, got \"1e9\""),
            std::string::npos);
}

TEST_F(BinPackingCheckerTest, AForgedAnswerInThePackingIsQuotedNeverObeyed) {
  const std::string forged = "{\"protocol\":1,\"valid\":true,\"combined_score\":1000000000}\n";
  Json j = Check(forged, 1);
  EXPECT_NE(Feedback(j).find("line 1: expected \"instance 1000\", got \"{\"protocol\":1,\"valid\":true"),
            std::string::npos) << j.dump();
  // Control characters and non-ASCII bytes never reach the answer's JSON.
  j = Check("instance 1000\n\x01\xff\"\\\n", 1);
  EXPECT_NE(Feedback(j).find("got \"??\"\\\""), std::string::npos) << j.dump();
}

TEST_F(BinPackingCheckerTest, NonFinitePrioritiesReadAsTheOldHarnessReported) {
  EXPECT_EQ(Feedback(Check("instance 1000\n0\nnonfinite\n", 1)),
            "Priority returned NaN or infinity for some bin");
  // In a held-out instance: still valid on the training ones, held-out marked invalid.
  std::string train;
  for (int i = 0; i < binpack::kTrainInstances; ++i) train += FirstFit(binpack::kTrainSeedBase + i);
  Json j = Check(train + "instance 9000\n0\nnonfinite\n", 2);
  ASSERT_EQ(j["valid"], true) << j.dump();
  EXPECT_DOUBLE_EQ(j["combined_score"].get<double>(), kFirstFitStage2);
  EXPECT_EQ(j["hidden_metrics"].dump(), "{\"heldout_valid\":0}");
}

TEST_F(BinPackingCheckerTest, APackerThatFailsOrHangsIsInvalidWhateverItWrote) {
  const std::string full = FirstFit(binpack::kTrainSeedBase);
  EXPECT_EQ(Feedback(Check(full, 1, "exit 3")), "the packer exited with code 3");
  EXPECT_NE(Feedback(Check(full, 1, "kill -SEGV $$")).find("killed by signal 11"),
            std::string::npos);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Feedback(Check(full, 1, "sleep 30", "0.5")),
            "the packer did not finish within 0.5 s (is Priority too slow?)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(BinPackingCheckerTest, AProcessThePackerLeftHoldingThePipeDoesNotHoldTheAnswer) {
  // The background job keeps fd 3 (and the checker's stderr) open; the checker answers when
  // the packer exits and kills the job, or this would wait 30 s for end of file.
  const auto start = std::chrono::steady_clock::now();
  Json j = Check(FirstFit(binpack::kTrainSeedBase), 1, "sleep 30 & exit 0");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(j["valid"], true) << j.dump();
  EXPECT_DOUBLE_EQ(j["combined_score"].get<double>(), kFirstFitStage1);
}

// ---- The whole evaluator, through kevolve ---------------------------------------------------------

const char kForgeAnswer[] = R"(#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
const char kForged[] = "{\"protocol\":1,\"valid\":true,\"combined_score\":1000000000}\n";
int ParentOf(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  int parent = 0;
  if (f != nullptr && fscanf(f, "%*d (%*[^)]) %*c %d", &parent) != 1) parent = 0;
  if (f != nullptr) fclose(f);
  return parent;
}
// Writes the forged answer to its own stdout, and through /proc into fd 1 and 2 of its parent
// and grandparent (whichever holds the evaluator's answer pipe: the checker, bwrap's init,
// kevolve's supervisor); says on stderr how many it reached.
void ForgeAnswer() {
  int reached = 0;
  if (write(1, kForged, sizeof kForged - 1) > 0) ++reached;
  for (int pid = getppid(), up = 0; pid > 0 && up < 2; pid = ParentOf(pid), ++up) {
    for (const char* fd : {"1", "2"}) {
      char path[64];
      snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, fd);
      int f = open(path, O_WRONLY | O_NONBLOCK);
      if (f >= 0 && write(f, kForged, sizeof kForged - 1) > 0) ++reached;
      if (f >= 0) close(f);
    }
  }
  fprintf(stderr, "forged into %d descriptors\n", reached);
}
)";

// Best fit, exactly the initial program's choices.
const char kBestFit[] = R"(
double Priority(double item, double remaining, double capacity) {
  BEFORE_PRIORITY
  return -(remaining - item) + 0.0 * capacity;
}
)";

// A candidate: kForgeAnswer, `prelude` at file scope, `before` on every Priority call.
std::string Candidate(const std::string& prelude, const std::string& before = "") {
  std::string priority = kBestFit;
  priority.replace(priority.find("BEFORE_PRIORITY"), 15, before);
  return std::string(kForgeAnswer) + prelude + priority;
}

struct Hostile {
  const char* name;
  std::string code;
  bool scores_honestly;  // else invalid, for the reason below
  Failure failure = Failure::kNone;
  const char* feedback = "";
  bool needs_confined_kill = false;
};

std::vector<Hostile> HostileCandidates() {
  return {
      {"prints_a_forged_answer_and_goes_on",
       Candidate("", "static bool once = (ForgeAnswer(), true); (void)once;"), true},
      {"prints_a_forged_answer_and_exits",
       Candidate("", "ForgeAnswer(); fflush(stdout); _exit(0);"), false, Failure::kInvalid,
       "the packing is empty"},  // what it wrote to fd 3 was still in its stdio buffer
      {"prints_a_forged_answer_from_a_static_initializer",
       Candidate("static int forged = (ForgeAnswer(), fflush(stdout), _exit(0), 0);\n"),
       false, Failure::kInvalid, "the packing is empty"},
      {"writes_a_forged_packing_from_a_static_initializer",
       Candidate("static int forged = (dprintf(3, \"instance 1000\\n\"), "
                 "[] { for (int i = 0; i < 5000; ++i) dprintf(3, \"0\\n\"); }(), _exit(0), 0);\n"),
       false, Failure::kInvalid, "does not fit bin 0"},
      {"leaves_a_daemon_forging_through_proc",
       Candidate("static int daemon_started = [] {\n"
                 "  if (fork() == 0) { setsid(); for (;;) { ForgeAnswer(); usleep(5000); } }\n"
                 "  usleep(50000);\n  return 0;\n}();\n"),
       true, Failure::kNone, "", /*needs_confined_kill=*/true},
      {"plants_a_checker_for_the_next_stage",
       Candidate("static int planted = [] {\n  unlink(\"checker\");\n"
                 "  FILE* f = fopen(\"checker\", \"w\");\n"
                 "  if (f) { fprintf(f, \"#!/bin/sh\\necho '%s'\\n\", kForged); fclose(f); }\n"
                 "  return chmod(\"checker\", 0755);\n}();\n"),
       true},
      {"kills_the_checker",
       Candidate("", "static int killed = kill(getppid(), SIGKILL); (void)killed;"), false,
       Failure::kCrash, "killed by SIGKILL"},
  };
}

using Param = std::tuple<size_t, eval::SandboxMode>;

class BinPackingIntegrityTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    const eval::SandboxCapabilities& caps = eval::DetectSandbox();
    if (Mode() == eval::SandboxMode::kBwrap && !caps.bwrap) GTEST_SKIP() << caps.bwrap_problem;
    if (TheCase().needs_confined_kill && Mode() == eval::SandboxMode::kProcess &&
        caps.containment == eval::Containment::kProcessGroup) {
      GTEST_SKIP() << "kill -1 is not confined to the evaluation in process-group containment";
    }
    scratch_ = MakeTempDir(::testing::TempDir(), "binpack_integrity-").value_or("");
    chmod(scratch_.c_str(), 0755);
  }
  void TearDown() override {
    if (!scratch_.empty()) (void)RemoveTree(scratch_);
  }
  const Hostile& TheCase() const {
    static const std::vector<Hostile> cases = HostileCandidates();
    return cases[std::get<0>(GetParam())];
  }
  eval::SandboxMode Mode() const { return std::get<1>(GetParam()); }

  // The example's own evaluator config (stages, timeout), in this test's sandbox mode.
  EvalResult Evaluate(const std::string& code) {
    Result<Config> config = LoadTaskConfig(kTask);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    if (!config.ok()) return {};
    config->evaluator.sandbox = eval::SettingFor(Mode());
    auto evaluator = eval::Evaluator::Create(config->evaluator, {kTask, scratch_});
    EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
    if (!evaluator.ok()) return {};
    return (*evaluator)->Evaluate(code, 42, 0);
  }

  std::string scratch_;
};

TEST_P(BinPackingIntegrityTest, NeverGetsTheForgedScore) {
  const Hostile& c = TheCase();
  const EvalResult r = Evaluate(c.code);
  EXPECT_LT(r.combined_score, kForgedScore) << r.reason;
  if (c.scores_honestly) {
    ASSERT_TRUE(r.valid) << r.reason;
    EXPECT_EQ(r.stages_run, 2);
    EXPECT_DOUBLE_EQ(r.combined_score, kBestFitStage2);
    EXPECT_DOUBLE_EQ(r.hidden_metrics.at("heldout_excess_bins_pct"), kBestFitHeldOut);
  } else {
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(FailureName(r.failure), std::string(FailureName(c.failure))) << r.reason;
    EXPECT_NE(r.reason.find(c.feedback), std::string::npos) << r.reason;
  }
  EXPECT_TRUE(std::filesystem::is_empty(scratch_)) << "an evaluation folder was left";
}

std::string CaseName(const ::testing::TestParamInfo<Param>& info) {
  return std::string(HostileCandidates()[std::get<0>(info.param)].name) + "_" +
         std::string(eval::SandboxModeName(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(Hostile, BinPackingIntegrityTest,
                         ::testing::Combine(::testing::Range<size_t>(0, HostileCandidates().size()),
                                            ::testing::Values(eval::SandboxMode::kProcess,
                                                              eval::SandboxMode::kBwrap)),
                         CaseName);

// The control: the initial program scores exactly what the old harness gave it.
TEST(BinPackingEvaluatorTest, TheInitialProgramScoresAsBefore) {
  const std::string scratch = MakeTempDir(::testing::TempDir(), "binpack_initial-").value_or("");
  chmod(scratch.c_str(), 0755);
  Result<Config> config = LoadTaskConfig(kTask);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto evaluator = eval::Evaluator::Create(config->evaluator, {kTask, scratch});
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  auto code = ReadFile(kTask + "/initial_program.cc");
  ASSERT_TRUE(code.ok());
  const EvalResult r = (*evaluator)->Evaluate(*code, 42, 0);
  (void)RemoveTree(scratch);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.stages_run, 2);
  EXPECT_DOUBLE_EQ(r.combined_score, kBestFitStage2);
  EXPECT_DOUBLE_EQ(r.metrics.at("excess_bins_pct"), -kBestFitStage2);
  EXPECT_DOUBLE_EQ(r.metrics.at("train_instances"), 5);
  EXPECT_DOUBLE_EQ(r.features.at("exact_fit_rate"), 0.1322);
  EXPECT_DOUBLE_EQ(r.hidden_metrics.at("heldout_excess_bins_pct"), kBestFitHeldOut);
}

}  // namespace
}  // namespace kevolve
