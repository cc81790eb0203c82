// Protocol v1: every field of the evaluator's stdout, every failure mapping of a process
// outcome, and odd or forged output.
#include "eval/protocol.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>

namespace kevolve::eval {
namespace {

ProcessOutcome Exited(int code, std::string out, std::string err = "") {
  ProcessOutcome o;
  o.exit_code = code;
  o.stdout_text = std::move(out);
  o.stderr_text = std::move(err);
  return o;
}

ProcessOutcome Signaled(int sig, std::string err = "") {
  ProcessOutcome o;
  o.exit_code = -1;
  o.term_signal = sig;
  o.stderr_text = std::move(err);
  return o;
}

OutcomeContext Context() {
  OutcomeContext c;
  c.timeout_ms = 1500;
  c.limits.memory_mb = 256;
  c.limits.cpu_seconds = 10;
  c.limits.file_size_mb = 8;
  c.limits.output_bytes = 65536;
  return c;
}

TEST(ProtocolParseTest, ReadsEveryField) {
  const EvalResult r = ParseEvaluatorOutput(R"({"protocol":1,"valid":true,"combined_score":1.25,
      "metrics":{"speedup":2.5,"correct":true,"wrong":false},
      "features":{"size":3},
      "hidden_metrics":{"heldout":0.75},
      "artifacts":{"feedback":"fine","table":[1,2],"n":7}})");
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.failure, Failure::kNone);
  EXPECT_EQ(r.reason, "");
  EXPECT_DOUBLE_EQ(r.combined_score, 1.25);
  EXPECT_EQ(r.metrics, (std::map<std::string, double>{{"speedup", 2.5}, {"correct", 1}, {"wrong", 0}}));
  EXPECT_EQ(r.features, (std::map<std::string, double>{{"size", 3}}));
  EXPECT_EQ(r.hidden_metrics, (std::map<std::string, double>{{"heldout", 0.75}}));
  EXPECT_EQ(r.artifacts.at("feedback"), "fine");
  EXPECT_EQ(r.artifacts.at("table"), "[1,2]");  // non-strings are kept as their JSON
  EXPECT_EQ(r.artifacts.at("n"), "7");
}

TEST(ProtocolParseTest, OptionalMapsMayBeAbsent) {
  const EvalResult r = ParseEvaluatorOutput(R"({"protocol":1,"valid":true,"combined_score":-3})");
  ASSERT_TRUE(r.valid);
  EXPECT_DOUBLE_EQ(r.combined_score, -3);
  EXPECT_TRUE(r.metrics.empty());
  EXPECT_TRUE(r.artifacts.empty());
}

TEST(ProtocolParseTest, WhitespaceAroundTheObjectAndPrettyPrintingAreFine) {
  const EvalResult r = ParseEvaluatorOutput("\n\n  {\n  \"protocol\": 1,\n  \"valid\": true,\n"
                                            "  \"combined_score\": 4\n}\n\n");
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_DOUBLE_EQ(r.combined_score, 4);
}

TEST(ProtocolParseTest, TheLastObjectLineWinsOverEarlierLogLines) {
  const EvalResult r = ParseEvaluatorOutput(
      "compiling...\n"
      "{\"protocol\":1,\"valid\":true,\"combined_score\":1000}\n"
      "running 3 cases\n"
      "{\"protocol\":1,\"valid\":true,\"combined_score\":2}\n"
      "done\n");
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_DOUBLE_EQ(r.combined_score, 2);
}

TEST(ProtocolParseTest, ValidFalseIsInvalidWithTheFeedbackAsReason) {
  const EvalResult r = ParseEvaluatorOutput(
      R"({"protocol":1,"valid":false,"metrics":{"cases_passed":3},"artifacts":{"feedback":"wrong answer\non case 4"}})");
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kInvalid);
  EXPECT_EQ(r.reason, "wrong answer on case 4");  // one line
  EXPECT_EQ(r.metrics.at("cases_passed"), 3);
  EXPECT_EQ(r.combined_score, 0);
}

TEST(ProtocolParseTest, ValidFalseWithoutFeedbackSaysSo) {
  const EvalResult r = ParseEvaluatorOutput(R"({"protocol":1,"valid":false,"combined_score":9})");
  EXPECT_EQ(r.failure, Failure::kInvalid);
  EXPECT_EQ(r.reason, "evaluator said invalid");
  EXPECT_EQ(r.combined_score, 0);  // a score of an invalid program means nothing
}

struct BadCase {
  const char* name;
  const char* stdout_text;
  const char* reason_part;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class ProtocolBadOutputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ProtocolBadOutputTest, IsBadOutputWithAReasonThatNamesTheProblem) {
  const EvalResult r = ParseEvaluatorOutput(GetParam().stdout_text);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kBadOutput);
  EXPECT_NE(r.reason.find(GetParam().reason_part), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProtocolBadOutputTest,
    ::testing::Values(
        BadCase{"Empty", "", "stdout is empty"},
        BadCase{"OnlySpace", "  \n\t\n", "stdout is empty"},
        BadCase{"PlainText", "score: 12\n", "no line of stdout is a JSON object"},
        BadCase{"Truncated", "{\"protocol\":1,\"valid\":tr",
                "the last line that starts with '{' is not valid JSON"},
        BadCase{"Array", "[1,2,3]", "not an object (it is array)"},
        BadCase{"Number", "42", "not an object (it is number)"},
        BadCase{"NaN", "{\"protocol\":1,\"valid\":true,\"combined_score\":NaN}", "allow_nan"},
        BadCase{"NoProtocol", "{\"valid\":true,\"combined_score\":1}", "missing \"protocol\": 1"},
        BadCase{"ProtocolTwo", "{\"protocol\":2,\"valid\":true,\"combined_score\":1}",
                "protocol 2 is not supported; this kevolve speaks protocol 1"},
        BadCase{"ProtocolString", "{\"protocol\":\"1\",\"valid\":true,\"combined_score\":1}",
                "protocol \"1\" is not supported"},
        BadCase{"NoValid", "{\"protocol\":1,\"combined_score\":1}", "missing \"valid\""},
        BadCase{"ValidString", "{\"protocol\":1,\"valid\":\"true\",\"combined_score\":1}",
                "\"valid\" must be true or false"},
        BadCase{"ValidNumber", "{\"protocol\":1,\"valid\":1,\"combined_score\":1}",
                "\"valid\" must be true or false"},
        BadCase{"NoScore", "{\"protocol\":1,\"valid\":true}", "missing \"combined_score\""},
        BadCase{"ScoreString", "{\"protocol\":1,\"valid\":true,\"combined_score\":\"1e9\"}",
                "\"combined_score\" must be a finite number"},
        BadCase{"ScoreNull", "{\"protocol\":1,\"valid\":true,\"combined_score\":null}",
                "\"combined_score\" must be a finite number"},
        BadCase{"ScoreBool", "{\"protocol\":1,\"valid\":true,\"combined_score\":true}",
                "\"combined_score\" must be a finite number"},
        BadCase{"ScoreOverflows", "{\"protocol\":1,\"valid\":true,\"combined_score\":1e999}",
                "number overflow"},
        BadCase{"MetricString",
                "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"metrics\":{\"t\":\"fast\"}}",
                "metrics.t is string"},
        BadCase{"MetricNull",
                "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"metrics\":{\"t\":null}}",
                "metrics.t is null"},
        BadCase{"FeatureObject",
                "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"features\":{\"f\":{}}}",
                "features.f is object"},
        BadCase{"HiddenOverflows",
                "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"hidden_metrics\":{\"h\":1e999}}",
                "number overflow"},
        BadCase{"MetricsArray", "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"metrics\":[1]}",
                "\"metrics\" must be an object"},
        BadCase{"ArtifactsString",
                "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"artifacts\":\"x\"}",
                "\"artifacts\" must be an object"},
        BadCase{"MisspelledKey",
                "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"metric\":{\"a\":1}}",
                "unknown key \"metric\" (did you mean \"metrics\"?)"},
        BadCase{"TooDeep", "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"artifacts\":{\"x\":"
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}",
                "deeper than 32"},
        BadCase{"ObjectSplitOverLinesAfterALogLine",
                "log line\n{\n\"protocol\": 1, \"valid\": true, \"combined_score\": 1\n}",
                "is not valid JSON"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return std::string(p.param.name); });

TEST(ProtocolParseTest, UnderscoreKeysAreTheEvaluatorsOwnAndIgnored) {
  const EvalResult r =
      ParseEvaluatorOutput(R"({"protocol":1,"valid":true,"combined_score":1,"_comment":"x"})");
  EXPECT_TRUE(r.valid) << r.reason;
}

TEST(ProtocolParseTest, DuplicateKeysKeepTheLastValue) {
  // A forged prefix cannot win by repeating a key: the parser keeps the last one.
  const EvalResult r = ParseEvaluatorOutput(
      R"({"protocol":1,"valid":true,"combined_score":1e9,"combined_score":0.5})");
  ASSERT_TRUE(r.valid);
  EXPECT_DOUBLE_EQ(r.combined_score, 0.5);
}

TEST(ProtocolParseTest, HugeNestingIsRejectedWithoutRecursion) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const EvalResult r = ParseEvaluatorOutput(deep);
  EXPECT_EQ(r.failure, Failure::kBadOutput);
}

TEST(ProtocolParseTest, InvalidUtf8InArtifactsDoesNotThrow) {
  const EvalResult r = ParseEvaluatorOutput(
      "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"artifacts\":{\"a\":\"\xff\xfe\"}}");
  // nlohmann rejects invalid UTF-8 in strings: a bad output, never an exception.
  EXPECT_EQ(r.failure, Failure::kBadOutput);
}

TEST(ProtocolOutcomeTest, CleanExitIsParsed) {
  const EvalResult r =
      ResultFromOutcome(Exited(0, R"({"protocol":1,"valid":true,"combined_score":3})"), Context());
  ASSERT_TRUE(r.valid);
  EXPECT_DOUBLE_EQ(r.combined_score, 3);
  EXPECT_EQ(r.artifacts.count("stderr"), 0u);  // valid results carry no stderr of ours
}

TEST(ProtocolOutcomeTest, TimeoutWinsOverEverythingButOutputAndCancel) {
  ProcessOutcome o = Signaled(SIGKILL);
  o.timed_out = true;
  o.stdout_text = R"({"protocol":1,"valid":true,"combined_score":3})";
  const EvalResult r = ResultFromOutcome(o, Context());
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_EQ(r.reason, "no result within 1.5 s (evaluator.timeout_seconds); the process tree was killed");
}

TEST(ProtocolOutcomeTest, OutputCapNamesTheStream) {
  ProcessOutcome o = Signaled(SIGKILL);
  o.killed_for_output = true;
  o.stdout_truncated = true;
  o.timed_out = true;
  EvalResult r = ResultFromOutcome(o, Context());
  EXPECT_EQ(r.failure, Failure::kOutputLimit);
  EXPECT_NE(r.reason.find("stdout passed its cap of 65536 bytes"), std::string::npos) << r.reason;
  o.stdout_truncated = false;
  o.stderr_truncated = true;
  r = ResultFromOutcome(o, Context());
  EXPECT_NE(r.reason.find("stderr passed its cap"), std::string::npos) << r.reason;
}

TEST(ProtocolOutcomeTest, CancelledIsASandboxFailure) {
  ProcessOutcome o = Signaled(SIGKILL);
  o.cancelled = true;
  o.killed_for_output = true;
  const EvalResult r = ResultFromOutcome(o, Context());
  EXPECT_EQ(r.failure, Failure::kSandbox);
  EXPECT_NE(r.reason.find("cancelled"), std::string::npos);
}

TEST(ProtocolOutcomeTest, SignalsAreCrashesNamedBySignal) {
  EvalResult r = ResultFromOutcome(Signaled(SIGSEGV, "about to crash\n"), Context());
  EXPECT_EQ(r.failure, Failure::kCrash);
  EXPECT_EQ(r.reason, "killed by SIGSEGV: about to crash");
  EXPECT_EQ(r.artifacts.at("stderr"), "about to crash");
  r = ResultFromOutcome(Signaled(SIGABRT), Context());
  EXPECT_EQ(r.reason, "killed by SIGABRT");
  r = ResultFromOutcome(Signaled(63), Context());
  EXPECT_EQ(r.reason, "killed by signal 63");
}

TEST(ProtocolOutcomeTest, ACrashNearTheMemoryLimitSaysSo) {
  ProcessOutcome o = Signaled(SIGSEGV);
  o.max_rss_kb = 250 * 1024;
  const EvalResult r = ResultFromOutcome(o, Context());
  EXPECT_EQ(r.reason, "killed by SIGSEGV; peak memory 250 MiB of the 256 MiB limit "
                      "(evaluator.limits.memory_mb)");
}

TEST(ProtocolOutcomeTest, AnExitAfterAnAllocationFailureSaysMemory) {
  const EvalResult r = ResultFromOutcome(
      Exited(1, "", "Traceback (most recent call last):\nMemoryError\n"), Context());
  EXPECT_EQ(r.failure, Failure::kExitCode);
  EXPECT_EQ(r.reason, "exited with code 1; out of memory under the 256 MiB limit "
                      "(evaluator.limits.memory_mb): MemoryError");
}

TEST(ProtocolOutcomeTest, CpuAndFileSizeLimitsAreNamed) {
  EvalResult r = ResultFromOutcome(Signaled(SIGXCPU), Context());
  EXPECT_EQ(r.reason, "killed by SIGXCPU; CPU time limit of 10 s reached "
                      "(evaluator.limits.cpu_seconds)");
  r = ResultFromOutcome(Signaled(SIGXFSZ), Context());
  EXPECT_NE(r.reason.find("file size limit of 8 MiB"), std::string::npos) << r.reason;
  ProcessOutcome o = Signaled(SIGKILL);
  o.cpu_ms = 11'000;
  r = ResultFromOutcome(o, Context());
  EXPECT_NE(r.reason.find("CPU time limit reached"), std::string::npos) << r.reason;
}

TEST(ProtocolOutcomeTest, NonZeroExitKeepsTheLastStderrLineAndTheTail) {
  const EvalResult r = ResultFromOutcome(
      Exited(3, "partial output", "note: starting\nerror: 'x' was not declared\n\n"), Context());
  EXPECT_EQ(r.failure, Failure::kExitCode);
  EXPECT_EQ(r.reason, "exited with code 3: error: 'x' was not declared");
  EXPECT_EQ(r.artifacts.at("stderr"), "note: starting\nerror: 'x' was not declared");
}

TEST(ProtocolOutcomeTest, NonZeroExitAfterAValidFalseAnswerKeepsTheAnswer) {
  const EvalResult r = ResultFromOutcome(
      Exited(1, R"({"protocol":1,"valid":false,"artifacts":{"feedback":"case 2 wrong"}})", "boom"),
      Context());
  EXPECT_EQ(r.failure, Failure::kInvalid);
  EXPECT_EQ(r.reason, "case 2 wrong");
  EXPECT_EQ(r.artifacts.at("stderr"), "boom");
}

TEST(ProtocolOutcomeTest, NonZeroExitAfterAValidTrueAnswerIsNotTrusted) {
  const EvalResult r = ResultFromOutcome(
      Exited(2, R"({"protocol":1,"valid":true,"combined_score":99})"), Context());
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kExitCode);
  EXPECT_EQ(r.reason, "exited with code 2");
}

TEST(ProtocolOutcomeTest, BadOutputOnACleanExitKeepsStderr) {
  const EvalResult r = ResultFromOutcome(Exited(0, "hello", "warn: x\n"), Context());
  EXPECT_EQ(r.failure, Failure::kBadOutput);
  EXPECT_EQ(r.artifacts.at("stderr"), "warn: x");
}

TEST(ProtocolOutcomeTest, TheEvaluatorsOwnStderrArtifactIsKept) {
  const EvalResult r = ResultFromOutcome(
      Exited(0, R"({"protocol":1,"valid":false,"artifacts":{"stderr":"mine"}})", "theirs"),
      Context());
  EXPECT_EQ(r.artifacts.at("stderr"), "mine");
}

TEST(StderrTailTest, KeepsTheLastLinesAndBytes) {
  EXPECT_EQ(StderrTail("a\nb\nc\nd\n", 2), "c\nd");
  EXPECT_EQ(StderrTail("one line", 5), "one line");
  EXPECT_EQ(StderrTail("", 5), "");
  EXPECT_EQ(StderrTail("abcdef\n", 5, 3), "def");
  EXPECT_EQ(StderrTail("a\nb\n", 20), "a\nb");
}

}  // namespace
}  // namespace kevolve::eval
