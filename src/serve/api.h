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
// read-only and closes it before answering, so the server never writes to a run; between
// requests it keeps only each run's bounded digest (serve/digest.h), so a poll reads the
// programs committed since the last one. Handle never throws. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "core/clock.h"
#include "serve/catalog.h"
#include "serve/digest.h"
#include "serve/limits.h"

namespace kevolve::serve {

struct ApiRequest {
  std::string path;                           // decoded, without the query
  std::map<std::string, std::string> query;  // decoded parameters
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
};

class Api {
 public:
  // `catalog` and `clock` must outlive the Api.
  Api(RunCatalog& catalog, Clock& clock) : catalog_(catalog), clock_(clock) {}

  ApiResponse Handle(const ApiRequest& request);

 private:
  RunCatalog& catalog_;
  Clock& clock_;
  DigestCache digests_;
};

}  // namespace kevolve::serve
