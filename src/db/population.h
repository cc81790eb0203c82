// Population: the in-memory program database of a run. Pure: no I/O, no clock, randomness only
// through the Rng the caller passes, so the same sequence of Insert / Place / Migrate / Sample
// calls with the same Rng state always gives the same results. That is what makes resume exact:
// the engine rebuilds a Population by replaying the committed inserts and placements in order.
//
// Structure (see DatabaseConfig in config/config.h):
// - every program is stored once, indexed by id; islands, grids and the archive hold ids;
// - islands with ring migration (island i sends its best to island i+1);
// - per island a MAP-Elites grid over the configured features (FeatureGrid), one elite per cell;
// - an elite archive of the top archive_size valid programs over all islands;
// - dedup: a map from normalized-code hash to the first program with that hash.
// Fitness is result.combined_score, higher is better; ties go to the older (lower) id. An
// optional promotion rule (PromotionRule) may hold a program back from replacing the run's best
// or a cell's elite although its score is higher; it still joins its island and the archive by
// its score.
// A program is *eligible* (may join islands, be a parent or an inspiration) when it is valid
// and its score is finite. Ineligible programs are kept for dedup, Get and Lineage only.
//
// Cost: Insert, Place and Sample are O(island_capacity + log cells) and never scan all
// programs; Best, BestOnIsland, FindByHash and Get are O(1) on average.
// Thread safety: none; use from one thread (the engine's controller). Program pointers returned
// stay valid for the Population's lifetime (programs are never dropped).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/placement.h"
#include "core/program.h"
#include "core/random.h"
#include "core/status.h"
#include "db/grid.h"
#include "db/island.h"
#include "db/ranked.h"

namespace kevolve {

// The answer of a promotion rule: whether `challenger` may take the place of `incumbent`.
struct Promotion {
  bool allowed = true;
  std::string why;  // one line for people; empty when the rule had nothing to test
};

// Decides whether `challenger`, which ranks before `incumbent` by score, may take its place as
// the run's best or as the elite of a MAP-Elites cell (the engine's rule compares repeated
// measurements of the score; docs/security.md, "Noise-aware selection"). Called from Insert,
// Place and Migrate. It must be a pure function of the two programs, so that replaying the
// same sequence of calls decides the same way (resume depends on it).
using PromotionRule = std::function<Promotion(const Program& challenger, const Program& incumbent)>;

// A test the promotion rule made while a program was inserted (only those with a `why`).
struct PromotionTest {
  std::string role;  // "best" (the run's best) or "cell" (the elite of its cell on its island)
  int64_t incumbent = 0;
  bool allowed = true;
  std::string why;
};

struct InsertOutcome {
  bool duplicate = false;  // an earlier program has the same code hash; not placed
  bool placed = false;     // joined an island (eligible and not a duplicate)
  bool new_best_overall = false;
  bool new_best_island = false;
  bool cell_improved = false;  // became the elite of its cell (empty before, or better)
  bool entered_archive = false;
  int64_t cell = 0;              // its MAP-Elites cell (meaningful when placed)
  std::vector<int64_t> evicted;  // ids the island dropped for capacity (may include this one)
  std::vector<PromotionTest> promotion_tests;  // the best's test first, then the cell's
};

enum class SelectionMode {
  kExploit,      // fitness-rank-weighted among the island's members
  kExplore,      // uniform among the island's members
  kElite,        // uniform from the elite archive
  kBestOverall,  // the island has no eligible member: the best program overall
};
const char* SelectionModeName(SelectionMode mode);  // "exploit", "explore", "elite", "best"

struct Selection {
  const Program* parent = nullptr;           // always eligible
  std::vector<const Program*> inspirations;  // distinct, eligible, never the parent
  SelectionMode mode = SelectionMode::kExploit;
};

struct IslandStats {
  int island = 0;
  size_t size = 0;  // member programs (including migrant copies)
  size_t occupied_cells = 0;
  const Program* best = nullptr;  // nullptr while the island has no member
};

class Population {
 public:
  // REQUIRES: `config` is the database section of a Config that passed ValidateConfig
  // (config/load.h, the owner of its rules). Violations are clamped into range, never UB.
  // An empty `rule` allows every promotion: the higher score always wins.
  explicit Population(const DatabaseConfig& config, PromotionRule rule = {});

  // Takes a committed program (valid or not) whose home island is program.island.
  // InvalidArgument: id < 1 or island out of range. AlreadyExists: the id was inserted before.
  Result<InsertOutcome> Insert(const Program& program);

  // Puts a copy of a known eligible program on `island` (a migration). Placing a program on an
  // island that already holds it changes nothing. InvalidArgument: island out of range.
  // NotFound: unknown id. FailedPrecondition: the program is not eligible.
  Status Place(int64_t program_id, int island);

  // Parent and inspirations for `island` (see SelectionMode). The mode is drawn by the
  // normalized ratios; elite falls back to exploit while the archive is empty. Inspirations, at
  // most num_inspirations: the island's best, then elites of occupied cells at Manhattan
  // distance 1 then 2 from the parent's cell (shuffled within a distance), then random members.
  // InvalidArgument: island out of range. FailedPrecondition: no eligible program at all.
  Result<Selection> Sample(int island, Rng& rng) const;

  // Ring migration: each island's best ceil(migration_rate * size) members are placed on the
  // next island (computed from the state before any of them moves; copies the target already
  // holds are skipped). Returns the placements made, in order, so the caller can persist them;
  // replaying them with Place reproduces this state exactly.
  std::vector<Placement> Migrate();
  // True when there is more than one island and `evaluations_since_last` has reached
  // migration_interval (> 0).
  bool MigrationDue(int64_t evaluations_since_last) const;

  const Program* Best() const;                                    // nullptr if none eligible
  const Program* BestOnIsland(int island) const;                  // nullptr if empty / out of range
  // The elite of MAP-Elites `cell` on `island`; nullptr if the cell is empty or out of range.
  const Program* CellElite(int island, int64_t cell) const;
  const Program* FindByHash(const std::string& code_hash) const;  // first with it, any validity
  const Program* Get(int64_t id) const;                           // nullptr if unknown
  // Ancestors of `id`, nearest first (parent, grandparent...), at most `n`; stops at an
  // unknown or zero parent id. Excludes `id` itself.
  std::vector<const Program*> Lineage(int64_t id, size_t n) const;
  // The archive best-first.
  std::vector<const Program*> Elites() const;

  size_t size() const { return programs_.size(); }  // every program inserted
  size_t eligible_count() const { return eligible_count_; }
  int islands() const { return static_cast<int>(islands_.size()); }
  std::vector<IslandStats> Stats() const;
  const db::FeatureGrid& grid() const { return grid_; }

 private:
  static bool Eligible(const Program& p);
  db::Ranked RankOf(const Program& p) const;
  // Adds `p` to `island`; the rule decides whether it may replace its cell's elite. Tests
  // with a `why` are appended to `tests` when it is not null.
  db::IslandAddResult AddToIsland(const Program& p, int island,
                                  std::vector<PromotionTest>* tests = nullptr);
  bool MayReplace(const Program& challenger, const Program& incumbent, const char* role,
                  std::vector<PromotionTest>* tests) const;
  const Program& Pick(const db::RankedList& list, size_t rank) const;
  const Program& ChooseParent(const db::Island& island, Rng& rng, SelectionMode& mode) const;
  std::vector<const Program*> ChooseInspirations(const db::Island& island, const Program& parent,
                                                 Rng& rng) const;

  DatabaseConfig config_;
  PromotionRule rule_;
  db::FeatureGrid grid_;
  size_t capacity_ = 1;
  size_t archive_size_ = 0;
  size_t num_inspirations_ = 0;
  // Node-based: pointers to programs stay valid as the map grows. Lookups only, never iterated.
  std::unordered_map<int64_t, Program> programs_;
  std::unordered_map<std::string, int64_t> by_hash_;
  std::vector<db::Island> islands_;
  db::RankedList archive_;
  std::optional<db::Ranked> best_;
  size_t eligible_count_ = 0;
};

}  // namespace kevolve
