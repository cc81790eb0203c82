// The GEMM evaluation kit's scorer as pure functions: replay data from a table, a split and the
// baseline's choices; what makes a choice unusable; the reference selectors; the run facts a
// report reads from events.jsonl.
#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"
#include "score/references.h"
#include "score/replay_data.h"
#include "score/replay_score.h"
#include "score/selector_run.h"
#include "score/table_summary.h"

namespace kevolve::gemm::score {
namespace {

// Two train shapes and one held-out shape; configs a (the baseline), b and c.
constexpr char kTable[] =
    "m,n,k,dtype,config,median_us,p10_us,p90_us,status\n"
    "16,4096,4096,bf16,a,10.000,9.000,11.000,ok\n"
    "16,4096,4096,bf16,b,5.000,4.000,6.000,ok\n"
    "16,4096,4096,bf16,c,,,,refused: odd K\n"
    "16,4096,4096,bf16,cublas,4.000,4.000,4.000,ok\n"
    "4096,4096,4096,bf16,a,100.000,90.000,110.000,ok\n"
    "4096,4096,4096,bf16,b,200.000,190.000,210.000,ok\n"
    "4096,4096,4096,bf16,c,50.000,45.000,55.000,ok\n"
    "64,4096,4096,bf16,a,20.000,19.000,21.000,ok\n"
    "64,4096,4096,bf16,b,10.000,9.000,11.000,ok\n"
    "64,4096,4096,bf16,c,40.000,39.000,41.000,ok\n"
    "8,8,8,bf16,a,1.000,1.000,1.000,ok\n";
constexpr char kSplit[] =
    "# generated\n"
    "m,n,k,regime,family,split,origin\n"
    "16,4096,4096,decode,X,train,X decode\n"
    "4096,4096,4096,prefill,X,train,X prefill\n"
    "64,4096,4096,decode,Y,heldout,Y decode\n"
    "1,2,3,odd,Z,train,not in the table\n";
constexpr char kBaseline[] = "16,4096,4096,a\n4096,4096,4096,a\n64,4096,4096,a\n1,2,3,a\n";

ReplayData Data() {
  auto d = ReplayData::Load(kTable, kSplit, kBaseline);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return *d;
}

TEST(ReplayDataTest, ScoresOnlyTheSplitShapesTheTableTimes) {
  const ReplayData d = Data();
  ASSERT_EQ(d.shapes().size(), 3u);
  EXPECT_EQ(d.shapes()[0].key, "16,4096,4096");
  EXPECT_EQ(d.shapes()[0].oracle_config, "b");
  EXPECT_DOUBLE_EQ(d.shapes()[0].oracle_us, 5.0);
  EXPECT_DOUBLE_EQ(*d.shapes()[0].cublas_us, 4.0);
  EXPECT_FALSE(d.shapes()[1].cublas_us.has_value());
  EXPECT_EQ(d.configs(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ReplayDataTest, AnUnusableChoiceSaysWhy) {
  const ReplayData d = Data();
  EXPECT_EQ(d.Unusable(0, "b"), "");
  EXPECT_EQ(d.Unusable(0, "c"), "the table says: refused: odd K");
  EXPECT_NE(d.Unusable(0, "zzz").find("not in the performance table"), std::string::npos);
  EXPECT_EQ(d.Unusable(0, ""), "no config was returned");
}

TEST(ReplayDataTest, AMalformedTableOrSplitIsAnError) {
  EXPECT_FALSE(ReplayData::Load("m,n,k\n1,2,3\n", kSplit, kBaseline).ok());
  EXPECT_FALSE(ReplayData::Load(kTable, "m,n,k,regime,family,split,origin\n1,2,3,odd,X,dev,o\n",
                                kBaseline)
                   .ok());
}

TEST(ReplayDataTest, ChoicesAreMatchedByTheirShapeTextAndTheLastLineWins) {
  const ReplayData d = Data();
  const auto choices = ParseChoices("16,4096,4096,a\nnonsense\n16,4096,4096,b\n4096,4096,4096,c\n");
  const Selection s = d.Select(choices);
  EXPECT_EQ(s, (Selection{"b", "c", ""}));
}

TEST(ReplayDataTest, SummaryIsTheGeomeanOverThePart) {
  const ReplayData d = Data();
  const SelectorSummary train = d.Summarize(Selection{"b", "c", "a"}, Part::kTrain);
  EXPECT_EQ(train.n, 2);
  EXPECT_DOUBLE_EQ(train.geo_speedup, 2.0);  // 10/5 and 100/50
  EXPECT_DOUBLE_EQ(train.frac_oracle, 1.0);
  EXPECT_NEAR(train.vs_cublas, 0.8, 1e-12);  // cuBLAS timed on one of the two shapes only
  const SelectorSummary held = d.Summarize(Selection{"b", "c", "c"}, Part::kHeldOut);
  EXPECT_EQ(held.regressions, 1);
  EXPECT_DOUBLE_EQ(held.worst, 0.5);
}

TEST(ReferencesTest, BestSingleAndTreeAreFittedOnTrainShapes) {
  const ReplayData d = Data();
  const LogFractions lv = ComputeLogFractions(d);
  // b: log(1) + log(0.25); c: log(0.5) [baseline's fallback on the refusal] + log(1).
  EXPECT_EQ(FitBestSingle(d, lv), "c");
  EXPECT_EQ(UseWhereItRuns(d, "c"), (Selection{"a", "c", "c"}));
  int fallbacks = 0;
  // Two train shapes are too few to split: the tree is one leaf (c), falling back on shape 0.
  EXPECT_EQ(DecisionTree::Fit(d, lv, kTreeDepth).Choose(d, &fallbacks),
            (Selection{"a", "c", "c"}));
  EXPECT_EQ(fallbacks, 1);
}

TEST(ReplayScoreTest, AValidResultKeepsHeldOutFiguresOutOfMetricsAndFeedback) {
  const ReplayData d = Data();
  ScoreOptions options;
  options.rule_count = 3;
  auto j = ParseJson(ScoreResult(d, ParseChoices("16,4096,4096,b\n4096,4096,4096,c\n64,4096,4096,b\n"), options));
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["valid"], true);
  EXPECT_DOUBLE_EQ((*j)["combined_score"].get<double>(), 2.0);
  EXPECT_EQ((*j)["features"]["rule_count"], 3);
  EXPECT_EQ((*j)["hidden_metrics"]["heldout_shapes"], 1);
  for (const auto& [key, value] : (*j)["metrics"].items()) {
    EXPECT_EQ(key.find("heldout"), std::string::npos) << key;
  }
  EXPECT_EQ((*j)["artifacts"]["feedback"].get<std::string>().find("64,4096"), std::string::npos);
  EXPECT_FALSE((*j)["artifacts"].contains("choices"));
}

TEST(ReplayScoreTest, AnUnusableChoiceMakesTheResultInvalidAndValidJson) {
  const ReplayData d = Data();
  ScoreOptions options;
  options.choices_artifact = "16,4096,4096,c\n";
  auto j = ParseJson(ScoreResult(d, ParseChoices("16,4096,4096,c\xff\x01\n"), options));
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["valid"], false);
  const std::string feedback = (*j)["artifacts"]["feedback"];
  EXPECT_NE(feedback.find("3 shape(s) got a config the family cannot run"), std::string::npos)
      << feedback;
  EXPECT_EQ((*j)["artifacts"]["choices"], "16,4096,4096,c\n");
}

TEST(ReplayScoreTest, RulesAreCountedInsideEvolveBlocksOnly) {
  EXPECT_EQ(CountRules("if (a) x;\n// EVOLVE-BLOCK-START\nif (m < 64) {\n  elif_(x);\n"
                       "} else if(k) {}\nswitch (x) { case 1: }\n// EVOLVE-BLOCK-END\nif (b) y;\n"),
            3);
}

TEST(ReplayScoreTest, WallSecondsSumTheSessions) {
  EXPECT_DOUBLE_EQ(WallSeconds("{\"t\":1000,\"type\":\"run_start\"}\n"
                               "{\"t\":3000,\"type\":\"run_end\"}\n"
                               "{\"t\":5000,\"type\":\"run_start\"}\n"
                               "{\"t\":5500,\"type\":\"program\"}\n"),
                   2.0);
}

TEST(ReplayScoreTest, ProgressFollowsTheBestValidScore) {
  const std::string svg = ProgressSvg(
      "{\"type\":\"program\",\"valid\":false}\n"
      "{\"type\":\"program\",\"valid\":true,\"score\":1.5}\n"
      "{\"type\":\"program\",\"valid\":true,\"score\":1.2}\n");
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find(">3</text>"), std::string::npos);  // three evaluations
  EXPECT_EQ(ProgressSvg(""), "");
}

TEST(TableSummaryTest, GroupsShapesAndSkipsThoseWithoutCublas) {
  auto rows = bench::ParsePerfTable(kTable);
  ASSERT_TRUE(rows.ok());
  auto llm = bench::ParseShapeSuite("m,n,k,origin\n16,4096,4096,a\n4096,4096,4096,b\n");
  auto edge = bench::ParseShapeSuite("m,n,k,origin\n64,4096,4096,c\n");
  ASSERT_TRUE(llm.ok() && edge.ok());
  const std::string text = SummarizeTable(*rows, {{"llm", *llm}, {"edge", *edge}}, 3.0, true);
  // Only 16x4096x4096 has a cuBLAS time: one decode shape, best b at 5 us against cuBLAS's 4.
  EXPECT_NE(text.find("shapes with data: 1; configs measured: 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("decode  : geomean 0.800 over 1 shapes"), std::string::npos) << text;
  EXPECT_EQ(text.find("prefill"), std::string::npos) << text;
  EXPECT_NE(text.find("| 16 | 4096 | 4096 | a | 4.0 | 5.0 | 0.80 | "), std::string::npos) << text;
}

TEST(SelectorRunTest, HeadAndTailKeepWholeLines) {
  EXPECT_EQ(HeadLines("a\nb\nc\n", 2), "a\nb\n");
  EXPECT_EQ(TailLines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(TailLines("a", 5), "a\n");
}

}  // namespace
}  // namespace kevolve::gemm::score
