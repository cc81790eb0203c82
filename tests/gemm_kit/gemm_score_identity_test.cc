// The GEMM case study's evaluator and report, run as a user runs them (the task's `evaluate`, the
// kit's binaries of this build, real child processes), give the figures the evaluator gave
// before it moved into C++: golden/ holds what the awk evaluator printed for each seed
// (`evaluate SEED` in a scratch folder) and the report.md and summary.json its report step wrote
// for each seed's choices (2,000 evaluations and 250.5 s given, the table as
// ../../data/gemm/perf_h100.csv from the task folder).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/json.h"
#include "testing/command.h"

namespace kevolve {
namespace {

using testing::RunCommand;

const std::string kTask = std::string(KEVOLVE_SOURCE_DIR) + "/examples/gemm_tile_heuristic";
const std::string kGolden = std::string(KEVOLVE_SOURCE_DIR) + "/tests/gemm_kit/golden/";
const std::string kTools = std::string(KEVOLVE_BINARY_DIR) + "/src/app/kevolve-tools";

// The feedback's sentences, sorted: the awk evaluator listed the regimes in its hash order, the
// tool in the order the split names them; every sentence is the same.
std::vector<std::string> Sentences(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t dot = text.find(". ", start); dot != std::string::npos;
       dot = text.find(". ", start)) {
    out.push_back(text.substr(start, dot - start));
    start = dot + 2;
  }
  out.push_back(text.substr(start));
  std::sort(out.begin(), out.end());
  return out;
}

class GemmScoreIdentityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir(::testing::TempDir(), "gemm_identity-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = *dir;
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  // `evaluate SEED [extra]` in a fresh scratch folder, with this build's tools.
  testing::CommandResult Evaluate(const std::string& extra = "") {
    return RunCommand({"/bin/sh", "-c",
                       "cd " + dir_ + " && KEVOLVE_TOOLS=" + kTools + " " + kTask + "/evaluate " +
                           kTask + "/" + GetParam() + ".cc " + extra});
  }

  std::string dir_;
};

TEST_P(GemmScoreIdentityTest, ScoreMetricsHiddenMetricsAndFeaturesAreTheAwkEvaluators) {
  auto golden_text = ReadFile(kGolden + GetParam() + ".json");
  ASSERT_TRUE(golden_text.ok());
  auto golden = ParseJson(*golden_text);
  ASSERT_TRUE(golden.ok());
  const testing::CommandResult r = Evaluate();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto now = ParseJson(r.out);
  ASSERT_TRUE(now.ok()) << r.out;
  EXPECT_EQ((*now)["valid"], true) << r.out;
  // The same text: each number is printed with the awk evaluator's format.
  for (const char* key : {"combined_score", "metrics", "hidden_metrics", "features"}) {
    EXPECT_EQ((*now)[key].dump(), (*golden)[key].dump()) << key;
  }
  EXPECT_EQ(Sentences((*now)["artifacts"]["feedback"]),
            Sentences((*golden)["artifacts"]["feedback"]));
}

TEST_P(GemmScoreIdentityTest, TheReportIsTheAwkReport) {
  // The run folder a report needs besides the choices: its events (one session of 250.5 s).
  const std::string run = dir_ + "/run";
  ASSERT_TRUE(MakeDirs(run).ok());
  ASSERT_TRUE(WriteFileAtomic(run + "/events.jsonl",
                              "{\"t\":1000,\"type\":\"run_start\"}\n"
                              "{\"t\":251500,\"type\":\"run_end\"}\n")
                  .ok());
  const testing::CommandResult choices = Evaluate("--emit-choices");
  ASSERT_EQ(choices.exit_code, 0) << choices.err;
  auto result = ParseJson(choices.out);
  ASSERT_TRUE(result.ok()) << choices.out;
  ASSERT_TRUE((*result)["artifacts"].contains("choices")) << choices.out;
  ASSERT_TRUE(WriteFileAtomic(run + "/choices.csv",
                              (*result)["artifacts"]["choices"].get<std::string>())
                  .ok());
  const testing::CommandResult report = RunCommand(
      {"/bin/sh", "-c",
       "cd " + kTask + " && " + kTools + "/kevolve-gemm-score report --task " + kTask + " --run " +
           run + " --choices " + run + "/choices.csv --evaluations 2000 --table " +
           "../../data/gemm/perf_h100.csv"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  for (const char* file : {"report.md", "summary.json"}) {
    auto golden = ReadFile(kGolden + GetParam() + "." + file);
    auto now = ReadFile(run + "/" + file);
    ASSERT_TRUE(golden.ok() && now.ok()) << file;
    EXPECT_EQ(*now, *golden) << file;
  }
  EXPECT_NE(report.out.find("heldout_fraction_of_oracle"), std::string::npos) << report.out;
}

// The report reads the best program's choices out of a sandboxed evaluation: `kevolve eval
// --artifact choices` prints the artifact's text alone, and fails, naming it, where the result
// has none.
TEST(GemmReportChoicesTest, KevolveEvalPrintsTheChoicesOfTheSandboxedEvaluation) {
  const std::string program = kTask + "/naive_program.cc";
  const testing::CommandResult choices =
      RunCommand({testing::KevolveBinary(), "eval", kTask, program, "--artifact", "choices",
                  "--set", "evaluator.command=[./evaluate, \"{program}\", --emit-choices]"});
  ASSERT_EQ(choices.exit_code, 0) << choices.err;
  auto baseline = ReadFile(kTask + "/baseline_choices.csv");
  ASSERT_TRUE(baseline.ok());
  EXPECT_EQ(choices.out, *baseline);  // the naive seed's choices are the baseline's
  const testing::CommandResult none =
      RunCommand({testing::KevolveBinary(), "eval", kTask, program, "--artifact", "choices"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("no artifact 'choices'"), std::string::npos) << none.err;
}

// `kevolve-gemm-score summary` prints what scripts/gemm/summarize.py printed for the committed
// table (golden/summarize_py_perf_h100.txt: its output for the command of
// data/gemm/summary_h100.md), so the table has one parser.
TEST(GemmTableSummaryTest, TheSummaryIsWhatThePythonSummaryPrinted) {
  const std::string data = std::string(KEVOLVE_SOURCE_DIR) + "/data/gemm/";
  const testing::CommandResult r =
      RunCommand({kTools + "/kevolve-gemm-score", "summary", "--table", data + "perf_h100.csv",
                  "--shapes", data + "shapes_llm.csv," + data + "shapes_edge.csv", "--markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto golden = ReadFile(kGolden + "summarize_py_perf_h100.txt");
  ASSERT_TRUE(golden.ok());
  EXPECT_EQ(r.out, *golden);
}

INSTANTIATE_TEST_SUITE_P(Seeds, GemmScoreIdentityTest,
                         ::testing::Values("model_program", "expert_program", "naive_program",
                                           "evolved_h100"));

}  // namespace
}  // namespace kevolve
