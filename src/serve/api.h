// Api: the dashboard's JSON endpoints, independent of the HTTP library so tests can call them.
//
//   GET /api/runs                              every run: state, best, evaluations, valid, spend
//   GET /api/runs/R/summary                    status, state, wall time, config
//   GET /api/runs/R/series?points=N            score over evaluations and time, downsampled
//   GET /api/runs/R/programs?order=id|score&offset=&limit=
//   GET /api/runs/R/programs/ID                code, diff to parent, metrics, artifacts, LLM calls
//   GET /api/runs/R/lineage/ID?depth=N         ancestry with edit summaries, and the tree around
//   GET /api/runs/R/islands                    per island: elites on the MAP-Elites grid, migration
//   GET /api/runs/R/llm?offset=&limit=         usage per model, one page of calls
//
// Every answer is JSON; errors are {"error": message} with 400 (bad parameter), 404 (no such run,
// program or path) or 500. R is a name from RunCatalog. Each request opens the run's run.db
// read-only and closes it before answering, so the server holds no run in memory and never
// writes to one. Handle never throws. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "core/clock.h"
#include "serve/catalog.h"

namespace kevolve::serve {

struct ApiRequest {
  std::string path;                           // decoded, without the query
  std::map<std::string, std::string> query;  // decoded parameters
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
};

// Bounds that keep every answer small, whatever the run's size.
inline constexpr int64_t kMaxPageRows = 500;
inline constexpr int64_t kMaxSeriesPoints = 2000;
inline constexpr int64_t kMaxAncestry = 1000;
inline constexpr int64_t kMaxTreeChildren = 600;
// A run whose latest program or event is older than this and that logged no run_end is
// "stopped" rather than "running".
inline constexpr int64_t kRunningWithinMs = 120'000;

class Api {
 public:
  // `catalog` and `clock` must outlive the Api.
  Api(RunCatalog& catalog, Clock& clock) : catalog_(catalog), clock_(clock) {}

  ApiResponse Handle(const ApiRequest& request) const;

 private:
  RunCatalog& catalog_;
  Clock& clock_;
};

}  // namespace kevolve::serve
