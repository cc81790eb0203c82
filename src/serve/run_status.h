// The facts of a run as JSON, shared by `kevolve status --json` and the dashboard.
// Read-only; every function takes a Store opened by the caller (any mode).
#pragma once

#include <string>

#include "config/config.h"
#include "core/json.h"
#include "core/status.h"
#include "store/store.h"

namespace kevolve::serve {

// The meta value `key`, or `fallback` when it is absent or unreadable.
std::string MetaOr(const Store& store, const std::string& key, const std::string& fallback);

// The config the run stored when it started. NotFound when it stored none; the parse error
// otherwise.
Result<Config> StoredConfig(const Store& store);

// The object `kevolve status --json` prints: run, task, strategy, evaluations, target, programs,
// valid, valid_fraction, failures, rejected edits, duplicates skipped, llm usage (when any
// call was made) and best (id, score, generation, origin, metrics, hidden_metrics).
Result<Json> RunStatusJson(const Store& store);
// The same from a summary the caller already has.
Result<Json> RunStatusJson(const Store& store, const StoreSummary& summary);

}  // namespace kevolve::serve
