#include "app/common.h"

#include <cstdio>
#include <filesystem>

#include "eval/cuda_probe.h"
#include "eval/evaluator.h"

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

std::vector<std::string> CudaProbeArgv() {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  return {ec ? std::string("kevolve") : self, "doctor", "--cuda-here"};
}

Status CheckGpuEvaluations(const EvaluatorConfig& config) {
  if (!config.gpu) return Status::Ok();
  KEVOLVE_ASSIGN_OR_RETURN(const eval::SandboxMode mode, eval::ResolveSandboxMode(config.sandbox));
  Result<eval::CudaSeen> seen = eval::LookAtCudaInside(mode, CudaProbeArgv());
  if (!seen.ok()) {
    return Status::FailedPrecondition(
        "evaluator.gpu is true but the CUDA probe could not run inside the sandbox: " +
        seen.status().message() + " (`kevolve doctor TASK` says more)");
  }
  return eval::CheckGpusForEvaluator(config, mode, *seen);
}

}  // namespace kevolve::app
