#include "db/population.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "db_testing.h"

namespace kevolve {
namespace {

using testing::Axis;
using testing::MakeProgram;
using testing::OneIslandConfig;

InsertOutcome MustInsert(Population& pop, const Program& p) {
  auto r = pop.Insert(p);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : InsertOutcome{};
}

TEST(PopulationTest, ValidInsertUpdatesBestsCellAndArchive) {
  Population pop(OneIslandConfig());
  InsertOutcome first = MustInsert(pop, MakeProgram(1, 0.5));
  EXPECT_TRUE(first.placed);
  EXPECT_TRUE(first.new_best_overall);
  EXPECT_TRUE(first.new_best_island);
  EXPECT_TRUE(first.cell_improved);
  EXPECT_TRUE(first.entered_archive);

  InsertOutcome worse = MustInsert(pop, MakeProgram(2, 0.1));
  EXPECT_TRUE(worse.placed);
  EXPECT_FALSE(worse.new_best_overall);
  EXPECT_FALSE(worse.new_best_island);
  EXPECT_FALSE(worse.cell_improved) << "one cell without features; 1 is its elite";

  InsertOutcome better = MustInsert(pop, MakeProgram(3, 0.9));
  EXPECT_TRUE(better.new_best_overall);
  EXPECT_TRUE(better.cell_improved);
  EXPECT_EQ(pop.Best()->id, 3);
  EXPECT_EQ(pop.BestOnIsland(0)->id, 3);
  EXPECT_EQ(pop.size(), 3u);
  EXPECT_EQ(pop.eligible_count(), 3u);
}

TEST(PopulationTest, EqualScoresRankTheOlderProgramFirst) {
  Population pop(OneIslandConfig());
  MustInsert(pop, MakeProgram(5, 1.0));
  InsertOutcome tie = MustInsert(pop, MakeProgram(6, 1.0));
  EXPECT_FALSE(tie.new_best_overall);
  EXPECT_EQ(pop.Best()->id, 5);
}

TEST(PopulationTest, InvalidProgramsAreRememberedForDedupButNeverPlaced) {
  Population pop(OneIslandConfig());
  InsertOutcome bad = MustInsert(pop, MakeProgram(1, 99.0, 0, {}, /*valid=*/false));
  EXPECT_FALSE(bad.placed);
  EXPECT_FALSE(bad.new_best_overall);
  EXPECT_EQ(pop.Best(), nullptr);
  ASSERT_NE(pop.FindByHash("hash-1"), nullptr);
  EXPECT_EQ(pop.FindByHash("hash-1")->id, 1);
  EXPECT_EQ(pop.Get(1)->result.failure, Failure::kCrash);
  EXPECT_EQ(pop.Stats()[0].size, 0u);
  EXPECT_EQ(pop.eligible_count(), 0u);
  EXPECT_EQ(pop.Place(1, 0).code(), StatusCode::kFailedPrecondition);
}

TEST(PopulationTest, NonFiniteScoreIsTreatedAsIneligible) {
  Population pop(OneIslandConfig());
  EXPECT_FALSE(MustInsert(pop, MakeProgram(1, std::nan(""))).placed);
  EXPECT_FALSE(MustInsert(pop, MakeProgram(2, INFINITY)).placed);
  EXPECT_TRUE(MustInsert(pop, MakeProgram(3, 1.0)).placed);
  EXPECT_EQ(pop.Best()->id, 3);
}

TEST(PopulationTest, SameHashIsADuplicateThatFindByHashResolvesToTheFirst) {
  Population pop(OneIslandConfig());
  MustInsert(pop, MakeProgram(1, 0.5, 0, {}, true, "same"));
  InsertOutcome dup = MustInsert(pop, MakeProgram(2, 0.9, 0, {}, true, "same"));
  EXPECT_TRUE(dup.duplicate);
  EXPECT_FALSE(dup.placed);
  EXPECT_EQ(pop.FindByHash("hash-same")->id, 1);
  EXPECT_EQ(pop.Best()->id, 1);
  ASSERT_NE(pop.Get(2), nullptr) << "a duplicate is still known by id (lineage)";
  EXPECT_EQ(pop.FindByHash("never-seen"), nullptr);
}

TEST(PopulationTest, InsertRejectsBadIdsAndIslands) {
  DatabaseConfig config = OneIslandConfig();
  config.islands = 2;
  Population pop(config);
  EXPECT_EQ(pop.Insert(MakeProgram(0, 1.0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pop.Insert(MakeProgram(1, 1.0, 2)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pop.Insert(MakeProgram(1, 1.0, -1)).status().code(), StatusCode::kInvalidArgument);
  MustInsert(pop, MakeProgram(1, 1.0, 1));
  EXPECT_EQ(pop.Insert(MakeProgram(1, 2.0)).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(pop.size(), 1u) << "a rejected insert leaves nothing behind";
}

TEST(PopulationTest, CapacityEvictsTheWorstByFitness) {
  DatabaseConfig config = OneIslandConfig();
  config.island_capacity = 3;
  Population pop(config);
  for (int64_t id = 1; id <= 3; ++id) {
    EXPECT_TRUE(MustInsert(pop, MakeProgram(id, static_cast<double>(id))).evicted.empty());
  }
  InsertOutcome fourth = MustInsert(pop, MakeProgram(4, 2.5));
  EXPECT_EQ(fourth.evicted, std::vector<int64_t>{1});
  InsertOutcome fifth = MustInsert(pop, MakeProgram(5, 0.1));
  EXPECT_EQ(fifth.evicted, std::vector<int64_t>{5}) << "the newcomer is the worst: it goes";
  EXPECT_EQ(pop.Stats()[0].size, 3u);
  ASSERT_NE(pop.Get(1), nullptr) << "evicted programs stay known for dedup and lineage";
  EXPECT_NE(pop.FindByHash("hash-1"), nullptr);
}

TEST(PopulationTest, CapacityNeverEvictsCellElitesOrTheIslandBest) {
  DatabaseConfig config = OneIslandConfig();
  config.island_capacity = 2;
  config.features = {Axis("x", 0, 4, 4)};
  Population pop(config);
  // Four programs in four cells: all are elites, so the island holds 4 > capacity.
  for (int64_t id = 1; id <= 4; ++id) {
    InsertOutcome o = MustInsert(pop, MakeProgram(id, static_cast<double>(id), 0,
                                                  {{"x", static_cast<double>(id - 1) + 0.5}}));
    EXPECT_TRUE(o.cell_improved);
    EXPECT_EQ(o.cell, id - 1);
    EXPECT_TRUE(o.evicted.empty()) << "id " << id;
  }
  EXPECT_EQ(pop.Stats()[0].size, 4u);
  EXPECT_EQ(pop.Stats()[0].occupied_cells, 4u);
  // A weaker program in cell 0 is not an elite: it is the one evicted.
  InsertOutcome weak = MustInsert(pop, MakeProgram(5, 0.5, 0, {{"x", 0.1}}));
  EXPECT_FALSE(weak.cell_improved);
  EXPECT_EQ(weak.evicted, std::vector<int64_t>{5});
  // A stronger one takes cell 0 over; the demoted elite (1) is now evictable and goes.
  InsertOutcome strong = MustInsert(pop, MakeProgram(6, 1.5, 0, {{"x", 0.2}}));
  EXPECT_TRUE(strong.cell_improved);
  EXPECT_EQ(strong.evicted, std::vector<int64_t>{1});
  EXPECT_EQ(pop.Stats()[0].size, 4u);
  EXPECT_EQ(pop.Stats()[0].occupied_cells, 4u);
}

TEST(PopulationTest, ArchiveHoldsTheTopProgramsOverAllIslands) {
  DatabaseConfig config = OneIslandConfig();
  config.islands = 3;
  config.archive_size = 3;
  Population pop(config);
  const double scores[] = {0.3, 0.9, 0.1, 0.5, 0.7, 0.2};
  for (int64_t id = 1; id <= 6; ++id) {
    MustInsert(pop, MakeProgram(id, scores[id - 1], static_cast<int>(id % 3)));
  }
  std::vector<int64_t> elites;
  for (const Program* p : pop.Elites()) elites.push_back(p->id);
  EXPECT_EQ(elites, (std::vector<int64_t>{2, 5, 4}));
  EXPECT_FALSE(MustInsert(pop, MakeProgram(7, 0.0)).entered_archive);
  EXPECT_TRUE(MustInsert(pop, MakeProgram(8, 0.6)).entered_archive);
  EXPECT_EQ(pop.Elites().back()->id, 8);
}

TEST(PopulationTest, LineageWalksParentsNearestFirst) {
  Population pop(OneIslandConfig());
  for (int64_t id = 1; id <= 5; ++id) {
    Program p = MakeProgram(id, 1.0);
    p.parent_id = id - 1;
    p.generation = id - 1;
    MustInsert(pop, p);
  }
  std::vector<int64_t> ids;
  for (const Program* p : pop.Lineage(5, 3)) ids.push_back(p->id);
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 3, 2}));
  EXPECT_EQ(pop.Lineage(5, 10).size(), 4u);
  EXPECT_TRUE(pop.Lineage(1, 10).empty());
  EXPECT_TRUE(pop.Lineage(42, 10).empty());
}

TEST(PopulationTest, MigrationMovesEachIslandsBestOneHopAroundTheRing) {
  DatabaseConfig config = OneIslandConfig();
  config.islands = 3;
  config.migration_rate = 0.5;
  config.migration_interval = 10;
  Population pop(config);
  // Island i holds ids 10i+1 (score i+0.9) and 10i+2 (score i+0.1).
  for (int i = 0; i < 3; ++i) {
    MustInsert(pop, MakeProgram(10 * i + 1, i + 0.9, i));
    MustInsert(pop, MakeProgram(10 * i + 2, i + 0.1, i));
  }
  EXPECT_FALSE(pop.MigrationDue(9));
  EXPECT_TRUE(pop.MigrationDue(10));
  std::vector<Placement> moves = pop.Migrate();
  const std::vector<Placement> expected = {
      {1, 1, "migration"}, {11, 2, "migration"}, {21, 0, "migration"}};
  EXPECT_EQ(moves, expected) << "ceil(0.5 * 2) = 1 per island, decided before anyone moves";
  EXPECT_EQ(pop.Stats()[1].size, 3u);
  EXPECT_EQ(pop.BestOnIsland(0)->id, 21);
  EXPECT_EQ(pop.BestOnIsland(2)->id, 21) << "21 stays home as well";
  EXPECT_EQ(pop.Get(21)->island, 2) << "a copy does not change the home island";
  // Second round: island 0's best is now 21, which island 1 does not have yet.
  std::vector<Placement> again = pop.Migrate();
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0], (Placement{21, 1, "migration"}));
}

TEST(PopulationTest, MigrationNeedsTwoIslands) {
  Population pop(OneIslandConfig());
  MustInsert(pop, MakeProgram(1, 1.0));
  EXPECT_FALSE(pop.MigrationDue(1000));
  EXPECT_TRUE(pop.Migrate().empty());
}

TEST(PopulationTest, PlaceValidatesAndIsIdempotent) {
  DatabaseConfig config = OneIslandConfig();
  config.islands = 2;
  Population pop(config);
  MustInsert(pop, MakeProgram(1, 1.0, 0));
  EXPECT_EQ(pop.Place(1, 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pop.Place(7, 1).code(), StatusCode::kNotFound);
  ASSERT_TRUE(pop.Place(1, 1).ok());
  ASSERT_TRUE(pop.Place(1, 1).ok());
  EXPECT_EQ(pop.Stats()[1].size, 1u);
  EXPECT_EQ(pop.BestOnIsland(1)->id, 1);
}

// ValidateConfig (config/) owns the rules; a population given a config that breaks them still
// works, clamped into range.
TEST(PopulationTest, AConfigThatBreaksTheRulesIsClampedIntoRange) {
  DatabaseConfig c;
  c.islands = 0;
  c.island_capacity = 0;
  c.archive_size = -1;
  c.features = {Axis("x", 0, 1, 0)};
  Population pop(c);
  MustInsert(pop, MakeProgram(1, 1.0, 0));
  ASSERT_EQ(pop.Stats().size(), 1u);
  EXPECT_EQ(pop.Stats()[0].size, 1u);
  EXPECT_EQ(pop.BestOnIsland(0)->id, 1);
}

}  // namespace
}  // namespace kevolve
