#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "db/population.h"
#include "db_testing.h"

namespace kevolve {
namespace {

using testing::Axis;
using testing::MakeProgram;
using testing::OneIslandConfig;

// A population with a grid, several islands, some invalid programs, and parent links.
DatabaseConfig GridConfig() {
  DatabaseConfig c;
  c.islands = 3;
  c.island_capacity = 20;
  c.archive_size = 5;
  c.num_inspirations = 4;
  c.migration_rate = 0.2;
  c.features = {Axis("x", 0, 1, 6), Axis("y", 0, 1, 6)};
  return c;
}

void Fill(Population& pop, int count, uint64_t seed) {
  Rng rng(seed);
  for (int64_t id = 1; id <= count; ++id) {
    const bool valid = id % 5 != 0;
    Program p = MakeProgram(id, rng.Uniform() * 10, static_cast<int>(rng.Below(3)),
                            {{"x", rng.Uniform()}, {"y", rng.Uniform()}}, valid);
    p.parent_id = id > 1 ? static_cast<int64_t>(rng.Below(static_cast<uint64_t>(id - 1))) + 1 : 0;
    ASSERT_TRUE(pop.Insert(p).ok());
  }
}

// Everything a selection decided, as plain ids.
struct Drawn {
  int64_t parent;
  std::vector<int64_t> inspirations;
  SelectionMode mode;
  bool operator==(const Drawn&) const = default;
};

Drawn Draw(const Population& pop, int island, Rng& rng) {
  auto s = pop.Sample(island, rng);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  Drawn d{s->parent->id, {}, s->mode};
  for (const Program* p : s->inspirations) d.inspirations.push_back(p->id);
  return d;
}

TEST(SelectionTest, SampleWithoutValidProgramsIsAFailedPrecondition) {
  Population pop(OneIslandConfig());
  Rng rng(1);
  EXPECT_EQ(pop.Sample(0, rng).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(pop.Insert(MakeProgram(1, 1.0, 0, {}, false)).ok());
  EXPECT_EQ(pop.Sample(0, rng).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(pop.Insert(MakeProgram(2, 1.0)).ok());
  EXPECT_EQ(pop.Sample(1, rng).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pop.Sample(0, rng)->parent->id, 2);
}

TEST(SelectionTest, AnEmptyIslandFallsBackToTheBestOverall) {
  DatabaseConfig config = OneIslandConfig();
  config.islands = 2;
  config.elite_ratio = 0;
  Population pop(config);
  ASSERT_TRUE(pop.Insert(MakeProgram(1, 1.0, 0)).ok());
  ASSERT_TRUE(pop.Insert(MakeProgram(2, 3.0, 0)).ok());
  Rng rng(3);
  for (int i = 0; i < 20; ++i) {
    auto s = pop.Sample(1, rng);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->parent->id, 2);
    EXPECT_EQ(s->mode, SelectionMode::kBestOverall);
    EXPECT_STREQ(SelectionModeName(s->mode), "best");
  }
}

TEST(SelectionTest, SameCallsWithSameRngGiveSameResults) {
  Population a(GridConfig()), b(GridConfig());
  Fill(a, 300, 11);
  Fill(b, 300, 11);
  Rng ra(99), rb(99);
  for (int round = 0; round < 5; ++round) {
    EXPECT_EQ(a.Migrate(), b.Migrate());
    for (int i = 0; i < 200; ++i) ASSERT_EQ(Draw(a, i % 3, ra), Draw(b, i % 3, rb)) << i;
  }
  EXPECT_EQ(ra, rb);
}

TEST(SelectionTest, ReplayingMigrationPlacementsRebuildsTheSameState) {
  // Resume replays placements with Place instead of calling Migrate: the state must match.
  Population live(GridConfig()), replayed(GridConfig());
  Fill(live, 200, 5);
  Fill(replayed, 200, 5);
  for (int round = 0; round < 3; ++round) {
    for (const Placement& p : live.Migrate()) {
      ASSERT_TRUE(replayed.Place(p.program_id, p.island).ok());
    }
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(live.Stats()[i].size, replayed.Stats()[i].size);
    EXPECT_EQ(live.Stats()[i].occupied_cells, replayed.Stats()[i].occupied_cells);
  }
  Rng r1(7), r2(7);
  for (int i = 0; i < 300; ++i) ASSERT_EQ(Draw(live, i % 3, r1), Draw(replayed, i % 3, r2));
}

TEST(SelectionTest, ParentsAndInspirationsAreNeverInvalid) {
  Population pop(GridConfig());
  Fill(pop, 400, 21);
  Rng rng(4);
  for (int i = 0; i < 3000; ++i) {
    auto s = pop.Sample(i % 3, rng);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->parent->result.valid) << "parent " << s->parent->id;
    for (const Program* p : s->inspirations) ASSERT_TRUE(p->result.valid) << p->id;
  }
}

TEST(SelectionTest, InspirationsAreDistinctBoundedAndNeverTheParent) {
  Population pop(GridConfig());
  Fill(pop, 400, 8);
  Rng rng(6);
  for (int i = 0; i < 3000; ++i) {
    auto s = pop.Sample(i % 3, rng);
    ASSERT_TRUE(s.ok());
    EXPECT_LE(s->inspirations.size(), 4u);
    std::set<int64_t> ids;
    for (const Program* p : s->inspirations) {
      EXPECT_NE(p->id, s->parent->id);
      EXPECT_TRUE(ids.insert(p->id).second) << "repeated inspiration " << p->id;
    }
    EXPECT_EQ(s->inspirations.size(), 4u) << "islands hold enough members to fill the list";
  }
}

TEST(SelectionTest, InspirationsStartWithIslandBestThenNeighbouringCellElites) {
  DatabaseConfig config = OneIslandConfig();
  config.features = {Axis("x", 0, 10, 10)};
  config.num_inspirations = 3;
  config.exploitation_ratio = 0;
  config.exploration_ratio = 1;
  config.elite_ratio = 0;
  Population pop(config);
  auto at = [](double x) { return std::map<std::string, double>{{"x", x}}; };
  ASSERT_TRUE(pop.Insert(MakeProgram(1, 9.0, 0, at(9.5))).ok());  // island best, far away
  ASSERT_TRUE(pop.Insert(MakeProgram(2, 1.0, 0, at(4.5))).ok());  // parent's cell 4
  ASSERT_TRUE(pop.Insert(MakeProgram(3, 0.5, 0, at(5.5))).ok());  // distance 1
  ASSERT_TRUE(pop.Insert(MakeProgram(4, 0.4, 0, at(2.5))).ok());  // distance 2
  ASSERT_TRUE(pop.Insert(MakeProgram(5, 0.3, 0, at(0.5))).ok());  // distance 4
  Rng rng(12);
  int checked = 0;
  for (int i = 0; i < 500; ++i) {
    auto s = pop.Sample(0, rng);
    ASSERT_TRUE(s.ok());
    if (s->parent->id != 2) continue;
    ++checked;
    ASSERT_EQ(s->inspirations.size(), 3u);
    EXPECT_EQ(s->inspirations[0]->id, 1);
    EXPECT_EQ(s->inspirations[1]->id, 3);
    EXPECT_EQ(s->inspirations[2]->id, 4);
  }
  EXPECT_GT(checked, 50);
}

TEST(SelectionTest, ModeFrequenciesFollowTheNormalizedRatios) {
  DatabaseConfig config = GridConfig();
  config.exploitation_ratio = 5;
  config.exploration_ratio = 3;
  config.elite_ratio = 2;
  Population pop(config);
  Fill(pop, 300, 2);
  Rng rng(77);
  std::map<SelectionMode, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[pop.Sample(i % 3, rng)->mode];
  EXPECT_NEAR(counts[SelectionMode::kExploit] / double{n}, 0.5, 0.02);
  EXPECT_NEAR(counts[SelectionMode::kExplore] / double{n}, 0.3, 0.02);
  EXPECT_NEAR(counts[SelectionMode::kElite] / double{n}, 0.2, 0.02);
}

TEST(SelectionTest, ExploitFavoursHighRanksAndExploreIsUniform) {
  DatabaseConfig config = OneIslandConfig();
  config.num_inspirations = 0;
  const int members = 10;
  auto frequencies = [&](double exploit, double explore) {
    DatabaseConfig c = config;
    c.exploitation_ratio = exploit;
    c.exploration_ratio = explore;
    c.elite_ratio = 0;
    Population p(c);
    for (int64_t id = 1; id <= members; ++id) {
      EXPECT_TRUE(p.Insert(MakeProgram(id, static_cast<double>(id))).ok());
    }
    std::map<int64_t, int> counts;
    Rng rng(5);
    for (int i = 0; i < 40000; ++i) ++counts[p.Sample(0, rng)->parent->id];
    return counts;
  };
  auto exploit = frequencies(1, 0);
  // Rank r (0 = best, id 10) is drawn with probability (2(n - r) - 1) / n^2.
  for (int r = 0; r < members; ++r) {
    const double expected = (2.0 * (members - r) - 1) / (members * members);
    EXPECT_NEAR(exploit[members - r] / 40000.0, expected, 0.01) << "rank " << r;
  }
  auto explore = frequencies(0, 1);
  for (int64_t id = 1; id <= members; ++id) EXPECT_NEAR(explore[id] / 40000.0, 0.1, 0.01);
}

TEST(SelectionTest, EliteModeDrawsFromTheArchiveAcrossIslands) {
  DatabaseConfig config = OneIslandConfig();
  config.islands = 2;
  config.archive_size = 2;
  config.exploitation_ratio = 0;
  config.exploration_ratio = 0;
  config.elite_ratio = 1;
  Population pop(config);
  ASSERT_TRUE(pop.Insert(MakeProgram(1, 5.0, 1)).ok());
  ASSERT_TRUE(pop.Insert(MakeProgram(2, 4.0, 1)).ok());
  ASSERT_TRUE(pop.Insert(MakeProgram(3, 1.0, 0)).ok());
  Rng rng(9);
  std::set<int64_t> parents;
  for (int i = 0; i < 200; ++i) {
    auto s = pop.Sample(0, rng);
    ASSERT_EQ(s->mode, SelectionMode::kElite);
    parents.insert(s->parent->id);
  }
  EXPECT_EQ(parents, (std::set<int64_t>{1, 2}));
}

}  // namespace
}  // namespace kevolve
