#include "core/json.h"

namespace kevolve {

Result<Json> ParseJson(std::string_view text) {
  // This is the edge where outside text enters: the parser's exception is turned into a Status
  // here and goes no further.
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    return Status::InvalidArgument(std::string("not valid JSON: ") + e.what());
  }
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Json EvalResultToJson(const EvalResult& r) {
  Json j{{"valid", r.valid},
         {"combined_score", r.valid ? Json(r.combined_score) : Json(nullptr)},
         {"metrics", r.metrics},
         {"features", r.features},
         {"hidden_metrics", r.hidden_metrics},
         {"artifacts", r.artifacts},
         {"stages_run", r.stages_run},
         {"duration_ms", r.duration_ms}};
  if (!r.valid) {
    j["failure"] = FailureName(r.failure);
    j["reason"] = r.reason;
  }
  return j;
}

}  // namespace kevolve
