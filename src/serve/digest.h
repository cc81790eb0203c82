// RunDigest: what the dashboard keeps of a run between requests, so that a poll costs the
// programs committed since the last one, not the whole run. Programs are append-only (ids grow
// in commit order and a committed row never changes), so every aggregate here is brought up to
// date by a scan of the rows after `last_id`. Memory per run is bounded by the constants below,
// whatever the run's size; DigestCache keeps at most kMaxDigests runs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/status.h"
#include "serve/limits.h"
#include "serve/catalog.h"
#include "store/store.h"

namespace kevolve::serve {

inline constexpr size_t kMaxDigests = 64;

// Consecutive programs of the score series.
struct SeriesBucket {
  int64_t first_id = 0;
  int64_t last_id = 0;
  int64_t programs = 0;
  int64_t valid = 0;  // with a finite score
  double min = 0;     // of the valid scores (meaningful when valid > 0)
  double max = 0;
  double sum = 0;
  double best = 0;    // best score so far at the bucket's end (meaningful when has_best)
  bool has_best = false;
  int64_t first_unix_ms = 0;
  int64_t last_unix_ms = 0;

  void Merge(const SeriesBucket& next);
};

// At most `points` buckets of equal width: when they would overflow, neighbours merge and the
// width doubles, so memory stays bounded without knowing the run's size. Also keeps the steps
// of the best score (at most 2 x points, always the first and the latest).
class SeriesBuilder {
 public:
  explicit SeriesBuilder(size_t points) : points_(points) {}
  void Add(const ProgramBrief& p);
  // The buckets merged down to at most `points` (adjacent groups of equal size).
  std::vector<SeriesBucket> Buckets(size_t points) const;
  // The best's steps, thinned to at most `points`.
  std::vector<ProgramBrief> Steps(size_t points) const;

 private:
  static std::vector<ProgramBrief> Thin(std::vector<ProgramBrief> steps);

  size_t points_;
  int64_t width_ = 1;
  std::optional<double> best_;
  std::vector<SeriesBucket> buckets_;
  std::vector<ProgramBrief> steps_;
};

struct RunDigest {
  int64_t last_id = 0;  // the newest program folded in
  int64_t programs = 0;
  int64_t valid = 0;
  std::map<std::string, int64_t> failures;  // invalid programs by failure name
  int64_t first_unix_ms = 0;
  int64_t last_unix_ms = 0;
  // The valid programs with a score, best first (score descending, then id): at most
  // kMaxPageRows, the order of Store::ListPrograms(kScoreDescending).
  std::vector<ProgramBrief> top;
  SeriesBuilder series{static_cast<size_t>(kMaxSeriesPoints)};

  void Add(const ProgramBrief& p);
};

// The MAP-Elites view: per island, the best program ever placed in each grid cell.
struct GridCell {
  double score = 0;
  int64_t id = 0;
  int64_t programs = 0;
};
struct IslandDigest {
  int64_t programs = 0;
  int64_t valid = 0;
  std::optional<ProgramBrief> best;
  std::map<int64_t, GridCell> cells;
};
struct GridDigest {
  int64_t last_id = 0;
  std::vector<FeatureConfig> axes;  // from the run's stored config; empty = one cell
  int64_t migration_interval = 0;
  std::map<int, IslandDigest> islands;
};

// Thread-safe. One lock per run: requests for one run wait for each other's scans, requests for
// different runs do not.
class DigestCache {
 public:
  // Folds the programs committed since the last call into the run's digest, then calls `use`
  // with it under the run's lock.
  Status WithDigest(const RunEntry& run, const Store& store,
                    const std::function<Status(const RunDigest&)>& use);
  Status WithGrid(const RunEntry& run, const Store& store,
                  const std::function<Status(const GridDigest&)>& use);

 private:
  struct Entry {
    std::mutex mu;
    RunDigest digest;
    std::optional<GridDigest> grid;
  };
  std::shared_ptr<Entry> Lookup(const std::string& dir);

  std::mutex mu_;
  uint64_t clock_ = 0;  // guarded by mu_; orders uses for eviction
  std::map<std::string, std::pair<uint64_t, std::shared_ptr<Entry>>> entries_;  // guarded by mu_
};

// StoreSummary from the digest and the small tables (no pass over the programs).
Result<StoreSummary> SummaryOf(const Store& store, const RunDigest& digest);

}  // namespace kevolve::serve
