#include "db/population.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace kevolve {

using db::Ranked;

const char* SelectionModeName(SelectionMode mode) {
  switch (mode) {
    case SelectionMode::kExploit:
      return "exploit";
    case SelectionMode::kExplore:
      return "explore";
    case SelectionMode::kElite:
      return "elite";
    case SelectionMode::kBestOverall:
      return "best";
  }
  return "exploit";
}

Population::Population(const DatabaseConfig& config, PromotionRule rule)
    : config_(config),
      rule_(std::move(rule)),
      grid_(config.features),
      capacity_(static_cast<size_t>(std::max<int64_t>(1, config.island_capacity))),
      archive_size_(static_cast<size_t>(std::max(0, config.archive_size))),
      num_inspirations_(static_cast<size_t>(std::max(0, config.num_inspirations))),
      islands_(static_cast<size_t>(std::max(1, config.islands))) {}

bool Population::Eligible(const Program& p) {
  return p.result.valid && std::isfinite(p.result.combined_score);
}

Ranked Population::RankOf(const Program& p) const { return {p.result.combined_score, p.id}; }

const Program& Population::Pick(const db::RankedList& list, size_t rank) const {
  return programs_.at(list[rank].id);
}

Result<InsertOutcome> Population::Insert(const Program& program) {
  if (program.id < 1) {
    return Status::InvalidArgument("program id must be 1 or more, got " +
                                   std::to_string(program.id));
  }
  if (program.island < 0 || program.island >= islands()) {
    return Status::InvalidArgument("program " + std::to_string(program.id) + " has island " +
                                   std::to_string(program.island) + " but the population has " +
                                   std::to_string(islands()) + " islands");
  }
  auto [it, fresh] = programs_.try_emplace(program.id, program);
  if (!fresh) {
    return Status::AlreadyExists("program " + std::to_string(program.id) + " was inserted before");
  }
  const Program& p = it->second;
  InsertOutcome outcome;
  auto [hash_it, new_hash] = by_hash_.try_emplace(p.code_hash, p.id);
  if (!new_hash) {
    outcome.duplicate = true;
    return outcome;
  }
  if (!Eligible(p)) return outcome;

  ++eligible_count_;
  const Ranked r = RankOf(p);
  if (!best_ || (RanksBefore(r, *best_) &&
                 MayReplace(p, programs_.at(best_->id), "best", &outcome.promotion_tests))) {
    best_ = r;
    outcome.new_best_overall = true;
  }
  if (archive_size_ > 0) {
    const size_t rank = archive_.Insert(r);
    outcome.entered_archive = rank < archive_size_;
    if (archive_.size() > archive_size_) archive_.PopBack();
  }
  const db::IslandAddResult added = AddToIsland(p, p.island, &outcome.promotion_tests);
  outcome.placed = true;
  outcome.cell = grid_.CellOf(p.result.features);
  outcome.new_best_island = added.new_best;
  outcome.cell_improved = added.cell_improved;
  outcome.evicted = added.evicted;
  return outcome;
}

db::IslandAddResult Population::AddToIsland(const Program& p, int island,
                                            std::vector<PromotionTest>* tests) {
  db::Island& target = islands_[static_cast<size_t>(island)];
  const int64_t cell = grid_.CellOf(p.result.features);
  bool may_take_cell = true;
  if (!target.Contains(p.id)) {
    if (const std::optional<int64_t> elite = target.CellElite(cell)) {
      const Program& incumbent = programs_.at(*elite);
      if (RanksBefore(RankOf(p), RankOf(incumbent))) {
        may_take_cell = MayReplace(p, incumbent, "cell", tests);
      }
    }
  }
  return target.Add(RankOf(p), cell, capacity_, may_take_cell);
}

bool Population::MayReplace(const Program& challenger, const Program& incumbent, const char* role,
                            std::vector<PromotionTest>* tests) const {
  if (!rule_) return true;
  Promotion promotion = rule_(challenger, incumbent);
  if (tests != nullptr && !promotion.why.empty()) {
    tests->push_back({role, incumbent.id, promotion.allowed, std::move(promotion.why)});
  }
  return promotion.allowed;
}

Status Population::Place(int64_t program_id, int island) {
  if (island < 0 || island >= islands()) {
    return Status::InvalidArgument("cannot place program " + std::to_string(program_id) +
                                   " on island " + std::to_string(island) + ": there are " +
                                   std::to_string(islands()) + " islands");
  }
  const Program* p = Get(program_id);
  if (p == nullptr) {
    return Status::NotFound("cannot place program " + std::to_string(program_id) +
                            ": it was never inserted");
  }
  if (!Eligible(*p) || FindByHash(p->code_hash) != p) {
    return Status::FailedPrecondition("cannot place program " + std::to_string(program_id) +
                                      ": it is invalid, has no finite score or is a duplicate");
  }
  AddToIsland(*p, island);
  return Status::Ok();
}

std::vector<Placement> Population::Migrate() {
  std::vector<Placement> placements;
  const int n = islands();
  if (n < 2 || config_.migration_rate <= 0) return placements;
  // Decide every move from the state before migration, so a program moves one hop per round.
  for (int from = 0; from < n; ++from) {
    const db::Island& source = islands_[static_cast<size_t>(from)];
    const int to = (from + 1) % n;
    const db::Island& target = islands_[static_cast<size_t>(to)];
    const size_t size = source.members().size();
    const double wanted = std::ceil(config_.migration_rate * static_cast<double>(size));
    const size_t count = std::min(size, static_cast<size_t>(wanted));
    for (size_t rank = 0; rank < count; ++rank) {
      const int64_t id = source.members()[rank].id;
      if (!target.Contains(id)) placements.push_back({id, to, "migration"});
    }
  }
  for (const Placement& placement : placements) {
    AddToIsland(programs_.at(placement.program_id), placement.island);
  }
  return placements;
}

bool Population::MigrationDue(int64_t evaluations_since_last) const {
  return islands() > 1 && config_.migration_interval > 0 &&
         evaluations_since_last >= config_.migration_interval;
}

const Program* Population::Best() const { return best_ ? Get(best_->id) : nullptr; }

const Program* Population::BestOnIsland(int island) const {
  if (island < 0 || island >= islands()) return nullptr;
  auto best = islands_[static_cast<size_t>(island)].Best();
  return best ? Get(*best) : nullptr;
}

const Program* Population::CellElite(int island, int64_t cell) const {
  if (island < 0 || island >= islands()) return nullptr;
  auto elite = islands_[static_cast<size_t>(island)].CellElite(cell);
  return elite ? Get(*elite) : nullptr;
}

const Program* Population::FindByHash(const std::string& code_hash) const {
  auto it = by_hash_.find(code_hash);
  return it == by_hash_.end() ? nullptr : Get(it->second);
}

const Program* Population::Get(int64_t id) const {
  auto it = programs_.find(id);
  return it == programs_.end() ? nullptr : &it->second;
}

std::vector<const Program*> Population::Lineage(int64_t id, size_t n) const {
  std::vector<const Program*> chain;
  const Program* p = Get(id);
  while (p != nullptr && chain.size() < n && p->parent_id != 0) {
    p = Get(p->parent_id);
    if (p != nullptr) chain.push_back(p);
  }
  return chain;
}

std::vector<const Program*> Population::Elites() const {
  std::vector<const Program*> out;
  for (const Ranked& r : archive_) out.push_back(Get(r.id));
  return out;
}

std::vector<IslandStats> Population::Stats() const {
  std::vector<IslandStats> stats;
  for (int i = 0; i < islands(); ++i) {
    const db::Island& island = islands_[static_cast<size_t>(i)];
    stats.push_back({i, island.members().size(), island.occupied_cells(), BestOnIsland(i)});
  }
  return stats;
}

}  // namespace kevolve
