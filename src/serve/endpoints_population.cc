// Islands with their MAP-Elites grids and migrations, and the LLM calls of a run.
#include <cmath>

#include "db/grid.h"
#include "serve/endpoints.h"

namespace kevolve::serve {
namespace {

Json UsageJson(const LlmUsageRow& u) {
  return Json{{"calls", u.calls},
              {"tokens_in", u.tokens_in},
              {"tokens_out", u.tokens_out},
              {"cost", u.cost},
              {"latency_ms", u.latency_ms},
              {"mean_latency_ms",
               u.calls > 0 ? static_cast<double>(u.latency_ms) / static_cast<double>(u.calls) : 0.0},
              {"failures", u.failures}};
}

}  // namespace

Result<Json> IslandsJson(const Store& store, const GridDigest& grid) {
  const db::FeatureGrid cells(grid.axes);
  Json axes = Json::array();
  for (const FeatureConfig& a : grid.axes) {
    axes.push_back({{"name", a.name}, {"min", a.min}, {"max", a.max}, {"bins", a.bins}});
  }
  Json out = Json::array();
  for (const auto& [index, island] : grid.islands) {
    Json cell_list = Json::array();
    for (const auto& [cell, c] : island.cells) {
      cell_list.push_back({{"coords", cells.Coordinates(cell)},
                           {"score", c.score},
                           {"id", c.id},
                           {"programs", c.programs}});
    }
    out.push_back({{"island", index},
                   {"programs", island.programs},
                   {"valid", island.valid},
                   {"best_score", island.best ? Json(island.best->score) : Json(nullptr)},
                   {"best_id", island.best ? island.best->id : 0},
                   {"cells", std::move(cell_list)}});
  }
  KEVOLVE_ASSIGN_OR_RETURN(PlacementCounts placements, store.CountPlacements());
  Json migrations = Json::array();
  for (const auto& [route, count] : placements) {
    migrations.push_back({{"from", route.first}, {"to", route.second}, {"copies", count}});
  }
  return Json{{"axes", std::move(axes)},
              {"islands", std::move(out)},
              {"migration_interval", grid.migration_interval},
              {"migrations", std::move(migrations)}};
}

Result<Json> LlmJson(const Store& store, int64_t offset, int64_t limit) {
  KEVOLVE_ASSIGN_OR_RETURN(LlmSummary summary, store.SummarizeLlmCalls());
  KEVOLVE_ASSIGN_OR_RETURN(auto calls, store.ListLlmCalls(offset, limit));
  Json models = Json::object();
  for (const auto& [name, row] : summary.by_model) models[name] = UsageJson(row);
  return Json{{"total", UsageJson(summary.total)},
              {"models", std::move(models)},
              {"offset", offset},
              {"limit", limit},
              {"calls", LlmCallsJson(calls)}};
}

}  // namespace kevolve::serve
