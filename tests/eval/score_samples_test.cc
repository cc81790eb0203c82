// Protocol v1's optional "score_samples": repeated measurements of combined_score, kept as the
// artifact kScoreSamplesKey and read back by ScoreSamples; every bad shape is bad_output.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eval/protocol.h"

namespace kevolve::eval {
namespace {

EvalResult Parse(const std::string& samples_json) {
  return ParseEvaluatorOutput(
      R"({"protocol":1,"valid":true,"combined_score":1.5,"score_samples":)" + samples_json + "}");
}

TEST(ScoreSamplesTest, AreKeptInOrderAsTheirArtifact) {
  const EvalResult r = Parse("[1.5, 1.25, 2, -0.5, 1e-3]");
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_DOUBLE_EQ(r.combined_score, 1.5);
  EXPECT_EQ(ScoreSamples(r), (std::vector<double>{1.5, 1.25, 2, -0.5, 1e-3}));
  EXPECT_EQ(r.artifacts.at(kScoreSamplesKey), "[1.5,1.25,2.0,-0.5,0.001]");
}

TEST(ScoreSamplesTest, AbsentOrEmptyMeansNoSamples) {
  const EvalResult absent =
      ParseEvaluatorOutput(R"({"protocol":1,"valid":true,"combined_score":1})");
  ASSERT_TRUE(absent.valid);
  EXPECT_TRUE(ScoreSamples(absent).empty());
  EXPECT_EQ(absent.artifacts.count(kScoreSamplesKey), 0u);
  const EvalResult empty = Parse("[]");
  ASSERT_TRUE(empty.valid) << empty.reason;
  EXPECT_TRUE(ScoreSamples(empty).empty());
  EXPECT_EQ(empty.artifacts.count(kScoreSamplesKey), 0u);
}

TEST(ScoreSamplesTest, RoundTripFullPrecision) {
  const EvalResult r = Parse("[0.1, 0.30000000000000004, 123456789.123456789]");
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(ScoreSamples(r), (std::vector<double>{0.1, 0.30000000000000004, 123456789.123456789}));
}

struct BadCase {
  const char* name;
  std::string samples;
  std::string reason;
};

class BadScoreSamplesTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadScoreSamplesTest, IsBadOutputWithAReason) {
  const EvalResult r = Parse(GetParam().samples);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kBadOutput);
  EXPECT_EQ(r.reason, GetParam().reason);
  EXPECT_TRUE(ScoreSamples(r).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, BadScoreSamplesTest,
    ::testing::Values(
        BadCase{"Number", "1.5", "\"score_samples\" must be an array of numbers, not number"},
        BadCase{"Object", R"({"a":1})",
                "\"score_samples\" must be an array of numbers, not object"},
        BadCase{"String", R"("1,2,3")",
                "\"score_samples\" must be an array of numbers, not string"},
        BadCase{"Null", "null", "\"score_samples\" must be an array of numbers, not null"},
        BadCase{"StringElement", R"([1, "2", 3])",
                "score_samples[1] is string; only numbers are allowed"},
        BadCase{"BooleanElement", "[1, 2, true]",
                "score_samples[2] is boolean; only numbers are allowed"},
        BadCase{"NullElement", "[null]", "score_samples[0] is null; only numbers are allowed"},
        BadCase{"NestedArray", "[[1, 2]]", "score_samples[0] is array; only numbers are allowed"}),
    [](const ::testing::TestParamInfo<BadCase>& param) { return std::string(param.param.name); });

TEST(ScoreSamplesTest, NonFiniteValuesAreRefused) {
  // JSON has no NaN or Infinity, and a number that overflows a double is refused, so a
  // non-finite sample never reaches the engine.
  for (const char* samples : {"[1, NaN]", "[Infinity, 1]", "[1, -Infinity]", "[1e999, 1]"}) {
    const EvalResult r = Parse(samples);
    EXPECT_FALSE(r.valid) << samples;
    EXPECT_EQ(r.failure, Failure::kBadOutput) << samples;
    EXPECT_TRUE(ScoreSamples(r).empty()) << samples;
  }
}

TEST(ScoreSamplesTest, TooManyValuesAreRefused) {
  std::string many = "[";
  for (size_t i = 0; i <= kMaxScoreSamples; ++i) many += (i ? ",1" : "1");
  const EvalResult r = Parse(many + "]");
  EXPECT_EQ(r.failure, Failure::kBadOutput);
  EXPECT_EQ(r.reason, "\"score_samples\" has 10001 values; at most 10000");
}

TEST(ScoreSamplesTest, TheArtifactIsKevolvesOwn) {
  // Otherwise an evaluator could place text there that the engine would read as samples.
  const EvalResult r = ParseEvaluatorOutput(
      R"({"protocol":1,"valid":true,"combined_score":1,"artifacts":{"score_samples":"[1,2,3]"}})");
  EXPECT_EQ(r.failure, Failure::kBadOutput);
  EXPECT_EQ(r.reason,
            "artifacts.score_samples is kevolve's own; report repeated measurements as the "
            "top-level \"score_samples\" array");
}

TEST(ScoreSamplesTest, AMisspelledKeyIsNamed) {
  const EvalResult r = ParseEvaluatorOutput(
      R"({"protocol":1,"valid":true,"combined_score":1,"score_sample":[1,2,3]})");
  EXPECT_EQ(r.failure, Failure::kBadOutput);
  EXPECT_EQ(r.reason, "unknown key \"score_sample\" (did you mean \"score_samples\"?)");
}

TEST(ScoreSamplesTest, AreCheckedWhenTheResultIsInvalidToo) {
  const EvalResult kept = ParseEvaluatorOutput(
      R"({"protocol":1,"valid":false,"score_samples":[1,2],"artifacts":{"feedback":"wrong"}})");
  EXPECT_EQ(kept.failure, Failure::kInvalid);
  EXPECT_EQ(kept.reason, "wrong");
  const EvalResult bad =
      ParseEvaluatorOutput(R"({"protocol":1,"valid":false,"score_samples":"fast"})");
  EXPECT_EQ(bad.failure, Failure::kBadOutput);
}

TEST(ScoreSamplesTest, ADamagedArtifactReadsAsNoSamples) {
  EvalResult r;
  r.valid = true;
  for (const char* text : {"", "[1,2", "{\"a\":1}", "[1,\"x\"]", "3"}) {
    r.artifacts[kScoreSamplesKey] = text;
    EXPECT_TRUE(ScoreSamples(r).empty()) << text;
  }
}

}  // namespace
}  // namespace kevolve::eval
