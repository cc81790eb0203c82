#include "cluster/wire.h"

#include <cstdio>

#include "core/files.h"
#include "core/text.h"

namespace kevolve::cluster {
namespace {

template <typename T>
Status ReadMap(const Json& json, const char* key, std::map<std::string, T>& into) {
  if (!json.contains(key)) return Status::Ok();
  const Json& m = json[key];
  if (!m.is_object()) return Status::InvalidArgument(std::string("'") + key + "' is not an object");
  for (const auto& [name, value] : m.items()) {
    if constexpr (std::is_same_v<T, double>) {
      if (!value.is_number()) {
        return Status::InvalidArgument(std::string("'") + key + "." + name + "' is not a number");
      }
    } else {
      if (!value.is_string()) {
        return Status::InvalidArgument(std::string("'") + key + "." + name + "' is not a string");
      }
    }
    into[name] = value.template get<T>();
  }
  return Status::Ok();
}

}  // namespace

RunLayout LayoutFor(const std::string& shared_dir, const std::string& run_id) {
  std::string base = shared_dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return RunLayout{base + "/kevolve-" + run_id};
}

std::string JobName(const std::string& run_id) { return "kevolve-" + run_id; }

std::string EvalKey(const std::string& code, uint64_t seed, int repeats) {
  const std::string text = code + '\0' + std::to_string(seed) + '\0' + std::to_string(repeats);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a64(text)));
  return hex;
}

Json ResultToWire(const EvalResult& r) {
  Json j = EvalResultToJson(r);
  j["combined_score"] = r.combined_score;
  j["failure"] = FailureName(r.failure);
  j["reason"] = r.reason;
  j["device"] = r.device;
  j["device_wait_ms"] = r.device_wait_ms;
  j["device_held_ms"] = r.device_held_ms;
  j["device_held_from"] = r.device_held_from_unix_ms;
  j["device_held_until"] = r.device_held_until_unix_ms;
  return j;
}

Result<EvalResult> ResultFromWire(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("a result is not a JSON object");
  EvalResult r;
  auto need = [&](const char* key, bool ok) -> Status {
    if (!j.contains(key) || !ok) {
      return Status::InvalidArgument(std::string("a result lacks '") + key + "' (or it has the wrong type)");
    }
    return Status::Ok();
  };
  KEVOLVE_RETURN_IF_ERROR(need("valid", j.contains("valid") && j["valid"].is_boolean()));
  KEVOLVE_RETURN_IF_ERROR(
      need("combined_score", j.contains("combined_score") && j["combined_score"].is_number()));
  KEVOLVE_RETURN_IF_ERROR(need("failure", j.contains("failure") && j["failure"].is_string()));
  KEVOLVE_RETURN_IF_ERROR(need("reason", j.contains("reason") && j["reason"].is_string()));
  r.valid = j["valid"].get<bool>();
  r.combined_score = j["combined_score"].get<double>();
  r.failure = FailureFromName(j["failure"].get<std::string>());
  r.reason = j["reason"].get<std::string>();
  KEVOLVE_RETURN_IF_ERROR(ReadMap(j, "metrics", r.metrics));
  KEVOLVE_RETURN_IF_ERROR(ReadMap(j, "features", r.features));
  KEVOLVE_RETURN_IF_ERROR(ReadMap(j, "hidden_metrics", r.hidden_metrics));
  KEVOLVE_RETURN_IF_ERROR(ReadMap(j, "artifacts", r.artifacts));
  r.stages_run = j.value("stages_run", 0);
  r.duration_ms = j.value("duration_ms", int64_t{0});
  r.device = j.value("device", std::string());
  r.device_wait_ms = j.value("device_wait_ms", int64_t{0});
  r.device_held_ms = j.value("device_held_ms", int64_t{0});
  r.device_held_from_unix_ms = j.value("device_held_from", int64_t{0});
  r.device_held_until_unix_ms = j.value("device_held_until", int64_t{0});
  return r;
}

Result<EvalResult> ReadResult(const std::string& job_dir) {
  const std::string path = ResultFile(job_dir);
  if (!PathExists(path)) return Status::NotFound(path + " does not exist yet");
  KEVOLVE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  KEVOLVE_ASSIGN_OR_RETURN(Json json, ParseJson(text));
  auto r = ResultFromWire(json);
  if (!r.ok()) return r.status().WithContext(path);
  return r;
}

std::string TailOfFile(const std::string& path, size_t max_lines) {
  auto text = ReadFile(path);
  if (!text.ok()) return "";
  std::vector<std::string> lines;
  for (const std::string& l : SplitLines(*text)) {
    if (!Trim(l).empty()) lines.push_back(l);
  }
  if (lines.size() > max_lines) lines.erase(lines.begin(), lines.end() - static_cast<long>(max_lines));
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : " | ") + l;
  return Truncate(out, 2000);
}

}  // namespace kevolve::cluster
