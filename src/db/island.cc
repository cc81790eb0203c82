#include "db/island.h"

namespace kevolve::db {

IslandAddResult Island::Add(Ranked program, int64_t cell, size_t capacity, bool may_take_cell) {
  IslandAddResult result;
  if (Contains(program.id)) return result;
  result.added = true;
  result.new_best = members_.Insert(program) == 0;
  cell_of_.emplace(program.id, cell);

  auto [it, fresh] = elites_.try_emplace(cell, program);
  if (fresh || (may_take_cell && RanksBefore(program, it->second))) {
    it->second = program;  // the old elite stays a member, no longer protected
    result.cell_improved = true;
  }
  EvictOverCapacity(capacity, result.evicted);
  return result;
}

void Island::EvictOverCapacity(size_t capacity, std::vector<int64_t>& evicted) {
  // Scan from the worst end; rank 0 (the island's best) is never a candidate. Stop when only
  // protected members remain over capacity.
  size_t rank = members_.size();
  while (members_.size() > capacity && rank > 1) {
    --rank;
    const Ranked candidate = members_[rank];
    const int64_t cell = cell_of_.at(candidate.id);
    if (elites_.at(cell).id == candidate.id) continue;
    members_.EraseAt(rank);
    cell_of_.erase(candidate.id);
    evicted.push_back(candidate.id);
  }
}

std::optional<int64_t> Island::Best() const {
  if (members_.empty()) return std::nullopt;
  return members_.front().id;
}

std::optional<int64_t> Island::CellElite(int64_t cell) const {
  auto it = elites_.find(cell);
  if (it == elites_.end()) return std::nullopt;
  return it->second.id;
}

}  // namespace kevolve::db
