#include "eval/cuda_probe.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "eval/isolation_probe.h"

namespace kevolve::eval {
namespace {

// Far from the uid bands of evaluations (100000 and up) and from the other probes'.
constexpr uint32_t kProbeUid = 99'997;
constexpr int64_t kProbeTimeoutMs = 60'000;  // cuInit on a machine of 8 GPUs takes seconds
constexpr char kAnswerKey[] = "\"kevolve_cuda\"";

// The few driver entry points used, as the driver API declares them (CUresult is an int enum,
// CUdevice an int); declared here so that nothing under src/ includes a CUDA header.
using CuInit = int (*)(unsigned int);
using CuDeviceGetCount = int (*)(int*);
using CuDeviceGet = int (*)(int*, int);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDeviceTotalMem = int (*)(size_t*, int);
using CuDeviceGetUuid = int (*)(unsigned char*, int);  // CUuuid: 16 bytes
using CuGetErrorName = int (*)(int, const char**);

template <typename F>
F Symbol(void* library, const char* name) {
  return reinterpret_cast<F>(dlsym(library, name));
}

std::string ErrorText(CuGetErrorName error_name, const char* call, int code) {
  const char* name = nullptr;
  if (error_name != nullptr) error_name(code, &name);
  return std::string(call) + " failed: " + (name != nullptr ? name : "CUDA error") + " (" +
         std::to_string(code) + ")";
}

std::string UuidText(const unsigned char* bytes) {
  char text[64];
  std::snprintf(text, sizeof text,
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14],
                bytes[15]);
  return text;
}

bool IsOrdinal(const std::string& device) {
  return !device.empty() && device.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

CudaSeen LookAtCudaHere() {
  CudaSeen seen;
  void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    seen.error = "no NVIDIA driver here: libcuda.so.1 cannot be loaded (" +
                 std::string(dlerror()) + ")";
    return seen;
  }
  const auto init = Symbol<CuInit>(library, "cuInit");
  const auto count = Symbol<CuDeviceGetCount>(library, "cuDeviceGetCount");
  const auto get = Symbol<CuDeviceGet>(library, "cuDeviceGet");
  const auto name = Symbol<CuDeviceGetName>(library, "cuDeviceGetName");
  const auto memory = Symbol<CuDeviceTotalMem>(library, "cuDeviceTotalMem_v2");
  const auto uuid = Symbol<CuDeviceGetUuid>(library, "cuDeviceGetUuid");
  const auto error_name = Symbol<CuGetErrorName>(library, "cuGetErrorName");
  if (init == nullptr || count == nullptr || get == nullptr || name == nullptr) {
    seen.error = "libcuda.so.1 lacks the driver API's cuInit/cuDeviceGet* entry points";
    return seen;  // the library stays loaded: unloading a driver library is not safe
  }
  if (const int code = init(0); code != 0) {
    seen.error = ErrorText(error_name, "cuInit", code);
    return seen;
  }
  int n = 0;
  if (const int code = count(&n); code != 0) {
    seen.error = ErrorText(error_name, "cuDeviceGetCount", code);
    return seen;
  }
  seen.started = true;
  for (int i = 0; i < n; ++i) {
    int device = 0;
    if (get(&device, i) != 0) continue;
    CudaGpu gpu;
    gpu.index = i;
    char text[256] = {};
    if (name(text, sizeof text - 1, device) == 0) gpu.name = text;
    size_t bytes = 0;
    if (memory != nullptr && memory(&bytes, device) == 0) {
      gpu.memory_mb = static_cast<int64_t>(bytes >> 20);
    }
    unsigned char id[16] = {};
    if (uuid != nullptr && uuid(id, device) == 0) gpu.uuid = UuidText(id);
    seen.gpus.push_back(std::move(gpu));
  }
  return seen;
}

Json CudaSeenToJson(const CudaSeen& seen) {
  Json gpus = Json::array();
  for (const CudaGpu& g : seen.gpus) {
    gpus.push_back(
        {{"index", g.index}, {"name", g.name}, {"uuid", g.uuid}, {"memory_mb", g.memory_mb}});
  }
  return Json{{"kevolve_cuda", 1},
              {"started", seen.started},
              {"error", seen.error},
              {"gpus", std::move(gpus)}};
}

std::string CudaSeenJson(const CudaSeen& seen) { return DumpJson(CudaSeenToJson(seen)); }

Result<CudaSeen> ParseCudaSeen(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(kAnswerKey) == std::string::npos) continue;
    Result<Json> json = ParseJson(line);
    if (!json.ok() || !json->is_object()) continue;
    CudaSeen seen;
    const Json& j = *json;
    if (!j.contains("started") || !j["started"].is_boolean()) continue;
    seen.started = j["started"].get<bool>();
    if (j.contains("error") && j["error"].is_string()) seen.error = j["error"].get<std::string>();
    if (j.contains("gpus") && j["gpus"].is_array()) {
      for (const Json& g : j["gpus"]) {
        if (!g.is_object()) continue;
        CudaGpu gpu;
        gpu.index = g.value("index", 0);
        gpu.name = g.value("name", std::string());
        gpu.uuid = g.value("uuid", std::string());
        gpu.memory_mb = g.value("memory_mb", int64_t{0});
        seen.gpus.push_back(std::move(gpu));
      }
    }
    return seen;
  }
  return Status::InvalidArgument("no CUDA probe answer in: " +
                                 Truncate(std::string(Trim(text)), 300));
}

std::vector<std::string> GpuDeviceNodes() {
  namespace fs = std::filesystem;
  std::vector<std::string> nodes;
  std::error_code ec;
  for (fs::directory_iterator it("/dev", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (StartsWith(name, "nvidia")) nodes.push_back(it->path().string());
  }
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

Result<CudaSeen> LookAtCudaInside(SandboxMode mode, const std::vector<std::string>& probe_argv,
                                  const std::string& visible_devices) {
  SandboxSpec spec;
  spec.argv = probe_argv;
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  if (!visible_devices.empty()) spec.env.push_back("CUDA_VISIBLE_DEVICES=" + visible_devices);
  spec.timeout_ms = kProbeTimeoutMs;
  // kevolve's own probe is trusted: no memory cap (a sanitizer build reserves terabytes of
  // address space for its shadow memory).
  spec.limits.memory_mb = 0;
  spec.mode = mode;
  spec.gpu = true;
  spec.dev_binds = GpuDeviceNodes();
  Result<ProcessOutcome> outcome = RunProbe(std::move(spec), kProbeUid);
  KEVOLVE_RETURN_IF_ERROR(outcome.status());
  Result<CudaSeen> seen = ParseCudaSeen(outcome->stdout_text);
  if (!seen.ok()) {
    return Status::Internal("the CUDA probe gave no answer (exit " +
                            std::to_string(outcome->exit_code) + "): " +
                            Truncate(std::string(Trim(outcome->stderr_text)), 300));
  }
  return seen;
}

Status CheckGpusForEvaluator(const EvaluatorConfig& config, SandboxMode mode,
                             const CudaSeen& seen) {
  const std::string where =
      "inside the sandbox (" + std::string(SandboxModeName(mode)) + " mode)";
  if (!seen.started) {
    std::string fix = "run the task on a GPU machine, or set evaluator.gpu: false";
    if (seen.error.find("libcuda") == std::string::npos) {
      fix = "`kevolve doctor TASK` shows what CUDA says in each sandbox mode; try "
            "evaluator.sandbox: " + std::string(SandboxModeName(mode == SandboxMode::kBwrap
                                                                      ? SandboxMode::kProcess
                                                                      : SandboxMode::kBwrap));
    }
    return Status::FailedPrecondition("evaluator.gpu is true but CUDA does not start " + where +
                                      ": " + seen.error + "; " + fix);
  }
  if (seen.gpus.empty()) {
    return Status::FailedPrecondition("evaluator.gpu is true but CUDA sees no GPU " + where);
  }
  for (size_t i = 0; i < config.devices.size(); ++i) {
    const std::string& device = config.devices[i];
    bool found = false;
    for (const CudaGpu& gpu : seen.gpus) {
      found |= IsOrdinal(device) ? std::to_string(gpu.index) == device
                                 : !gpu.uuid.empty() && StartsWith(gpu.uuid, device);
    }
    // Other forms (MIG instances) are CUDA's to resolve.
    const bool checkable = IsOrdinal(device) || StartsWith(device, "GPU-");
    if (checkable && !found) {
      std::string have;
      for (const CudaGpu& gpu : seen.gpus) {
        have += (have.empty() ? "" : ", ") + std::to_string(gpu.index) + " (" + gpu.name + ")";
      }
      return Status::FailedPrecondition("evaluator.devices[" + std::to_string(i) + "] is '" +
                                        device + "' but CUDA sees " +
                                        std::to_string(seen.gpus.size()) + " GPU(s) " + where +
                                        ": " + have);
    }
  }
  return Status::Ok();
}

}  // namespace kevolve::eval
