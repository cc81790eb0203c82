// Population::Sample: parent and inspiration selection.
#include <algorithm>

#include "db/population.h"

namespace kevolve {

namespace {

// Fisher-Yates with the caller's Rng, so shuffles replay exactly.
void Shuffle(std::vector<int64_t>& items, Rng& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[rng.Below(i)]);
  }
}

}  // namespace

Result<Selection> Population::Sample(int island, Rng& rng) const {
  if (island < 0 || island >= islands()) {
    return Status::InvalidArgument("cannot sample island " + std::to_string(island) +
                                   ": there are " + std::to_string(islands()) + " islands");
  }
  if (!best_) {
    return Status::FailedPrecondition(
        "cannot sample a parent: the population has no valid program yet");
  }
  const db::Island& home = islands_[static_cast<size_t>(island)];
  Selection selection;
  selection.parent = &ChooseParent(home, rng, selection.mode);
  selection.inspirations = ChooseInspirations(home, *selection.parent, rng);
  return selection;
}

const Program& Population::ChooseParent(const db::Island& island, Rng& rng,
                                        SelectionMode& mode) const {
  const double exploit = std::max(0.0, config_.exploitation_ratio);
  const double explore = std::max(0.0, config_.exploration_ratio);
  const double elite = std::max(0.0, config_.elite_ratio);
  const double total = exploit + explore + elite;
  const double u = rng.Uniform() * total;
  if (!(total > 0) || u < exploit) {
    mode = SelectionMode::kExploit;
  } else if (u < exploit + explore) {
    mode = SelectionMode::kExplore;
  } else {
    mode = SelectionMode::kElite;
  }

  if (mode == SelectionMode::kElite) {
    if (!archive_.empty()) return Pick(archive_, rng.Below(archive_.size()));
    mode = SelectionMode::kExploit;
  }
  const db::RankedList& members = island.members();
  if (members.empty()) {
    mode = SelectionMode::kBestOverall;
    return programs_.at(best_->id);
  }
  const uint64_t n = members.size();
  if (mode == SelectionMode::kExplore) return Pick(members, rng.Below(n));
  // Binary tournament on rank: P(rank r) = (2(n - r) - 1) / n^2, a linear ranking that favours
  // the best without letting one outlier's raw score take every draw.
  const uint64_t a = rng.Below(n);
  const uint64_t b = rng.Below(n);
  return Pick(members, std::min(a, b));
}

std::vector<const Program*> Population::ChooseInspirations(const db::Island& island,
                                                           const Program& parent, Rng& rng) const {
  std::vector<const Program*> out;
  const size_t wanted = num_inspirations_;
  auto add = [&](int64_t id) {
    if (out.size() >= wanted || id == parent.id) return;
    for (const Program* p : out) {
      if (p->id == id) return;
    }
    out.push_back(&programs_.at(id));
  };
  if (wanted == 0) return out;

  if (auto best = island.Best()) add(*best);

  const int64_t parent_cell = grid_.CellOf(parent.result.features);
  for (int distance = 1; distance <= 2 && out.size() < wanted; ++distance) {
    std::vector<int64_t> elites;
    for (int64_t cell : grid_.Neighbours(parent_cell, distance)) {
      if (auto elite = island.CellElite(cell)) elites.push_back(*elite);
    }
    Shuffle(elites, rng);
    for (int64_t id : elites) add(id);
  }

  const db::RankedList& members = island.members();
  // Random members; a bounded number of draws, then the rest in rank order, so a small island
  // still fills the list without looping.
  for (size_t tries = 0; tries < 4 * wanted && out.size() < wanted && !members.empty(); ++tries) {
    add(members[rng.Below(members.size())].id);
  }
  for (size_t rank = 0; rank < members.size() && out.size() < wanted; ++rank) {
    add(members[rank].id);
  }
  return out;
}

}  // namespace kevolve
