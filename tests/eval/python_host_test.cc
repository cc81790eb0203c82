// kevolve's host of Python evaluators written for OpenEvolve (src/eval/python/kevolve_pyeval.py):
// OpenEvolve-style evaluators, written for these tests, run unchanged under the sandbox.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "core/files.h"
#include "eval/evaluator.h"
#include "eval_test_util.h"

namespace kevolve::eval {
namespace {

using testing::HostileConfig;
using testing::TempDir;

const char kPython[] = "/usr/bin/python3";

class PythonHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " is not installed";
    ASSERT_EQ(mkdir(task_.Sub("task").c_str(), 0755), 0);
  }

  // Evaluates `program` with `evaluator_py` as the task's evaluator.py, in `stages` stages.
  EvalResult Evaluate(const std::string& evaluator_py, const std::string& program,
                      int stages = 1, double threshold = 0.5) {
    std::unique_ptr<Evaluator> evaluator = Make(evaluator_py, stages, threshold);
    return evaluator ? evaluator->Evaluate(program, 1, 0) : EvalResult{};
  }

  std::unique_ptr<Evaluator> Make(const std::string& evaluator_py, int stages = 1,
                                  double threshold = 0.5, SandboxSetting sandbox = SandboxSetting::kProcess) {
    EXPECT_TRUE(WriteFileAtomic(task_.Sub("task/evaluator.py"), evaluator_py).ok());
    chmod(task_.Sub("task/evaluator.py").c_str(), 0644);
    EvaluatorConfig config = HostileConfig(
        {kPython, std::string(KEVOLVE_TOOLS_BUILD_DIR) + "/python/kevolve_pyeval.py",
         "{task}/evaluator.py", "{program}", "{stage}", std::to_string(stages)});
    config.program_filename = "program.py";
    config.timeout_seconds = 5;
    config.limits.memory_mb = 1024;
    for (int i = 1; i <= stages && stages > 1; ++i) {
      StageConfig stage;
      stage.name = "stage" + std::to_string(i);
      stage.threshold = threshold;
      config.stages.push_back(stage);
    }
    config.sandbox = sandbox;
    EvaluatorOptions options{task_.Sub("task"), scratch_.path()};
    options.tools_dir = KEVOLVE_TOOLS_BUILD_DIR;
    auto evaluator = Evaluator::Create(config, options);
    EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
    return evaluator.ok() ? std::move(*evaluator) : nullptr;
  }

  std::string Feedback(const EvalResult& r) {
    return r.artifacts.count("feedback") ? r.artifacts.at("feedback") : "";
  }

  TempDir task_;
  TempDir scratch_;
};

// The program these evaluators score: it defines x.
constexpr char kProgram[] = "# EVOLVE-BLOCK-START\nx = 3\n# EVOLVE-BLOCK-END\n";

constexpr char kLoadProgram[] = R"(
import importlib.util
def load(path):
    spec = importlib.util.spec_from_file_location("program", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
)";

TEST_F(PythonHostTest, ADictOfMetricsIsTheResult) {
  const EvalResult r = Evaluate(std::string(kLoadProgram) + R"(
def evaluate(program_path):
    x = load(program_path).x
    return {"combined_score": x / 10, "x": x, "exact": x == 3}
)", kProgram);
  ASSERT_TRUE(r.valid) << r.reason << " " << Feedback(r);
  EXPECT_DOUBLE_EQ(r.combined_score, 0.3);
  EXPECT_DOUBLE_EQ(r.metrics.at("x"), 3);
  EXPECT_DOUBLE_EQ(r.metrics.at("exact"), 1);
}

TEST_F(PythonHostTest, AnEvaluationResultCarriesItsArtifacts) {
  const EvalResult r = Evaluate(std::string(kLoadProgram) + R"(
from openevolve.evaluation_result import EvaluationResult
def evaluate(program_path):
    x = load(program_path).x
    return EvaluationResult(metrics={"combined_score": 1.5, "x": x},
                            artifacts={"stderr": "warning: slow", "table": [1, 2]})
)", kProgram);
  ASSERT_TRUE(r.valid) << r.reason << " " << Feedback(r);
  EXPECT_DOUBLE_EQ(r.combined_score, 1.5);
  EXPECT_EQ(r.artifacts.at("stderr"), "warning: slow");
  EXPECT_EQ(r.artifacts.at("table"), "[1, 2]");
}

// OpenEvolve's rule: without combined_score, the mean of the numeric metrics but "error";
// values that are not numbers become artifacts.
TEST_F(PythonHostTest, WithoutCombinedScoreTheMeanOfTheNumericMetricsRanks) {
  const EvalResult r = Evaluate(R"(
def evaluate(program_path):
    return {"a": 1.0, "b": 2, "error": 5.0, "note": "fine", "inf": float("inf")}
)", kProgram);
  ASSERT_TRUE(r.valid) << r.reason << " " << Feedback(r);
  EXPECT_DOUBLE_EQ(r.combined_score, 1.5);
  EXPECT_EQ(r.artifacts.at("note"), "fine");
  EXPECT_EQ(r.artifacts.at("inf"), "inf");
}

// numpy's scalars are numbers; the evaluator imports what Debian's python3 has.
TEST_F(PythonHostTest, NumpyScalarsAreMetrics) {
  if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-numpy is not installed (scripts/setup.sh installs it)";
  }
  const EvalResult r = Evaluate(R"(
import numpy as np
def evaluate(program_path):
    return {"combined_score": np.float64(0.5), "n": np.int64(3), "ok": np.bool_(True)}
)", kProgram);
  ASSERT_TRUE(r.valid) << r.reason << " " << Feedback(r);
  EXPECT_DOUBLE_EQ(r.combined_score, 0.5);
  EXPECT_DOUBLE_EQ(r.metrics.at("n"), 3);
  EXPECT_DOUBLE_EQ(r.metrics.at("ok"), 1);
}

TEST_F(PythonHostTest, PrintsToStdoutDoNotBreakTheAnswer) {
  const EvalResult r = Evaluate(R"(
import os
print('{"protocol":1,"valid":true,"combined_score":1e9}')
def evaluate(program_path):
    print("working on", program_path)
    os.write(1, b'{"protocol":1,"valid":true,"combined_score":1e9}\n')
    return {"combined_score": 0.25}
)", kProgram);
  ASSERT_TRUE(r.valid) << r.reason << " " << Feedback(r);
  EXPECT_DOUBLE_EQ(r.combined_score, 0.25);
}

TEST_F(PythonHostTest, ARaisingEvaluateIsInvalidWithItsTraceback) {
  const EvalResult r = Evaluate(R"(
def helper():
    raise ValueError("the program has no x")
def evaluate(program_path):
    helper()
)", kProgram);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kInvalid);
  EXPECT_NE(r.reason.find("evaluate raised ValueError: the program has no x"), std::string::npos)
      << r.reason;
  EXPECT_NE(r.artifacts.at("traceback").find("in helper"), std::string::npos);
}

TEST_F(PythonHostTest, AWrongReturnTypeIsInvalidAndSaysWhatCame) {
  const EvalResult r = Evaluate("def evaluate(program_path):\n    return [1, 2]\n", kProgram);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("evaluate returned list; expected a dict"), std::string::npos)
      << r.reason;
}

TEST_F(PythonHostTest, AnEvaluatorThatDoesNotImportNamesItsFileAndError) {
  const EvalResult r = Evaluate("import numpy_that_does_not_exist\n", kProgram);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("evaluator.py could not be imported: ModuleNotFoundError"),
            std::string::npos)
      << r.reason;
  const EvalResult missing = Evaluate("def score(path):\n    return {}\n", kProgram);
  EXPECT_NE(missing.reason.find("evaluator.py has no function evaluate(program_path)"),
            std::string::npos)
      << missing.reason;
}

// In a worker slot's sandbox the evaluator is imported once and every candidate is a process
// forked from the slot's fork server: what a candidate changes in the evaluator's module (a
// global, a new attribute) dies with it, and the next candidate sees the module as imported.
constexpr char kCountingEvaluator[] = R"(
import sys, time
IMPORTED_AT = time.time()
calls = 0
def evaluate(program_path):
    global calls
    calls += 1
    exec(open(program_path).read(), {"evaluator": sys.modules["evaluator"]})
    return {"combined_score": 1, "imported_at": IMPORTED_AT, "calls": calls,
            "leak": getattr(sys.modules["evaluator"], "LEAK", 0)}
)";

TEST_F(PythonHostTest, ACandidateChangesNothingOfTheImportedEvaluatorForTheNext) {
  std::unique_ptr<Evaluator> evaluator = Make(kCountingEvaluator);
  ASSERT_NE(evaluator, nullptr);
  if (!evaluator->persistent_slots()) GTEST_SKIP() << "no persistent slots here";
  const EvalResult meddler =
      evaluator->Evaluate("evaluator.LEAK = 5\nevaluator.calls = 100\n", 1, 0);
  const EvalResult next = evaluator->Evaluate("x = 1\n", 1, 0);
  ASSERT_TRUE(meddler.valid) << meddler.reason << " " << Feedback(meddler);
  ASSERT_TRUE(next.valid) << next.reason << " " << Feedback(next);
  EXPECT_DOUBLE_EQ(meddler.metrics.at("leak"), 5);
  EXPECT_DOUBLE_EQ(next.metrics.at("leak"), 0);
  EXPECT_DOUBLE_EQ(next.metrics.at("calls"), 1);
  // Imported once, in the fork server, not per candidate.
  EXPECT_EQ(meddler.metrics.at("imported_at"), next.metrics.at("imported_at"));
}

// The server is the candidate's parent and runs as the same uid; Landlock's signal scoping
// (ABI 6) keeps the candidate from killing it, so the next candidate still forks from it.
TEST_F(PythonHostTest, ACandidateCannotKillTheForkServer) {
  if (DetectSandbox().landlock_abi < 6) GTEST_SKIP() << "Landlock below ABI 6: no signal scoping";
  std::unique_ptr<Evaluator> evaluator = Make(kCountingEvaluator);
  ASSERT_NE(evaluator, nullptr);
  if (!evaluator->persistent_slots()) GTEST_SKIP() << "no persistent slots here";
  const EvalResult before = evaluator->Evaluate("x = 1\n", 1, 0);
  const EvalResult killer =
      evaluator->Evaluate("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n", 1, 0);
  const EvalResult after = evaluator->Evaluate("x = 2\n", 1, 0);
  ASSERT_TRUE(before.valid) << before.reason;
  EXPECT_NE(killer.reason.find("PermissionError"), std::string::npos) << killer.reason;
  ASSERT_TRUE(after.valid) << after.reason;
  EXPECT_EQ(before.metrics.at("imported_at"), after.metrics.at("imported_at"));
}

// The server imports the evaluator with what an evaluation may see, no more: a file beside the
// task folder is out of reach at import time, as it is for a host per evaluation.
TEST_F(PythonHostTest, TheForkServerSeesWhatAnEvaluationSees) {
  if (DetectSandbox().landlock_abi == 0) GTEST_SKIP() << "no Landlock here";
  ASSERT_TRUE(WriteFileAtomic(task_.Sub("outside.txt"), "held out\n").ok());
  chmod(task_.Sub("outside.txt").c_str(), 0644);
  const std::string reads_outside = "DATA = open('" + task_.Sub("outside.txt") +
                                    "').read()\ndef evaluate(p):\n    return {'combined_score': 1}\n";
  std::unique_ptr<Evaluator> evaluator = Make(reads_outside);
  ASSERT_NE(evaluator, nullptr);
  if (!evaluator->persistent_slots()) GTEST_SKIP() << "no persistent slots here";
  const EvalResult r = evaluator->Evaluate("x = 1\n", 1, 0);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.reason.find("evaluator.py could not be imported: PermissionError"),
            std::string::npos)
      << r.reason;
}

// Without a slot sandbox (bwrap here) the host imports the evaluator per evaluation; the answer
// is the same.
TEST_F(PythonHostTest, WithoutASlotTheHostRunsPerEvaluation) {
  if (!DetectSandbox().bwrap) GTEST_SKIP() << "bwrap cannot run here";
  std::unique_ptr<Evaluator> evaluator = Make(kCountingEvaluator, 1, 0.5, SandboxSetting::kBwrap);
  ASSERT_NE(evaluator, nullptr);
  EXPECT_FALSE(evaluator->persistent_slots());
  const EvalResult first = evaluator->Evaluate("evaluator.LEAK = 5\n", 1, 0);
  const EvalResult second = evaluator->Evaluate("x = 1\n", 1, 0);
  ASSERT_TRUE(first.valid) << first.reason << " " << Feedback(first);
  ASSERT_TRUE(second.valid) << second.reason << " " << Feedback(second);
  EXPECT_DOUBLE_EQ(second.metrics.at("leak"), 0);
  EXPECT_DOUBLE_EQ(second.metrics.at("calls"), 1);
  EXPECT_NE(first.metrics.at("imported_at"), second.metrics.at("imported_at"));
}

// OpenEvolve's thread-based timeout cannot stop this; kevolve's deadline kills the process.
TEST_F(PythonHostTest, AHangingEvaluateIsKilledAtTheDeadline) {
  const EvalResult r = Evaluate(R"(
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
def evaluate(program_path):
    while True:
        time.sleep(1)
)", kProgram);
  EXPECT_EQ(r.failure, Failure::kTimeout) << r.reason;
  EXPECT_LT(r.duration_ms, 5'000 + 300 + 2'000);
}

constexpr char kCascade[] = R"(
def evaluate_stage1(program_path):
    x = int(open(program_path).read().split("x = ")[1].split()[0])
    return {"combined_score": x / 10, "quick": 1}
def evaluate_stage2(program_path):
    return {"combined_score": 0.9, "thorough": 1}
)";

TEST_F(PythonHostTest, CascadeStagesMapToKevolveStages) {
  const EvalResult passed = Evaluate(kCascade, "x = 7\n", 2, 0.5);
  ASSERT_TRUE(passed.valid) << passed.reason << " " << Feedback(passed);
  EXPECT_EQ(passed.stages_run, 2);
  EXPECT_DOUBLE_EQ(passed.combined_score, 0.9);
  EXPECT_EQ(passed.metrics.count("quick"), 1u);
  EXPECT_EQ(passed.metrics.count("thorough"), 1u);
  const EvalResult stopped = Evaluate(kCascade, "x = 3\n", 2, 0.5);
  ASSERT_TRUE(stopped.valid) << stopped.reason;
  EXPECT_EQ(stopped.stages_run, 1);
  EXPECT_EQ(stopped.failure, Failure::kStageThreshold);
  EXPECT_DOUBLE_EQ(stopped.combined_score, 0.3);
}

}  // namespace
}  // namespace kevolve::eval
