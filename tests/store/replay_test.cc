// The resume contract between store and db: a Population rebuilt by replaying the committed
// programs and placements in commit order, with the committed random state, continues exactly
// like the one that was live.
#include <gtest/gtest.h>

#include "db/population.h"
#include "store/store.h"
#include "store_testing.h"

namespace kevolve {
namespace {

using testing::StoreTest;

DatabaseConfig ReplayConfig() {
  DatabaseConfig c;
  c.islands = 3;
  c.island_capacity = 15;
  c.archive_size = 8;
  c.migration_interval = 7;
  c.migration_rate = 0.2;
  FeatureConfig f;
  f.name = "x";
  f.bins = 5;
  c.features = {f};
  return c;
}

// One iteration of a run the way the engine does it: sample, make a child, commit (program +
// state), insert, and migrate when due (placements + state in their own commit).
void Step(Population& pop, Store& store, Rng& rng, int64_t& since_migration) {
  const int island = static_cast<int>(rng.Below(3));
  Program child;
  const Program* parent = nullptr;
  if (pop.Best() != nullptr) parent = pop.Sample(island, rng)->parent;
  child.code = "v" + std::to_string(rng.Next());
  child.code_hash = CodeHash(child.code);
  child.parent_id = parent ? parent->id : 0;
  child.island = island;
  child.result.valid = rng.Below(6) != 0;
  child.result.combined_score = (parent ? parent->result.combined_score : 0) + rng.Normal();
  child.result.features = {{"x", rng.Uniform()}};
  auto id = store.CommitProgram(child, {}, {{"rng", rng.Save()}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  child.id = *id;
  ASSERT_TRUE(pop.Insert(child).ok());
  if (pop.MigrationDue(++since_migration)) {
    since_migration = 0;
    ASSERT_TRUE(store.CommitPlacements(pop.Migrate(), {{"rng", rng.Save()}}).ok());
  }
}

TEST_F(StoreTest, ReplayingTheLogRebuildsThePopulationExactly) {
  auto store = MustCreate();
  Population live(ReplayConfig());
  Rng rng(2024);
  int64_t since_migration = 0;
  for (int i = 0; i < 150; ++i) Step(live, *store, rng, since_migration);
  store.reset();

  // Resume: programs in id order, each followed by the placements committed after it.
  auto reopened = MustOpen();
  auto programs = reopened->LoadPrograms();
  auto placements = reopened->LoadPlacements();
  auto state = reopened->LoadState();
  ASSERT_TRUE(programs.ok() && placements.ok() && state.ok());
  ASSERT_FALSE(placements->empty()) << "the run should have migrated";
  Population replayed(ReplayConfig());
  size_t next = 0;
  for (const Program& p : *programs) {
    ASSERT_TRUE(replayed.Insert(p).ok());
    for (; next < placements->size() && (*placements)[next].after_program_id == p.id; ++next) {
      const Placement& placement = (*placements)[next].placement;
      ASSERT_TRUE(replayed.Place(placement.program_id, placement.island).ok());
    }
  }
  EXPECT_EQ(next, placements->size());
  auto restored = Rng::Restore(state->at("rng"));
  ASSERT_TRUE(restored.ok());
  ASSERT_EQ(*restored, rng);

  EXPECT_EQ(replayed.Best()->id, live.Best()->id);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(replayed.Stats()[i].size, live.Stats()[i].size);
    EXPECT_EQ(replayed.Stats()[i].occupied_cells, live.Stats()[i].occupied_cells);
  }
  Rng a = rng, b = *restored;
  for (int i = 0; i < 200; ++i) {
    auto x = live.Sample(i % 3, a);
    auto y = replayed.Sample(i % 3, b);
    ASSERT_EQ(x->parent->id, y->parent->id) << i;
    ASSERT_EQ(x->mode, y->mode) << i;
    ASSERT_EQ(x->inspirations.size(), y->inspirations.size()) << i;
    for (size_t k = 0; k < x->inspirations.size(); ++k) {
      ASSERT_EQ(x->inspirations[k]->id, y->inspirations[k]->id) << i;
    }
  }
}

}  // namespace
}  // namespace kevolve
