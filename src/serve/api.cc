#include "serve/api.h"

#include <charconv>
#include <exception>
#include <functional>
#include <optional>
#include <vector>

#include "core/json.h"
#include "serve/endpoints.h"
#include "store/store.h"

namespace kevolve::serve {
namespace {

ApiResponse Error(int status, const std::string& message) {
  return {status, DumpJson(Json{{"error", message}})};
}

ApiResponse FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return Error(400, s.message());
    case StatusCode::kNotFound: return Error(404, s.message());
    default: return Error(500, s.message());
  }
}

Result<int64_t> ParseInt(const std::string& text, const std::string& what) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(what + " must be a whole number, not '" + text + "'");
  }
  return value;
}

// The query parameter `name` in [min, max], or `fallback` when absent.
Result<int64_t> IntParam(const ApiRequest& r, const std::string& name, int64_t fallback,
                         int64_t min, int64_t max) {
  auto it = r.query.find(name);
  if (it == r.query.end()) return fallback;
  KEVOLVE_ASSIGN_OR_RETURN(int64_t value, ParseInt(it->second, name));
  if (value < min || value > max) {
    return Status::InvalidArgument(name + " must be between " + std::to_string(min) + " and " +
                                   std::to_string(max));
  }
  return value;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

Result<Json> Page(const ApiRequest& r, int64_t default_limit,
                  const std::function<Result<Json>(int64_t, int64_t)>& read) {
  KEVOLVE_ASSIGN_OR_RETURN(int64_t offset, IntParam(r, "offset", 0, 0, INT64_MAX / 2));
  KEVOLVE_ASSIGN_OR_RETURN(int64_t limit, IntParam(r, "limit", default_limit, 1, kMaxPageRows));
  return read(offset, limit);
}

// Runs `make` on the run's digest, brought up to date, and returns what it made.
Result<Json> FromDigest(DigestCache& digests, const RunEntry& run, const Store& store,
                        const std::function<Result<Json>(const RunDigest&)>& make) {
  Json out;
  KEVOLVE_RETURN_IF_ERROR(digests.WithDigest(run, store, [&](const RunDigest& d) -> Status {
    KEVOLVE_ASSIGN_OR_RETURN(out, make(d));
    return Status::Ok();
  }));
  return out;
}

// The endpoints below /api/runs/R/: `rest` is what follows R.
Result<Json> RunEndpoint(DigestCache& digests, const RunEntry& run, const Store& store,
                         const std::vector<std::string>& rest, const ApiRequest& r,
                         int64_t now_unix_ms) {
  const std::string& what = rest[0];
  if (rest.size() == 1) {
    if (what == "summary") {
      return FromDigest(digests, run, store,
                        [&](const RunDigest& d) { return SummaryJson(run, store, d, now_unix_ms); });
    }
    if (what == "series") {
      KEVOLVE_ASSIGN_OR_RETURN(int64_t points, IntParam(r, "points", 400, 2, kMaxSeriesPoints));
      return FromDigest(digests, run, store,
                        [&](const RunDigest& d) { return SeriesJson(store, d, points); });
    }
    if (what == "programs") {
      auto order = r.query.count("order") ? r.query.at("order") : "id";
      if (order != "id" && order != "score") {
        return Status::InvalidArgument("order must be id or score");
      }
      return Page(r, 100, [&](int64_t offset, int64_t limit) {
        return FromDigest(digests, run, store, [&](const RunDigest& d) {
          return ProgramsPageJson(
              store, d, order == "id" ? ProgramOrder::kId : ProgramOrder::kScoreDescending,
              offset, limit);
        });
      });
    }
    if (what == "islands") {
      Json out;
      KEVOLVE_RETURN_IF_ERROR(digests.WithGrid(run, store, [&](const GridDigest& g) -> Status {
        KEVOLVE_ASSIGN_OR_RETURN(out, IslandsJson(store, g));
        return Status::Ok();
      }));
      return out;
    }
    if (what == "llm") {
      return Page(r, 100, [&](int64_t o, int64_t l) { return LlmJson(store, o, l); });
    }
  } else if (rest.size() == 2 && (what == "programs" || what == "lineage")) {
    KEVOLVE_ASSIGN_OR_RETURN(int64_t id, ParseInt(rest[1], "the program id"));
    if (what == "programs") return ProgramJson(store, id);
    KEVOLVE_ASSIGN_OR_RETURN(int64_t depth, IntParam(r, "depth", 200, 1, kMaxAncestry));
    return FromDigest(digests, run, store,
                      [&](const RunDigest& d) { return LineageJson(store, d, id, depth); });
  }
  return Status::NotFound("no such endpoint");
}

Result<Json> RunsJson(RunCatalog& catalog, DigestCache& digests, int64_t now_unix_ms) {
  catalog.Rescan();
  Json runs = Json::array();
  for (const RunEntry& run : catalog.Runs()) {
    auto store = Store::Open(run.db(), Store::Mode::kReadOnly);
    auto row = store.ok() ? FromDigest(digests, run, **store,
                                       [&](const RunDigest& d) {
                                         return RunRowJson(run, **store, d, now_unix_ms);
                                       })
                          : Result<Json>(store.status());
    // One unreadable run (being created, damaged) must not hide the others.
    runs.push_back(row.ok() ? *row : Json{{"name", run.name}, {"error", row.status().message()}});
  }
  return Json{{"runs", std::move(runs)}};
}

Result<Json> Route(RunCatalog& catalog, DigestCache& digests, const ApiRequest& r,
                   int64_t now_unix_ms) {
  const std::vector<std::string> parts = SplitPath(r.path);
  if (parts.size() < 2 || parts[0] != "api" || parts[1] != "runs") {
    return Status::NotFound("no such endpoint: " + r.path);
  }
  if (parts.size() == 2) return RunsJson(catalog, digests, now_unix_ms);
  if (parts.size() < 4) return Status::NotFound("no such endpoint: " + r.path);
  std::optional<RunEntry> run = catalog.Find(parts[2]);
  if (!run) return Status::NotFound("no run named '" + parts[2] + "'");
  KEVOLVE_ASSIGN_OR_RETURN(auto store, Store::Open(run->db(), Store::Mode::kReadOnly));
  return RunEndpoint(digests, *run, *store, {parts.begin() + 3, parts.end()}, r, now_unix_ms);
}

}  // namespace

ApiResponse Api::Handle(const ApiRequest& request) {
  // The HTTP edge: nothing below may throw past here (a std::bad_alloc, a JSON type error).
  try {
    auto json = Route(catalog_, digests_, request, clock_.UnixMs());
    if (!json.ok()) return FromStatus(json.status());
    return {200, DumpJson(*json)};
  } catch (const std::exception& e) {
    return Error(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return Error(500, "internal error");
  }
}

}  // namespace kevolve::serve
