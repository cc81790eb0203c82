// Whether CUDA starts, and which GPUs it sees: in this process (through the driver library,
// loaded at run time: nothing under src/ links or includes CUDA), and inside the sandbox the
// way an `evaluator.gpu` evaluation runs. `kevolve doctor` prints both for each sandbox mode;
// a run of a GPU task refuses to start where CUDA cannot start inside its sandbox, or where
// evaluator.devices names a GPU that is not there (docs/security.md, "GPUs in the sandbox").
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/json.h"
#include "core/status.h"
#include "eval/sandbox.h"

namespace kevolve::eval {

struct CudaGpu {
  int index = 0;        // CUDA ordinal, as CUDA_VISIBLE_DEVICES numbers it
  std::string name;     // "NVIDIA H200"
  std::string uuid;     // "GPU-8f6c...", as CUDA_VISIBLE_DEVICES also accepts
  int64_t memory_mb = 0;
};

struct CudaSeen {
  bool started = false;  // cuInit(0) succeeded
  std::string error;     // why not, when it did not ("" when started)
  std::vector<CudaGpu> gpus;
};

// Loads libcuda.so.1, calls cuInit(0) and lists the GPUs this process sees. Never fails: a
// machine without the driver is `started: false` with the reason. Not thread-safe with other
// CUDA use of this process (it is meant for a process of its own: `kevolve doctor --cuda-here`).
CudaSeen LookAtCudaHere();

// The GPU device nodes of this machine (/dev/nvidia*), sorted: what a GPU evaluation is given.
std::vector<std::string> GpuDeviceNodes();

// As JSON; as one JSON line, and back. ParseCudaSeen: InvalidArgument when `text` holds no
// such line.
Json CudaSeenToJson(const CudaSeen& seen);
std::string CudaSeenJson(const CudaSeen& seen);
Result<CudaSeen> ParseCudaSeen(const std::string& text);

// Runs `probe_argv` (a program that prints CudaSeenJson of LookAtCudaHere, normally kevolve's own
// `doctor --cuda-here`, by absolute path) inside the sandbox in `mode` as an `evaluator.gpu`
// evaluation runs: GPU device nodes passed in, as an unprivileged uid where this process can
// switch uids, `visible_devices` as CUDA_VISIBLE_DEVICES (empty: unset). Takes up to a few
// seconds (cuInit). Errors: those of RunSandboxed, Internal when the probe printed no answer.
Result<CudaSeen> LookAtCudaInside(SandboxMode mode, const std::vector<std::string>& probe_argv,
                                  const std::string& visible_devices = "");

// Whether an evaluator config that asks for GPUs (evaluator.gpu) can have them here, given what
// the probe saw inside its sandbox: FailedPrecondition naming the sandbox mode, what CUDA said
// and what to do when CUDA did not start, or when an entry of evaluator.devices names a GPU
// that is not there (an ordinal past the count, or an unknown UUID). OK otherwise.
Status CheckGpusForEvaluator(const EvaluatorConfig& config, SandboxMode mode,
                             const CudaSeen& seen);

}  // namespace kevolve::eval
