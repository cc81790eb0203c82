// The endpoint bodies behind Api::Handle, one function per endpoint. Internal to kevolve_serve.
// Each reads through `store` (opened read-only by the caller) and returns the JSON to send.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "serve/catalog.h"
#include "serve/digest.h"
#include "store/store.h"

namespace kevolve::serve {

// running | finished | stopped, from events.jsonl's last event and the run's latest activity.
std::string RunState(const RunEntry& run, int64_t last_unix_ms, int64_t now_unix_ms);

// One row of the runs page: RunStatusJson plus name, state, commit times and wall time.
Result<Json> RunRowJson(const RunEntry& run, const Store& store, const RunDigest& digest,
                        int64_t now_unix_ms);
// The row plus the stored config.
Result<Json> SummaryJson(const RunEntry& run, const Store& store, const RunDigest& digest,
                         int64_t now_unix_ms);
// Programs in at most `points` buckets of consecutive ids: population min / mean / max of valid
// scores, best so far, time; and the steps of the best score (at most `points`) with their
// metrics and hidden metrics.
Result<Json> SeriesJson(const Store& store, const RunDigest& digest, int64_t points);

Result<Json> ProgramsPageJson(const Store& store, const RunDigest& digest, ProgramOrder order,
                              int64_t offset, int64_t limit);
Result<Json> ProgramJson(const Store& store, int64_t id);
Result<Json> LineageJson(const Store& store, const RunDigest& digest, int64_t id, int64_t depth);

Result<Json> IslandsJson(const Store& store, const GridDigest& grid);
Result<Json> LlmJson(const Store& store, int64_t offset, int64_t limit);

// A program's brief as JSON (score null when it is invalid or has none).
Json BriefJson(const ProgramBrief& b);
// LLM attempts as JSON; request, reply, content and reasoning only where they were loaded.
Json LlmCallsJson(const std::vector<LlmCall>& calls);

}  // namespace kevolve::serve
