// The population's promotion rule: a program the rule holds back does not replace the run's best
// or its cell's elite, although its score is higher, yet it joins its island and the archive.
// The rule here is a stand-in (the engine's compares score samples; tests/engine/noise_test.cc).
#include <gtest/gtest.h>

#include <vector>

#include "db/population.h"
#include "db_testing.h"

namespace kevolve {
namespace {

using testing::Axis;
using testing::MakeProgram;
using testing::OneIslandConfig;

// Programs with metrics["sure"] = 1 may replace; the others are "within the noise". A rule that
// is never consulted leaves `calls` at 0.
struct SureRule {
  int* calls;
  Promotion operator()(const Program& challenger, const Program& incumbent) const {
    ++*calls;
    const auto it = challenger.result.metrics.find("sure");
    const bool sure = it != challenger.result.metrics.end() && it->second == 1;
    return {sure, (sure ? "beyond the noise of " : "within the noise of ") +
                      std::to_string(incumbent.id)};
  }
};

Program Sure(Program p) {
  p.result.metrics["sure"] = 1;
  return p;
}

InsertOutcome MustInsert(Population& pop, const Program& p) {
  auto r = pop.Insert(p);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : InsertOutcome{};
}

TEST(PromotionTest, AHeldBackProgramLeavesTheBestAndTheCellButJoinsIslandAndArchive) {
  int calls = 0;
  Population pop(OneIslandConfig(), SureRule{&calls});
  MustInsert(pop, MakeProgram(1, 0.5));
  const InsertOutcome held = MustInsert(pop, MakeProgram(2, 0.6));
  EXPECT_FALSE(held.new_best_overall);
  EXPECT_FALSE(held.cell_improved);
  EXPECT_TRUE(held.placed);
  EXPECT_EQ(pop.Best()->id, 1);
  EXPECT_EQ(pop.CellElite(0, 0)->id, 1);
  ASSERT_EQ(held.promotion_tests.size(), 2u);
  EXPECT_EQ(held.promotion_tests[0].role, "best");
  EXPECT_EQ(held.promotion_tests[1].role, "cell");
  for (const PromotionTest& t : held.promotion_tests) {
    EXPECT_EQ(t.incumbent, 1);
    EXPECT_FALSE(t.allowed);
    EXPECT_EQ(t.why, "within the noise of 1");
  }
  // Still a member ranked by its score: a parent, an inspiration, an elite of the archive.
  EXPECT_EQ(pop.Stats()[0].size, 2u);
  EXPECT_EQ(pop.BestOnIsland(0)->id, 2);
  EXPECT_EQ(pop.Elites().front()->id, 2);
}

TEST(PromotionTest, AnAllowedProgramTakesBothPlaces) {
  int calls = 0;
  Population pop(OneIslandConfig(), SureRule{&calls});
  MustInsert(pop, MakeProgram(1, 0.5));
  MustInsert(pop, MakeProgram(2, 0.6));
  const InsertOutcome sure = MustInsert(pop, Sure(MakeProgram(3, 0.55)));
  EXPECT_TRUE(sure.new_best_overall);
  EXPECT_TRUE(sure.cell_improved);
  EXPECT_EQ(pop.Best()->id, 3);
  EXPECT_EQ(pop.CellElite(0, 0)->id, 3);
  ASSERT_EQ(sure.promotion_tests.size(), 2u);
  EXPECT_TRUE(sure.promotion_tests[0].allowed);
  EXPECT_EQ(sure.promotion_tests[0].why, "beyond the noise of 1");
  // The held-back program 2 still outscores 3, but 3 is the incumbent now.
  EXPECT_EQ(pop.Elites().front()->id, 2);
}

TEST(PromotionTest, TheRuleIsAskedOnlyWhenTheScoreWouldWin) {
  int calls = 0;
  Population pop(OneIslandConfig(), SureRule{&calls});
  const InsertOutcome first = MustInsert(pop, MakeProgram(1, 0.5));
  EXPECT_TRUE(first.new_best_overall);
  MustInsert(pop, MakeProgram(2, 0.4));
  MustInsert(pop, MakeProgram(3, 0.5));  // a tie goes to the older program, as without a rule
  MustInsert(pop, MakeProgram(4, 0.9, 0, {}, /*valid=*/false));
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(pop.Best()->id, 1);
}

TEST(PromotionTest, AnEmptyCellNeedsNoTest) {
  DatabaseConfig config = OneIslandConfig();
  config.features = {Axis("x", 0, 10, 10)};
  int calls = 0;
  Population pop(config, SureRule{&calls});
  MustInsert(pop, MakeProgram(1, 0.5, 0, {{"x", 1}}));
  const InsertOutcome other_cell = MustInsert(pop, MakeProgram(2, 0.6, 0, {{"x", 8}}));
  EXPECT_FALSE(other_cell.new_best_overall);
  EXPECT_TRUE(other_cell.cell_improved);  // its cell was empty
  ASSERT_EQ(other_cell.promotion_tests.size(), 1u);
  EXPECT_EQ(other_cell.promotion_tests[0].role, "best");
  EXPECT_EQ(pop.CellElite(0, pop.grid().CellOf({{"x", 8}}))->id, 2);
}

TEST(PromotionTest, AMigrantDoesNotReplaceACellEliteTheRuleKeeps) {
  DatabaseConfig config = OneIslandConfig();
  config.islands = 2;
  config.migration_rate = 1;
  int calls = 0;
  Population pop(config, SureRule{&calls});
  MustInsert(pop, MakeProgram(1, 0.5, /*island=*/1));
  MustInsert(pop, MakeProgram(2, 0.6, /*island=*/0));  // island 0's only member
  EXPECT_EQ(pop.CellElite(1, 0)->id, 1);
  const std::vector<Placement> moves = pop.Migrate();
  ASSERT_FALSE(moves.empty());
  EXPECT_EQ(pop.CellElite(1, 0)->id, 1) << "program 2 arrived on island 1 but is not sure";
  EXPECT_EQ(pop.Stats()[1].size, 2u);
}

TEST(PromotionTest, ReplayingTheSameInsertsDecidesTheSame) {
  int calls = 0;
  auto build = [&] {
    Population pop(OneIslandConfig(), SureRule{&calls});
    const std::vector<Program> programs = {MakeProgram(1, 0.5), MakeProgram(2, 0.7),
                                           Sure(MakeProgram(3, 0.6)), MakeProgram(4, 0.8),
                                           MakeProgram(5, 0.2)};
    for (const Program& p : programs) MustInsert(pop, p);
    return std::vector<int64_t>{pop.Best()->id, pop.CellElite(0, 0)->id};
  };
  EXPECT_EQ(build(), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(build(), build());
}

}  // namespace
}  // namespace kevolve
