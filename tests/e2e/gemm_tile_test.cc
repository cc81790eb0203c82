// The GEMM tile-heuristic case study: its replay evaluator, its seeds and its report step, run
// as a user runs them (real processes, the committed H100 table).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "testing/command.h"

namespace kevolve {
namespace {

using testing::KevolveBinary;
using testing::RunCommand;

const std::string kTask = std::string(KEVOLVE_SOURCE_DIR) + "/examples/gemm_tile_heuristic";
const std::string kTable = std::string(KEVOLVE_SOURCE_DIR) + "/data/gemm/perf_h100.csv";

class GemmTileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A fresh folder per run of the test: several builds may run these tests at once.
    auto dir = MakeTempDir(::testing::TempDir(),
                           std::string("gemm_tile_") +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                               "-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = *dir;
    ASSERT_TRUE(MakeDirs(dir_ + "/work").ok());
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  // Runs the task's evaluator on `program` in a fresh work folder; returns its JSON.
  Json Evaluate(const std::string& program, const std::string& extra = "") {
    auto r = RunCommand({"/bin/sh", "-c",
                         "cd " + dir_ + "/work && " + kTask + "/evaluate " + program + " " + extra});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = ParseJson(r.out);
    EXPECT_TRUE(j.ok()) << r.out;
    return j.ok() ? *j : Json();
  }

  // Runs `kevolve eval` on a hostile selector of tests/e2e/gemm_hostile under sandbox `mode`;
  // returns its result, which must be a valid one.
  Json EvalHostile(const std::string& file, const std::string& mode) {
    auto r = RunCommand({KevolveBinary(), "eval", kTask,
                         std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/gemm_hostile/" + file,
                         "--set", "evaluator.sandbox=" + mode});
    auto j = ParseJson(r.out);
    EXPECT_TRUE(j.ok()) << mode << ": " << r.out << r.err;
    if (!j.ok()) return Json();
    EXPECT_EQ((*j)["valid"], true) << mode << ": " << r.out;
    return *j;
  }

  std::string dir_;
};

TEST_F(GemmTileTest, TheNaiveSeedIsTheBaselineExactly) {
  Json j = Evaluate(kTask + "/naive_program.cc");
  ASSERT_EQ(j["valid"], true) << j.dump();
  EXPECT_DOUBLE_EQ(j["combined_score"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["hidden_metrics"]["heldout_geomean_speedup_vs_baseline"].get<double>(), 1.0);
}

TEST_F(GemmTileTest, HeldOutResultsStayOutOfMetricsAndFeedback) {
  Json j = Evaluate(kTask + "/expert_program.cc");
  ASSERT_EQ(j["valid"], true) << j.dump();
  EXPECT_GT(j["combined_score"].get<double>(), 1.1);  // the expert beats the naive tile
  for (auto& [key, value] : j["metrics"].items()) {
    EXPECT_EQ(key.find("heldout"), std::string::npos) << key;
  }
  EXPECT_TRUE(j["hidden_metrics"].contains("heldout_fraction_of_oracle"));
  // The feedback names train shapes only: no held-out shape (DeepSeek-V3's 7168-wide layers are
  // all held out) appears in it.
  const std::string feedback = j["artifacts"]["feedback"];
  EXPECT_EQ(feedback.find(",7168,"), std::string::npos) << feedback;
}

TEST_F(GemmTileTest, AConfigTheFamilyCannotRunMakesTheCandidateInvalid) {
  // Asks for a TMA kernel on every shape, also those whose rows are not 16-byte aligned.
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/tma_everywhere.cc",
                              "#include \"tile_config.h\"\n"
                              "TileConfig SelectConfig(int64_t, int64_t, int64_t) {\n"
                              "  return Wgmma(128, 128, 6);\n}\n")
                  .ok());
  Json j = Evaluate(dir_ + "/tma_everywhere.cc");
  EXPECT_EQ(j["valid"], false);
  const std::string feedback = j["artifacts"]["feedback"];
  // It names the shapes, the config and the family's reason.
  EXPECT_NE(feedback.find("shape(s) got a config the family cannot run"), std::string::npos)
      << feedback;
  EXPECT_NE(feedback.find("SelectConfig("), std::string::npos) << feedback;
  EXPECT_NE(feedback.find("the table says: refused"), std::string::npos) << feedback;
}

// A selector whose loop never ends, after `before_loop` (statements run on its first call), is
// cut at the evaluator's own 2 s limit: the evaluation says so within seconds.
void ExpectCutAtTheLimit(const std::string& dir, const std::string& before_loop,
                         const std::function<Json(const std::string&)>& evaluate) {
  ASSERT_TRUE(WriteFileAtomic(dir + "/forever.cc",
                              "#include <unistd.h>\n"
                              "#include \"tile_config.h\"\n"
                              "TileConfig SelectConfig(int64_t m, int64_t, int64_t) {\n" +
                                  before_loop +
                                  "  for (volatile int64_t i = 0; i >= 0 || m > 0;) ++i;\n"
                                  "  return Wgmma(128, 128, 6);\n}\n")
                  .ok());
  const auto start = std::chrono::steady_clock::now();
  Json j = evaluate(dir + "/forever.cc");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(j["valid"], false);
  const std::string feedback = j["artifacts"]["feedback"];
  EXPECT_NE(feedback.find("took over 2 s"), std::string::npos) << feedback;
  EXPECT_LT(seconds, 8.0);
}

// A mutant that never returns is stopped by the evaluator's own 2 s limit on the selector, not
// by the engine's timeout for the whole evaluation, so it holds a worker only briefly.
TEST_F(GemmTileTest, ASelectorThatNeverReturnsIsInvalidWithinSeconds) {
  ExpectCutAtTheLimit(dir_, "", [this](const std::string& p) { return Evaluate(p); });
}

// The same, when the mutant first leaves a process in a session of its own holding its stdout:
// the limit still holds (sealed relays the selector's stdout and closes it when the selector
// ends; before, the evaluator waited for the leftover to let go, 15 s here).
TEST_F(GemmTileTest, ALeftoverHoldingTheSelectorsStdoutDoesNotStretchItsLimit) {
  ExpectCutAtTheLimit(dir_, "  if (fork() == 0) { setsid(); sleep(15); _exit(0); }\n",
                      [this](const std::string& p) { return Evaluate(p); });
}

TEST_F(GemmTileTest, AnInventedConfigIsNamedAsNotInTheTable) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/invented.cc",
                              "#include \"tile_config.h\"\n"
                              "TileConfig SelectConfig(int64_t, int64_t, int64_t) {\n"
                              "  return Mma(Algo::kMmaLdg, 48, 48, 16, 1, 1, 2);\n}\n")
                  .ok());
  Json j = Evaluate(dir_ + "/invented.cc");
  EXPECT_EQ(j["valid"], false);
  EXPECT_NE(j["artifacts"]["feedback"].get<std::string>().find("not in the performance table"),
            std::string::npos);
}

TEST_F(GemmTileTest, AnyTableInTheDocumentedFormatIsAccepted) {
  // A table of the first 40 shapes only: the shapes it lacks are not scored.
  const std::string small = dir_ + "/small.csv";
  auto r = RunCommand({"/bin/sh", "-c",
                       "awk -F, 'NR == 1 || (!(($1\",\"$2\",\"$3) in s) && n < 40 && ++n) || "
                       "(($1\",\"$2\",\"$3) in s) { s[$1\",\"$2\",\"$3] = 1; print }' " +
                           kTable + " > " + small});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = Evaluate(kTask + "/expert_program.cc", "--table " + small);
  ASSERT_EQ(j["valid"], true) << j.dump();
  const double shapes = j["metrics"]["train_shapes"].get<double>() +
                        j["hidden_metrics"]["heldout_shapes"].get<double>();
  EXPECT_LE(shapes, 40);
  EXPECT_GT(shapes, 10);
}

TEST_F(GemmTileTest, BaselineChoicesAreTheNaiveSeedsChoices) {
  auto r = RunCommand({"/bin/sh", "-c",
                       "g++ -std=c++17 -O1 -w -I" + kTask + " -o " + dir_ + "/naive " + kTask +
                           "/select_main.cc " + kTask + "/naive_program.cc && awk -F, '!/^#/ && "
                           "!/^m,/ {print $1, $2, $3}' " + kTask + "/split.csv | " + dir_ +
                           "/naive | cmp - " + kTask + "/baseline_choices.csv"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// A selector that answers with the naive tile but leaves a daemon renaming the per-shape best
// configs over `choices.csv` in the scratch folder, before and after it exits. The evaluator
// reads the choices through a pipe and kills leftovers first, so the score stays the naive
// seed's 1.0 under the default sandbox (bwrap where it works) and under process mode (an
// evaluator reading the file scores the forged oracle).
TEST_F(GemmTileTest, ADaemonOfTheSelectorCannotForgeTheChoices) {
  for (const char* mode : {"auto", "process"}) {
    Json j = EvalHostile("forge_choices_daemon.cc", mode);
    ASSERT_EQ(j["valid"], true) << mode;
    EXPECT_DOUBLE_EQ(j["combined_score"].get<double>(), 1.0) << mode << ": " << j.dump();
    EXPECT_LT(j["metrics"]["train_fraction_of_oracle"].get<double>(), 0.9) << mode;
  }
}

// The selector runs sealed (sealed.c: Landlock): it cannot read the performance table it is
// scored against or the split naming the held-out shapes. This one answers a 64x64 tile when it
// can read either, which an unsealed evaluator scores 0.867; sealed, it scores the naive 1.0.
TEST_F(GemmTileTest, TheSelectorCannotReadTheTableOrTheSplit) {
  for (const char* mode : {"auto", "process"}) {
    Json j = EvalHostile("read_the_table.cc", mode);
    ASSERT_EQ(j["valid"], true) << mode;
    EXPECT_DOUBLE_EQ(j["combined_score"].get<double>(), 1.0) << mode << ": " << j.dump();
  }
}

TEST_F(GemmTileTest, ARunAndItsReportProduceTheSummary) {
  auto run = RunCommand({KevolveBinary(), "run", kTask, "-n", "12", "-o", dir_ + "/runs"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto ls = RunCommand({"/bin/sh", "-c", "ls -d " + dir_ + "/runs/*/"});
  const std::string run_dir(Trim(ls.out));
  auto report = RunCommand({"/usr/bin/env", "KEVOLVE=" + KevolveBinary(), kTask + "/report", run_dir});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto summary = ReadFile(run_dir + "summary.json");
  ASSERT_TRUE(summary.ok());
  auto j = ParseJson(*summary);
  ASSERT_TRUE(j.ok()) << *summary;
  for (const char* key : {"heldout_geomean_speedup_vs_baseline", "heldout_fraction_of_oracle",
                          "heldout_regressions", "heldout_fraction_of_oracle_decision_tree",
                          "heldout_fraction_of_oracle_best_single", "train_fraction_of_oracle",
                          "evaluations", "wall_seconds"}) {
    EXPECT_TRUE(j->contains(key)) << key;
  }
  EXPECT_EQ((*j)["evaluations"], 12);
  EXPECT_GE((*j)["heldout_geomean_speedup_vs_baseline"].get<double>(), 1.0);
  EXPECT_TRUE(PathExists(run_dir + "report.md"));
  EXPECT_TRUE(PathExists(run_dir + "progress.svg"));
}

}  // namespace
}  // namespace kevolve
