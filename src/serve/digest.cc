#include "serve/digest.h"

#include <algorithm>
#include <cmath>

#include "db/grid.h"
#include "serve/run_status.h"

namespace kevolve::serve {

void SeriesBucket::Merge(const SeriesBucket& next) {
  last_id = next.last_id;
  programs += next.programs;
  if (next.valid > 0) {
    min = valid > 0 ? std::min(min, next.min) : next.min;
    max = valid > 0 ? std::max(max, next.max) : next.max;
  }
  valid += next.valid;
  sum += next.sum;
  best = next.best;
  has_best = next.has_best;
  last_unix_ms = next.last_unix_ms;
}

void SeriesBuilder::Add(const ProgramBrief& p) {
  const bool scored = p.valid && std::isfinite(p.score);
  if (scored && (!best_ || p.score > *best_)) {
    best_ = p.score;
    steps_.push_back(p);
    if (steps_.size() > 2 * points_) steps_ = Thin(std::move(steps_));
  }
  if (buckets_.empty() || buckets_.back().programs >= width_) {
    if (buckets_.size() == points_) {
      std::vector<SeriesBucket> merged;
      for (size_t i = 0; i < buckets_.size(); i += 2) {
        merged.push_back(buckets_[i]);
        if (i + 1 < buckets_.size()) merged.back().Merge(buckets_[i + 1]);
      }
      buckets_ = std::move(merged);
      width_ *= 2;
    }
    if (buckets_.empty() || buckets_.back().programs >= width_) {
      buckets_.emplace_back();
      buckets_.back().first_id = p.id;
      buckets_.back().first_unix_ms = p.created_unix_ms;
    }
  }
  SeriesBucket& b = buckets_.back();
  b.last_id = p.id;
  b.last_unix_ms = p.created_unix_ms;
  ++b.programs;
  if (scored) {
    b.min = b.valid > 0 ? std::min(b.min, p.score) : p.score;
    b.max = b.valid > 0 ? std::max(b.max, p.score) : p.score;
    ++b.valid;
    b.sum += p.score;
  }
  b.has_best = best_.has_value();
  b.best = best_.value_or(0);
}

std::vector<SeriesBucket> SeriesBuilder::Buckets(size_t points) const {
  const size_t group = points == 0 ? buckets_.size() : (buckets_.size() + points - 1) / points;
  std::vector<SeriesBucket> out;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (group <= 1 || i % group == 0) {
      out.push_back(buckets_[i]);
    } else {
      out.back().Merge(buckets_[i]);
    }
  }
  return out;
}

std::vector<ProgramBrief> SeriesBuilder::Thin(std::vector<ProgramBrief> steps) {
  std::vector<ProgramBrief> kept;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i % 2 == 0 || i + 1 == steps.size()) kept.push_back(std::move(steps[i]));
  }
  return kept;
}

std::vector<ProgramBrief> SeriesBuilder::Steps(size_t points) const {
  std::vector<ProgramBrief> steps = steps_;
  while (steps.size() > std::max<size_t>(points, 2)) steps = Thin(std::move(steps));
  return steps;
}

void RunDigest::Add(const ProgramBrief& p) {
  last_id = p.id;
  if (programs++ == 0) first_unix_ms = p.created_unix_ms;
  last_unix_ms = p.created_unix_ms;
  if (p.valid) {
    ++valid;
  } else {
    ++failures[p.failure];
  }
  series.Add(p);
  if (!p.valid || std::isnan(p.score)) return;
  // Score descending, then the older program: Store::ListPrograms' order for these rows.
  auto better = [](const ProgramBrief& a, const ProgramBrief& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  };
  if (top.size() == static_cast<size_t>(kMaxPageRows) && !better(p, top.back())) return;
  top.insert(std::upper_bound(top.begin(), top.end(), p, better), p);
  if (top.size() > static_cast<size_t>(kMaxPageRows)) top.pop_back();
}

namespace {

GridDigest NewGrid(const Store& store) {
  GridDigest grid;
  if (auto config = StoredConfig(store); config.ok()) {
    if (db::FeatureGrid::Validate(config->database.features).ok()) {
      grid.axes = config->database.features;
    }
    grid.migration_interval = config->database.migration_interval;
  }
  return grid;
}

Status UpdateGrid(const Store& store, GridDigest& grid) {
  const db::FeatureGrid cells(grid.axes);
  ProgramScan scan;
  scan.after_id = grid.last_id;
  scan.features = true;
  return store.ScanPrograms(scan, [&](const ProgramBrief& p) {
    grid.last_id = p.id;
    IslandDigest& island = grid.islands[p.island];
    ++island.programs;
    if (!p.valid || !std::isfinite(p.score)) return;
    ++island.valid;
    if (!island.best || p.score > island.best->score) island.best = p;
    GridCell& cell = island.cells[cells.CellOf(p.features)];
    if (cell.programs++ == 0 || p.score > cell.score) {
      cell.score = p.score;
      cell.id = p.id;
    }
  });
}

}  // namespace

std::shared_ptr<DigestCache::Entry> DigestCache::Lookup(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = entries_[dir];
  if (!slot.second) slot.second = std::make_shared<Entry>();
  slot.first = ++clock_;
  if (entries_.size() > kMaxDigests) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.first < b.second.first;
    });
    entries_.erase(oldest);  // a request still using it keeps it alive through its shared_ptr
  }
  return slot.second;
}

Status DigestCache::WithDigest(const RunEntry& run, const Store& store,
                               const std::function<Status(const RunDigest&)>& use) {
  std::shared_ptr<Entry> entry = Lookup(run.dir);
  std::lock_guard<std::mutex> lock(entry->mu);
  ProgramScan scan;
  scan.after_id = entry->digest.last_id;
  RunDigest& digest = entry->digest;
  KEVOLVE_RETURN_IF_ERROR(store.ScanPrograms(scan, [&](const ProgramBrief& p) { digest.Add(p); }));
  return use(digest);
}

Status DigestCache::WithGrid(const RunEntry& run, const Store& store,
                             const std::function<Status(const GridDigest&)>& use) {
  std::shared_ptr<Entry> entry = Lookup(run.dir);
  std::lock_guard<std::mutex> lock(entry->mu);
  if (!entry->grid) entry->grid = NewGrid(store);
  KEVOLVE_RETURN_IF_ERROR(UpdateGrid(store, *entry->grid));
  return use(*entry->grid);
}

Result<StoreSummary> SummaryOf(const Store& store, const RunDigest& digest) {
  KEVOLVE_ASSIGN_OR_RETURN(StoreSummary s, store.SummarizeBesidePrograms());
  s.programs = digest.programs;
  s.valid = digest.valid;
  s.failures = digest.failures;
  s.first_unix_ms = digest.first_unix_ms;
  s.last_unix_ms = digest.last_unix_ms;
  // Runs that recorded no best: the highest score, as Store::Summarize falls back to.
  if (!s.best_id) {
    auto best = std::find_if(digest.top.begin(), digest.top.end(),
                             [](const ProgramBrief& p) { return std::isfinite(p.score); });
    if (best != digest.top.end()) {
      s.best_id = best->id;
      s.best_score = best->score;
    }
  }
  return s;
}

}  // namespace kevolve::serve
