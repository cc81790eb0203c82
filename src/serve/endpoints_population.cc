// Islands with their MAP-Elites grids and migrations, and the LLM calls of a run.
#include <cmath>

#include "db/grid.h"
#include "serve/endpoints.h"
#include "serve/run_status.h"

namespace kevolve::serve {
namespace {

// The best program ever placed in a cell of an island's grid, and how many landed there.
struct Cell {
  double score = 0;
  int64_t id = 0;
  int64_t programs = 0;
};

struct Island {
  int64_t programs = 0;
  int64_t valid = 0;
  double best = std::nan("");
  int64_t best_id = 0;
  std::map<int64_t, Cell> cells;
};

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

Result<Json> IslandsJson(const Store& store) {
  std::vector<FeatureConfig> axes;
  int64_t migration_interval = 0;
  if (auto config = StoredConfig(store); config.ok()) {
    if (db::FeatureGrid::Validate(config->database.features).ok()) {
      axes = config->database.features;
    }
    migration_interval = config->database.migration_interval;
  }
  const db::FeatureGrid grid(axes);
  std::map<int, Island> islands;
  KEVOLVE_RETURN_IF_ERROR(
      store.ScanPrograms(ProgramScan{.features = true}, [&](const ProgramBrief& p) {
        Island& island = islands[p.island];
        ++island.programs;
        if (!p.valid || !std::isfinite(p.score)) return;
        ++island.valid;
        if (std::isnan(island.best) || p.score > island.best) {
          island.best = p.score;
          island.best_id = p.id;
        }
        Cell& cell = island.cells[grid.CellOf(p.features)];
        if (cell.programs++ == 0 || p.score > cell.score) {
          cell.score = p.score;
          cell.id = p.id;
        }
      }));
  Json axes_json = Json::array();
  for (const FeatureConfig& a : axes) {
    axes_json.push_back({{"name", a.name}, {"min", a.min}, {"max", a.max}, {"bins", a.bins}});
  }
  Json out = Json::array();
  for (const auto& [index, island] : islands) {
    Json cells = Json::array();
    for (const auto& [cell, c] : island.cells) {
      cells.push_back({{"coords", grid.Coordinates(cell)},
                       {"score", c.score},
                       {"id", c.id},
                       {"programs", c.programs}});
    }
    out.push_back({{"island", index},
                   {"programs", island.programs},
                   {"valid", island.valid},
                   {"best_score", std::isnan(island.best) ? Json(nullptr) : Json(island.best)},
                   {"best_id", island.best_id},
                   {"cells", std::move(cells)}});
  }
  KEVOLVE_ASSIGN_OR_RETURN(PlacementCounts placements, store.CountPlacements());
  Json migrations = Json::array();
  for (const auto& [route, count] : placements) {
    migrations.push_back({{"from", route.first}, {"to", route.second}, {"copies", count}});
  }
  return Json{{"axes", std::move(axes_json)},
              {"islands", std::move(out)},
              {"migration_interval", migration_interval},
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
