// The runs list, a run's summary and its downsampled score series.
#include <cmath>
#include <fstream>
#include <limits>

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

// One bucket of consecutive programs in the score series.
struct Bucket {
  int64_t first_id = 0;
  int64_t last_id = 0;
  int64_t programs = 0;
  int64_t valid = 0;  // with a finite score
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  double best = std::nan("");  // best score so far at the bucket's end
  int64_t first_unix_ms = 0;
  int64_t last_unix_ms = 0;

  void Merge(const Bucket& next) {
    last_id = next.last_id;
    programs += next.programs;
    valid += next.valid;
    min = std::min(min, next.min);
    max = std::max(max, next.max);
    sum += next.sum;
    best = next.best;
    last_unix_ms = next.last_unix_ms;
  }
  Json ToJson() const {
    Json j{{"first_id", first_id},         {"last_id", last_id},
           {"programs", programs},         {"valid", valid},
           {"first_unix_ms", first_unix_ms}, {"last_unix_ms", last_unix_ms}};
    j["best"] = std::isnan(best) ? Json(nullptr) : Json(best);
    if (valid > 0) {
      j["min"] = min;
      j["max"] = max;
      j["mean"] = sum / static_cast<double>(valid);
    }
    return j;
  }
};

// Keeps at most `points` buckets of equal width by merging neighbours and doubling the width
// whenever they would overflow, so memory stays bounded without knowing the run's size.
class SeriesBuilder {
 public:
  explicit SeriesBuilder(size_t points) : points_(points) {}

  void Add(const ProgramBrief& p) {
    const bool scored = p.valid && std::isfinite(p.score);
    if (scored && (std::isnan(best_) || p.score > best_)) {
      best_ = p.score;
      steps_.push_back(p);
      if (steps_.size() > 2 * points_) ThinSteps();
    }
    if (buckets_.empty() || buckets_.back().programs >= width_) {
      if (buckets_.size() == points_) HalveBuckets();
      if (buckets_.empty() || buckets_.back().programs >= width_) {
        buckets_.push_back({});
        buckets_.back().first_id = p.id;
        buckets_.back().first_unix_ms = p.created_unix_ms;
      }
    }
    Bucket& b = buckets_.back();
    b.last_id = p.id;
    b.last_unix_ms = p.created_unix_ms;
    ++b.programs;
    if (scored) {
      ++b.valid;
      b.min = std::min(b.min, p.score);
      b.max = std::max(b.max, p.score);
      b.sum += p.score;
    }
    b.best = best_;
  }

  const std::vector<Bucket>& buckets() const { return buckets_; }
  // The best score's steps, at most `points`, always with the first and the last.
  std::vector<ProgramBrief> Steps() {
    while (steps_.size() > points_) ThinSteps();
    return steps_;
  }
  int64_t width() const { return width_; }

 private:
  void HalveBuckets() {
    std::vector<Bucket> merged;
    for (size_t i = 0; i < buckets_.size(); i += 2) {
      merged.push_back(buckets_[i]);
      if (i + 1 < buckets_.size()) merged.back().Merge(buckets_[i + 1]);
    }
    buckets_ = std::move(merged);
    width_ *= 2;
  }
  void ThinSteps() {
    std::vector<ProgramBrief> kept;
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (i % 2 == 0 || i + 1 == steps_.size()) kept.push_back(std::move(steps_[i]));
    }
    steps_ = std::move(kept);
  }

  size_t points_;
  int64_t width_ = 1;
  double best_ = std::nan("");
  std::vector<Bucket> buckets_;
  std::vector<ProgramBrief> steps_;
};

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

Result<Json> RunRowJson(const RunEntry& run, const Store& store, int64_t now_unix_ms) {
  KEVOLVE_ASSIGN_OR_RETURN(Json j, RunStatusJson(store));
  KEVOLVE_ASSIGN_OR_RETURN(StoreSummary s, store.Summarize());
  j["name"] = run.name;
  j["run"] = run.dir;
  j["state"] = RunState(run, s.last_unix_ms, now_unix_ms);
  j["first_unix_ms"] = s.first_unix_ms;
  j["last_unix_ms"] = s.last_unix_ms;
  j["wall_ms"] = s.last_unix_ms - s.first_unix_ms;
  j["started_unix_ms"] = std::stoll(MetaOr(store, "created_unix_ms", "0"));
  j["llm_cost"] = j.contains("llm") ? j["llm"]["cost"] : Json(0.0);
  return j;
}

Result<Json> SummaryJson(const RunEntry& run, const Store& store, int64_t now_unix_ms) {
  KEVOLVE_ASSIGN_OR_RETURN(Json j, RunRowJson(run, store, now_unix_ms));
  j["config_yaml"] = MetaOr(store, "config_yaml", "");
  j["now_unix_ms"] = now_unix_ms;
  return j;
}

Result<Json> SeriesJson(const Store& store, int64_t points) {
  SeriesBuilder series(static_cast<size_t>(points));
  KEVOLVE_RETURN_IF_ERROR(
      store.ScanPrograms(ProgramScan{}, [&](const ProgramBrief& p) { series.Add(p); }));
  Json buckets = Json::array();
  for (const Bucket& b : series.buckets()) buckets.push_back(b.ToJson());
  Json steps = Json::array();
  for (const ProgramBrief& step : series.Steps()) {
    // Hidden metrics come from the few programs that set a new best, not from every row.
    KEVOLVE_ASSIGN_OR_RETURN(Program p, store.LoadProgram(step.id));
    Json s = BriefJson(step);
    s["hidden_metrics"] = p.result.hidden_metrics;
    s["metrics"] = p.result.metrics;
    steps.push_back(std::move(s));
  }
  return Json{{"bucket_width", series.width()}, {"buckets", std::move(buckets)},
              {"best_steps", std::move(steps)}};
}

}  // namespace kevolve::serve
