// The runs list, a run's summary and its downsampled score series.
#include <charconv>
#include <cmath>
#include <fstream>

#include "serve/api.h"
#include "serve/endpoints.h"
#include "serve/run_status.h"

namespace kevolve::serve {
namespace {

// The last line of events.jsonl, read from the file's tail only (the file grows with the run).
std::string LastEventLine(const std::string& path) {
  constexpr std::streamoff kTailBytes = 16 * 1024;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > kTailBytes ? size - kTailBytes : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  const size_t newline = tail.rfind('\n');
  return newline == std::string::npos ? tail : tail.substr(newline + 1);
}

Json BucketJson(const SeriesBucket& b) {
  Json j{{"first_id", b.first_id},           {"last_id", b.last_id},
         {"programs", b.programs},           {"valid", b.valid},
         {"first_unix_ms", b.first_unix_ms}, {"last_unix_ms", b.last_unix_ms}};
  j["best"] = b.has_best ? Json(b.best) : Json(nullptr);
  if (b.valid > 0) {
    j["min"] = b.min;
    j["max"] = b.max;
    j["mean"] = b.sum / static_cast<double>(b.valid);
  }
  return j;
}

}  // namespace

std::string RunState(const RunEntry& run, int64_t last_unix_ms, int64_t now_unix_ms) {
  int64_t last_activity = last_unix_ms;
  auto event = ParseJson(LastEventLine(run.events()));
  if (event.ok() && event->is_object()) {
    if (event->value("type", "") == "run_end") return "finished";
    if ((*event)["t"].is_number_integer()) {
      last_activity = std::max(last_activity, (*event)["t"].get<int64_t>());
    }
  }
  return now_unix_ms - last_activity <= kRunningWithinMs ? "running" : "stopped";
}

Json BriefJson(const ProgramBrief& b) {
  return Json{{"id", b.id},
              {"parent_id", b.parent_id},
              {"generation", b.generation},
              {"island", b.island},
              {"origin", b.origin},
              {"valid", b.valid},
              {"score", b.valid && std::isfinite(b.score) ? Json(b.score) : Json(nullptr)},
              {"failure", b.failure},
              {"duration_ms", b.duration_ms},
              {"created_unix_ms", b.created_unix_ms}};
}

Result<Json> RunRowJson(const RunEntry& run, const Store& store, const RunDigest& digest,
                        int64_t now_unix_ms) {
  KEVOLVE_ASSIGN_OR_RETURN(StoreSummary s, SummaryOf(store, digest));
  KEVOLVE_ASSIGN_OR_RETURN(Json j, RunStatusJson(store, s));
  j["name"] = run.name;
  j["run"] = run.dir;
  j["state"] = RunState(run, s.last_unix_ms, now_unix_ms);
  j["first_unix_ms"] = s.first_unix_ms;
  j["last_unix_ms"] = s.last_unix_ms;
  j["wall_ms"] = s.last_unix_ms - s.first_unix_ms;
  const std::string started = MetaOr(store, "created_unix_ms", "0");
  int64_t started_unix_ms = 0;  // stays 0 when the meta value is damaged
  std::from_chars(started.data(), started.data() + started.size(), started_unix_ms);
  j["started_unix_ms"] = started_unix_ms;
  j["llm_cost"] = j.contains("llm") ? j["llm"]["cost"] : Json(0.0);
  return j;
}

Result<Json> SummaryJson(const RunEntry& run, const Store& store, const RunDigest& digest,
                         int64_t now_unix_ms) {
  KEVOLVE_ASSIGN_OR_RETURN(Json j, RunRowJson(run, store, digest, now_unix_ms));
  j["config_yaml"] = MetaOr(store, "config_yaml", "");
  j["now_unix_ms"] = now_unix_ms;
  return j;
}

Result<Json> SeriesJson(const Store& store, const RunDigest& digest, int64_t points) {
  Json buckets = Json::array();
  for (const SeriesBucket& b : digest.series.Buckets(static_cast<size_t>(points))) {
    buckets.push_back(BucketJson(b));
  }
  Json steps = Json::array();
  for (const ProgramBrief& step : digest.series.Steps(static_cast<size_t>(points))) {
    // Hidden metrics come from the few programs that set a new best, not from every row.
    KEVOLVE_ASSIGN_OR_RETURN(Program p, store.LoadProgram(step.id));
    Json s = BriefJson(step);
    s["hidden_metrics"] = p.result.hidden_metrics;
    s["metrics"] = p.result.metrics;
    steps.push_back(std::move(s));
  }
  return Json{{"buckets", std::move(buckets)}, {"best_steps", std::move(steps)}};
}

}  // namespace kevolve::serve
