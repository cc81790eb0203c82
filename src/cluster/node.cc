#include "cluster/node.h"

#include <unistd.h>

#include <filesystem>

#include "cluster/wire.h"
#include "config/load.h"
#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "eval/cuda_probe.h"
#include "eval/evaluator.h"

namespace kevolve::cluster {
namespace {

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "?";
  return host;
}

Result<Config> LoadRunConfig(const std::string& run_dir) {
  const std::string path = RunFile(run_dir);
  KEVOLVE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  KEVOLVE_ASSIGN_OR_RETURN(Json json, ParseJson(text));
  if (!json.is_object() || !json.value("config_yaml", Json()).is_string() ||
      !json.value("task_dir", Json()).is_string()) {
    return Status::Internal(path + " is not what kevolve writes");
  }
  return ParseConfig(json["config_yaml"].get<std::string>(), path,
                     json["task_dir"].get<std::string>());
}

// The GPUs Slurm gave this job (gres), which exclusive and shared stages use as
// evaluator.devices would be used locally.
std::vector<std::string> JobDevices() {
  const char* v = std::getenv("CUDA_VISIBLE_DEVICES");
  std::vector<std::string> devices;
  if (v == nullptr) return devices;
  std::string item;
  for (const char* p = v;; ++p) {
    if (*p == ',' || *p == '\0') {
      if (!item.empty()) devices.push_back(item);
      item.clear();
      if (*p == '\0') break;
    } else {
      item += *p;
    }
  }
  return devices;
}

Result<std::unique_ptr<eval::Evaluator>> NodeEvaluator(const Config& config,
                                                       const std::string& scratch_root) {
  EvaluatorConfig e = config.evaluator;
  e.workers = 1;
  e.devices = JobDevices();
  e.backend = "local";
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(scratch_root));
  std::error_code ec;
  std::filesystem::permissions(scratch_root, std::filesystem::perms(0755), ec);
  return eval::Evaluator::Create(e, eval::EvaluatorOptions{config.task.dir, scratch_root});
}

// What `kevolve run` checks locally for evaluator.gpu tasks, made here on the node, with the
// GPUs of this job: that CUDA starts inside the sandbox evaluations get.
Status CheckCudaHere(const eval::Evaluator& evaluator) {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Status::Internal("cannot find this kevolve binary: " + ec.message());
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  auto seen = eval::LookAtCudaInside(evaluator.mode(), {self, "doctor", "--cuda-here"},
                                     visible == nullptr ? "" : visible);
  if (!seen.ok()) {
    return Status::FailedPrecondition(
        "evaluator.gpu is true but the CUDA probe could not run inside the sandbox: " +
        seen.status().message());
  }
  return eval::CheckGpusForEvaluator(evaluator.config(), evaluator.mode(), *seen);
}

EvalResult NodeFailure(const std::string& what) {
  EvalResult r;
  r.failure = Failure::kSandbox;
  r.reason = "on node " + HostName() + ": " + what;
  return r;
}

}  // namespace

std::string RunFile(const std::string& run_dir) { return run_dir + "/run.json"; }

Status RunNodeJob(const std::string& run_dir, const std::string& key,
                  const std::atomic<bool>* cancel) {
  const std::string job_dir = RunLayout{run_dir}.job(key);
  if (!PathExists(job_dir)) {
    return Status::NotFound("the job folder " + job_dir +
                            " is not visible on this node; is evaluator.slurm.shared_dir on a "
                            "file system the nodes share, at the same path?");
  }
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(
      StartedFile(job_dir),
      DumpJson(Json{{"host", HostName()}, {"pid", static_cast<int64_t>(getpid())}}) + "\n"));
  EvalResult result;
  auto config = LoadRunConfig(run_dir);
  auto code = ReadFile(ProgramFile(job_dir));
  auto request = ReadFile(RequestFile(job_dir));
  Result<Json> req = request.ok() ? ParseJson(*request) : Result<Json>(request.status());
  if (!config.ok()) {
    result = NodeFailure(config.status().ToString());
  } else if (!code.ok()) {
    result = NodeFailure(code.status().ToString());
  } else if (!req.ok() || !req->is_object() || !req->value("seed", Json()).is_number_unsigned() ||
             !req->value("repeats", Json()).is_number_integer()) {
    result = NodeFailure("the request file " + RequestFile(job_dir) + " is not what kevolve writes");
  } else {
    auto evaluator = NodeEvaluator(*config, job_dir + "/scratch");
    if (!evaluator.ok()) {
      result = NodeFailure(evaluator.status().ToString());
    } else {
      result = (*evaluator)->Evaluate(*code, (*req)["seed"].get<uint64_t>(), /*slot=*/0, cancel,
                                      (*req)["repeats"].get<int>());
    }
  }
  (void)RemoveTree(job_dir + "/scratch");
  if (cancel != nullptr && cancel->load()) {
    return Status::Cancelled("the job was cancelled; no result written");
  }
  return WriteFileAtomic(ResultFile(job_dir), DumpJson(ResultToWire(result)) + "\n");
}

Status RunNodeProbe(const std::string& run_dir) {
  const std::string probe_dir = RunLayout{run_dir}.probe_dir();
  if (!PathExists(probe_dir)) {
    return Status::NotFound("the folder " + probe_dir +
                            " is not visible on this node; is evaluator.slurm.shared_dir on a "
                            "file system the nodes share, at the same path?");
  }
  Json answer = {{"host", HostName()}};
  auto config = LoadRunConfig(run_dir);
  Status s = config.status();
  if (s.ok() && !PathExists(config->task.dir)) {
    s = Status::NotFound("the task folder " + config->task.dir + " is not visible on this node");
  }
  if (s.ok()) {
    auto evaluator = NodeEvaluator(*config, probe_dir + "/scratch");
    s = evaluator.status();
    if (s.ok()) {
      answer["sandbox"] = eval::SandboxModeName((*evaluator)->mode());
      if (config->evaluator.gpu) s = CheckCudaHere(**evaluator);
    }
  }
  (void)RemoveTree(probe_dir + "/scratch");
  answer["ok"] = s.ok();
  if (!s.ok()) answer["error"] = s.ToString();
  const char* gpus = std::getenv("CUDA_VISIBLE_DEVICES");
  answer["cuda_visible_devices"] = gpus == nullptr ? "" : gpus;
  return WriteFileAtomic(probe_dir + "/answer.json", DumpJson(answer) + "\n");
}

}  // namespace kevolve::cluster
