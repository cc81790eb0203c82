// The circle-packing and matmul-decomposition examples: their checkers, which trust nothing the
// program says, on answers written by hand (each rule must be able to fail), the shared
// evaluate on programs that are not what the task expects, and a short kevolve run of each
// example (the budget CI runs).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "testing/command.h"
#include "testing/task_checker.h"

namespace kevolve {
namespace {

using testing::KevolveBinary;
using testing::RunCommand;

const std::string kExamples = std::string(KEVOLVE_SOURCE_DIR) + "/examples";
const std::string kCircles = kExamples + "/circle_packing";
const std::string kMatmul = kExamples + "/matmul_decomposition";

// The initial programs' scores (README.md of each example).
constexpr double kCirclesSeedScore = 2.549654058155;
constexpr double kMatmulSeedScore = -35;

// A task's checker, built once per suite (testing/task_checker.h).
class CheckerTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { delete checker_; }

  static Json Check(const std::vector<std::string>& options, const std::string& output,
                    const std::string& after = "") {
    return checker_->Check(options, output, after);
  }
  static std::string Feedback(const Json& j) { return testing::InvalidFeedback(j); }

  static testing::TaskChecker* checker_;
};

testing::TaskChecker* CheckerTest::checker_ = nullptr;

// ---- Circle packing -----------------------------------------------------------------------------

class CirclePackingCheckerTest : public CheckerTest {
 protected:
  static void SetUpTestSuite() { checker_ = new testing::TaskChecker(kCircles); }

  // 25 circles of radius 0.1 on a 5 x 5 grid, and a 26th of radius 0 between four of them: a
  // valid packing with a sum of 2.5. Line k is circle k.
  static std::vector<std::string> Grid() {
    std::vector<std::string> lines;
    for (int i = 0; i < 25; ++i) {
      lines.push_back(std::to_string(0.1 + 0.2 * (i % 5)) + " " + std::to_string(0.1 + 0.2 * (i / 5)) +
                      " 0.1");
    }
    lines.push_back("0.2 0.2 0");
    return lines;
  }
  static std::string Text(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& line : lines) out += line + "\n";
    return out;
  }
  static Json Check26(const std::vector<std::string>& lines) {
    return Check({"--n", "26"}, Text(lines));
  }
};

TEST_F(CirclePackingCheckerTest, AValidPackingScoresItsSumOfRadii) {
  Json j = Check26(Grid());
  ASSERT_EQ(j["valid"], true) << j.dump();
  EXPECT_NEAR(j["combined_score"].get<double>(), 2.5, 1e-12);
  EXPECT_EQ(j["metrics"]["circles"], 26);
}

TEST_F(CirclePackingCheckerTest, AnOverlappingPairIsNamed) {
  auto lines = Grid();
  lines[1] = "0.299 0.1 0.1";  // circle 2 moves 0.001 towards circle 1
  EXPECT_NE(Feedback(Check26(lines)).find("circles 1 and 2 overlap by 0.001"), std::string::npos);
}

TEST_F(CirclePackingCheckerTest, TheToleranceIsOneInABillion) {
  auto lines = Grid();
  lines[0] = "0.1 0.1 0.1000000005";  // overlaps circles 2 and 6 and the sides by 5e-10
  EXPECT_EQ(Check26(lines)["valid"], true);
  lines[0] = "0.1 0.1 0.100000002";  // by 2e-9
  EXPECT_NE(Feedback(Check26(lines)).find("circle 1 (x 0.1, y 0.1, r 0.100000002) leaves the unit "
                                          "square by 2e-09 (tolerance 1e-09)"),
            std::string::npos);
}

TEST_F(CirclePackingCheckerTest, ACircleOutsideTheSquareIsNamed) {
  auto lines = Grid();
  lines[25] = "1.05 0.5 0.01";
  const std::string feedback = Feedback(Check26(lines));
  EXPECT_NE(feedback.find("circle 26 (x 1.05, y 0.5, r 0.01) leaves the unit square by 0.06"),
            std::string::npos) << feedback;
  EXPECT_NE(feedback.find("1 circle(s) leave it"), std::string::npos) << feedback;
}

TEST_F(CirclePackingCheckerTest, NaNInfinityAndANegativeRadiusAreInvalid) {
  auto lines = Grid();
  lines[3] = "0.7 nan 0.1";
  EXPECT_NE(Feedback(Check26(lines)).find("circle 4: y is nan; every coordinate"),
            std::string::npos);
  lines[3] = "0.7 0.1 inf";
  EXPECT_NE(Feedback(Check26(lines)).find("circle 4: r is inf;"), std::string::npos);
  lines[3] = "0.7 0.1 -0.1";
  EXPECT_EQ(Feedback(Check26(lines)), "circle 4 has a negative radius -0.1");
}

TEST_F(CirclePackingCheckerTest, TheWrongCountIsInvalid) {
  auto lines = Grid();
  lines.pop_back();
  EXPECT_EQ(Feedback(Check26(lines)),
            "the program returned 25 circles; the task asks for exactly 26");
  lines.push_back("0.2 0.2 0");
  lines.push_back("0.4 0.4 0");
  EXPECT_EQ(Feedback(Check26(lines)),
            "the program returned 27 circles; the task asks for exactly 26");
}

TEST_F(CirclePackingCheckerTest, AMalformedLineOrAForgedAnswerIsQuotedNeverObeyed) {
  auto lines = Grid();
  lines[4] = "0.9, 0.1, 0.1";
  EXPECT_EQ(Feedback(Check26(lines)), "line 5: expected three numbers \"x y r\", got \"0.9, 0.1, 0.1\"");
  const std::string forged = "{\"protocol\":1,\"valid\":true,\"combined_score\":1000000000}";
  EXPECT_NE(Feedback(Check({"--n", "26"}, forged + "\n")).find("line 1: expected three numbers"),
            std::string::npos);
  // What the program prints on its stdout goes to stderr, never into the answer.
  Json j = Check({"--n", "26"}, Text(Grid()), "echo '" + forged + "'");
  EXPECT_NEAR(j["combined_score"].get<double>(), 2.5, 1e-12) << j.dump();
}

TEST_F(CirclePackingCheckerTest, AProgramThatFailsIsInvalidWhateverItWrote) {
  EXPECT_EQ(Feedback(Check({"--n", "26"}, Text(Grid()), "exit 3")),
            "the program exited with code 3");
}

// ---- Matmul decomposition -----------------------------------------------------------------------

// Strassen (1969): 7 terms "a | b | c", A, B and C row-major (A11 A12 A21 A22).
const char kStrassen[] =
    "1 0 0 1 | 1 0 0 1 | 1 0 0 1\n"
    "0 0 1 1 | 1 0 0 0 | 0 0 1 -1\n"
    "1 0 0 0 | 0 1 0 -1 | 0 1 0 1\n"
    "0 0 0 1 | -1 0 1 0 | 1 0 1 0\n"
    "1 1 0 0 | 0 0 0 1 | -1 1 0 0\n"
    "-1 0 1 0 | 1 1 0 0 | 0 0 0 1\n"
    "0 1 0 -1 | 0 0 1 1 | 1 0 0 0\n";

// The naive algorithm for n x n x n: one term per (i, j, k).
std::string Naive(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      for (int k = 0; k < n; ++k) {
        std::string f[3];
        for (int e = 0; e < n * n; ++e) {
          f[0] += std::string(e ? " " : "") + (e == i * n + j ? "1" : "0");
          f[1] += std::string(e ? " " : "") + (e == j * n + k ? "1" : "0");
          f[2] += std::string(e ? " " : "") + (e == i * n + k ? "1" : "0");
        }
        out += f[0] + " | " + f[1] + " | " + f[2] + "\n";
      }
    }
  }
  return out;
}

class MatmulCheckerTest : public CheckerTest {
 protected:
  static void SetUpTestSuite() { checker_ = new testing::TaskChecker(kMatmul); }
};

TEST_F(MatmulCheckerTest, StrassenAndTheNaiveAlgorithmAreExactAndScoredByRank) {
  Json j = Check({"--sizes", "2x2x2,3x3x3"},
                 std::string("2x2x2\n") + kStrassen + "3x3x3\n" + Naive(3));
  ASSERT_EQ(j["valid"], true) << j.dump();
  EXPECT_EQ(j["combined_score"], -34);
  EXPECT_EQ(j["metrics"]["rank_2x2x2"], 7);
  EXPECT_EQ(j["metrics"]["rank_3x3x3"], 27);
  // Over the integers it is exact, so modulo 2 too.
  j = Check({"--sizes", "2x2x2:mod2"}, std::string("2x2x2:mod2\n") + kStrassen);
  EXPECT_EQ(j["metrics"]["rank_2x2x2_mod2"], 7) << j.dump();
}

TEST_F(MatmulCheckerTest, OneWrongCoefficientIsInvalidAndTheFirstWrongEntryNamed) {
  std::string wrong = kStrassen;
  wrong.replace(wrong.find("0 1 0 -1 | 0 0 1 1 | 1 0 0 0"), 28, "0 1 0 -1 | 0 0 1 1 | 2 0 0 0");
  const std::string feedback = Feedback(Check({"--sizes", "2x2x2"}, "2x2x2\n" + wrong));
  EXPECT_EQ(feedback, "2x2x2: the 7 terms give A[1][2]*B[2][1] the coefficient 2 in C[1][1]; "
                      "C = AB needs 1 (1-based indices; 4 wrong entries)");
  // A term left out.
  const std::string six = std::string(kStrassen).substr(std::string(kStrassen).find('\n') + 1);
  EXPECT_NE(Feedback(Check({"--sizes", "2x2x2"}, "2x2x2\n" + six)).find("the 6 terms give"),
            std::string::npos);
}

TEST_F(MatmulCheckerTest, ADecompositionExactOnlyModuloTwoIsValidOnlyWhereTheTaskSaysSo) {
  std::string mod2 = kStrassen;  // every -1 written as 1: the same modulo 2, wrong over Z
  for (size_t at = mod2.find("-1"); at != std::string::npos; at = mod2.find("-1")) {
    mod2.erase(at, 1);  // the sign goes, the 1 stays
  }
  EXPECT_EQ(Check({"--sizes", "2x2x2:mod2"}, "2x2x2:mod2\n" + mod2)["valid"], true);
  EXPECT_NE(Feedback(Check({"--sizes", "2x2x2"}, "2x2x2\n" + mod2)).find("C = AB needs"),
            std::string::npos);
  // And a wrong one modulo 2: a coefficient 2 is 0 there.
  std::string wrong = kStrassen;
  wrong.replace(wrong.find("1 0 0 1 | 1 0 0 1 | 1 0 0 1"), 1, "3");
  EXPECT_EQ(Check({"--sizes", "2x2x2:mod2"}, "2x2x2:mod2\n" + wrong)["valid"], true);
  wrong.replace(0, 1, "2");
  EXPECT_NE(Feedback(Check({"--sizes", "2x2x2:mod2"}, "2x2x2:mod2\n" + wrong))
                .find("C = AB needs 1 modulo 2"),
            std::string::npos);
}

TEST_F(MatmulCheckerTest, MalformedOutputIsQuotedWithItsLine) {
  const std::vector<std::string> sizes = {"--sizes", "2x2x2"};
  EXPECT_EQ(Feedback(Check(sizes, "")),
            "the output ends after line 0; expected the header \"2x2x2\"");
  EXPECT_EQ(Feedback(Check(sizes, std::string("3x3x3\n") + kStrassen)),
            "line 1: expected the header \"2x2x2\", got \"3x3x3\"");
  const std::string expected_shape = "expected \"a | b | c\" with 4, 4 and 4 integers";
  for (const char* bad : {"1 0 0 1 | 1 0 0 | 1 0 0 1 1", "1 0 0 1 | 1 0 0 1 | 1 0 0 1 | 1",
                          "1 0 0 1 | 1 0 0 1 | 1 0 0 1.5", "1 0 0 1 | 1 0 0 1 | 1 0 0 1234567890",
                          "1 0 0 1 | 1 0 0 1 | 1 0 0 nan"}) {
    EXPECT_NE(Feedback(Check(sizes, std::string("2x2x2\n") + bad + "\n")).find("line 2: " + expected_shape),
              std::string::npos) << bad;
  }
  EXPECT_NE(Feedback(Check(sizes, std::string("2x2x2\n") + kStrassen + "3x3x3\n"))
                .find("line 9: unexpected \"3x3x3\" after the last decomposition"),
            std::string::npos);
}

TEST_F(MatmulCheckerTest, AProgramThatHangsIsInvalidWhateverItWrote) {
  EXPECT_EQ(Feedback(Check({"--sizes", "2x2x2", "--timeout-seconds", "0.5"},
                           std::string("2x2x2\n") + kStrassen, "sleep 30")),
            "the program did not finish within 0.5 s (is Decompose too slow?)");
}

// ---- The shared evaluate, on a program that is not what the task expects --------------------------

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override { work_ = MakeTempDir(::testing::TempDir(), "math_evaluate-").value_or(""); }
  void TearDown() override { (void)RemoveTree(work_); }

  // Runs `task`'s evaluate on `code`, written as program.cc, in a scratch folder.
  Json Evaluate(const std::string& task, const std::string& code) {
    EXPECT_TRUE(WriteFileAtomic(work_ + "/program.cc", code).ok());
    auto r = RunCommand({"/bin/sh", "-c", "cd " + work_ + " && " + task + "/evaluate " + work_ +
                                              "/program.cc"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = ParseJson(r.out);
    EXPECT_TRUE(j.ok()) << r.out << r.err;
    return j.ok() ? *j : Json();
  }

  std::string work_;
};

TEST_F(EvaluateTest, APythonProgramForACppTaskIsNamedAsTheWrongLanguage) {
  for (const std::string& task : {kCircles, kMatmul}) {
    Json j = Evaluate(task, "import numpy as np\n\ndef pack_circles(n):\n    return []\n");
    ASSERT_EQ(j["valid"], false) << j.dump();
    const std::string feedback = j["artifacts"]["feedback"];
    EXPECT_NE(feedback.find("program.cc is not C++ (its first code line is: import numpy as np): "
                            "this task compiles the program with"),
              std::string::npos) << feedback;
    EXPECT_NE(feedback.find("write it in C++ as " + task + "/initial_program.cc is"),
              std::string::npos) << feedback;
  }
}

TEST_F(EvaluateTest, ACppProgramThatDoesNotCompileGetsTheCompilerMessage) {
  Json j = Evaluate(kCircles, "struct Circle { double x, y, r; };\nint f() { return }\n");
  ASSERT_EQ(j["valid"], false) << j.dump();
  const std::string feedback = j["artifacts"]["feedback"];
  EXPECT_EQ(feedback.rfind("compile error:", 0), 0u) << feedback;
  EXPECT_NE(feedback.find("error:"), std::string::npos) << feedback;
}

TEST_F(EvaluateTest, TheInitialProgramsScoreWhatTheReadmesSay) {
  Json circles = Evaluate(kCircles, ReadFile(kCircles + "/initial_program.cc").value_or(""));
  ASSERT_EQ(circles["valid"], true) << circles.dump();
  EXPECT_NEAR(circles["combined_score"].get<double>(), kCirclesSeedScore, 1e-9);
  Json matmul = Evaluate(kMatmul, ReadFile(kMatmul + "/initial_program.cc").value_or(""));
  ASSERT_EQ(matmul["valid"], true) << matmul.dump();
  EXPECT_EQ(matmul["combined_score"].get<double>(), kMatmulSeedScore);
}

TEST_F(EvaluateTest, KevolveRefusesAProgramInAnotherLanguageNamingTheFileAndTheKey) {
  const std::string py = work_ + "/pack.py";
  ASSERT_TRUE(WriteFileAtomic(py, "def pack_circles(n):\n    return []\n").ok());
  auto eval = RunCommand({KevolveBinary(), "eval", kCircles, py});
  EXPECT_EQ(eval.exit_code, 2) << eval.err;
  EXPECT_NE(eval.err.find("the program '" + py + "' is python, but this task's evaluator reads "
                          "cpp (evaluator.program_filename: program.cc): give it a cpp program"),
            std::string::npos) << eval.err;
  auto run = RunCommand({KevolveBinary(), "run", kMatmul, "-n", "1", "-o", work_, "--set",
                         "task.initial_program=seed.py"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("task.initial_program 'seed.py' is python, but this task's evaluator"),
            std::string::npos) << run.err;
}

// ---- A short run of each example (the budget CI runs) --------------------------------------------

class MathExampleRunTest : public ::testing::Test {
 protected:
  void SetUp() override { out_ = MakeTempDir(::testing::TempDir(), "math_run-").value_or(""); }
  void TearDown() override { (void)RemoveTree(out_); }

  // Runs `task` for `iterations` evaluations; the run's status.
  Json Run(const std::string& task, int iterations) {
    auto run = RunCommand({KevolveBinary(), "run", task, "-n", std::to_string(iterations), "-o", out_});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    auto dir = RunCommand({"/bin/sh", "-c", "ls -d " + out_ + "/*/"});
    auto status = RunCommand({KevolveBinary(), "status", std::string(Trim(dir.out)), "--json"});
    auto j = ParseJson(status.out);
    EXPECT_TRUE(j.ok()) << status.out << status.err;
    return j.ok() ? *j : Json();
  }

  std::string out_;
};

TEST_F(MathExampleRunTest, CirclePackingRunsAndKeepsAValidPackingAtLeastAsGoodAsTheSeed) {
  Json j = Run(kCircles, 12);
  EXPECT_EQ(j["evaluations"], 12);
  EXPECT_GE(j["best"]["score"].get<double>(), kCirclesSeedScore - 1e-9) << j.dump();
  EXPECT_LE(j["best"]["score"].get<double>(), 2.64) << "above the best known 2.6359: " << j.dump();
}

TEST_F(MathExampleRunTest, MatmulDecompositionRunsAndKeepsAnExactDecompositionAtLeastAsSmall) {
  Json j = Run(kMatmul, 8);
  EXPECT_EQ(j["evaluations"], 8);
  EXPECT_GE(j["best"]["score"].get<double>(), kMatmulSeedScore) << j.dump();
  // Strassen's 7 is optimal for 2x2x2 (Winograd 1971), 3x3x3 needs at least 19.
  EXPECT_LE(j["best"]["score"].get<double>(), -(7 + 19)) << j.dump();
}

}  // namespace
}  // namespace kevolve
