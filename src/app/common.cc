#include "app/common.h"

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "eval/cuda_probe.h"
#include "eval/evaluator.h"
#include "prompt/prompt.h"

namespace kevolve::app {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

}  // namespace

std::atomic<bool>& InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

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

std::vector<std::string> CudaProbeArgv() {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  return {ec ? std::string("kevolve") : self, "doctor", "--cuda-here"};
}

Status CheckProgramLanguage(const std::string& file, const std::string& key,
                            const EvaluatorConfig& config) {
  const std::string given = prompt::LanguageFor(file);
  const std::string expected = prompt::LanguageFor(config.program_filename);
  if (given.empty() || expected.empty() || given == expected) return Status::Ok();
  return Status::InvalidArgument(
      key + " '" + file + "' is " + given + ", but this task's evaluator reads " + expected +
      " (evaluator.program_filename: " + config.program_filename + "): give it a " + expected +
      " program, or set evaluator.program_filename to a name of the language the evaluator "
      "reads");
}

Status CheckGpuEvaluations(const EvaluatorConfig& config) {
  // On Slurm the GPUs are the nodes': the start-up probe job checks there (cluster/node.h).
  if (!config.gpu || config.backend == "slurm") return Status::Ok();
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
