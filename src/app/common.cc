#include "app/common.h"

#include <cstdio>

namespace kevolve::app {

int Fail(const Status& status) {
  std::fprintf(stderr, "kevolve: %s\n", status.message().c_str());
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists: return kExitUsage;
    case StatusCode::kFailedPrecondition: return kExitCannotRun;
    case StatusCode::kCancelled: return kExitInterrupted;
    default: return kExitFailed;
  }
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

}  // namespace kevolve::app
