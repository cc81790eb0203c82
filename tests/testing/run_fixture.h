// Synthetic run folders, written through the Store as `kevolve run` writes them, for tests and
// benchmarks of the readers of runs (the dashboard). Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/program.h"
#include "core/status.h"
#include "store/store.h"

namespace kevolve::testing {

// <root>/<name>/ with run.db (meta: a config with `islands` islands and two MAP-Elites axes,
// x and y in [0, 1] with 4 and 3 bins; task "synthetic"; strategy "evolve"; created_unix_ms)
// and an events.jsonl holding one run_start line. Returns the open, writable store.
Result<std::unique_ptr<Store>> CreateSyntheticRun(const std::string& root, const std::string& name,
                                                  int islands, int64_t created_unix_ms);

// A program: valid with `score` when it is finite, else a timeout; features x and y from the
// seed; hidden metric "heldout" = score - 0.5; an edit that names the seed.
Program SyntheticProgram(int64_t parent_id, int64_t generation, int island, double score,
                         uint64_t seed, int64_t created_unix_ms);

// Commits `count` programs after those already in `store`: each picks a parent among the last
// 64, scores climb slowly with noise, one in 10 times out, a migration placement every 50
// programs. Program k is created at start_unix_ms + 250 * k.
Status GrowSyntheticRun(Store& store, int64_t count, uint64_t seed, int64_t start_unix_ms);

}  // namespace kevolve::testing
