#include "eval/evaluator.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <utility>

#include "core/files.h"
#include "core/log.h"
#include "core/text.h"
#include "eval/cuda_probe.h"
#include "eval/protocol.h"
#include "eval/sandbox_internal.h"

namespace kevolve::eval {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kUidFloor = 100'000;
constexpr uint32_t kSlotsPerProcess = 64;
constexpr uint32_t kProcessBands = 20'000;
constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";

// Replaces {name} for every name in `values`; other text is left alone.
std::string Substitute(const std::string& word, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t at = 0;
  while (at < word.size()) {
    const size_t open = word.find('{', at);
    if (open == std::string::npos) break;
    const size_t close = word.find('}', open);
    if (close == std::string::npos) break;
    const auto it = values.find(word.substr(open + 1, close - open - 1));
    out += word.substr(at, open - at);
    if (it != values.end()) {
      out += it->second;
      at = close + 1;
    } else {
      out += '{';
      at = open + 1;
    }
  }
  out += word.substr(std::min(at, word.size()));
  return out;
}

// What Evaluator::Create needs of its config to run at all (REQUIRES in evaluator.h). The user's
// config never fails here: ValidateConfig (config/load.h) refuses, with the key and the fix,
// every config that would; this only keeps a caller that skipped it from a crash, a hang or a
// file written outside the scratch folder.
Status CheckCreatePreconditions(const EvaluatorConfig& config) {
  auto violated = [](const std::string& what) {
    return Status::InvalidArgument("Evaluator::Create precondition violated: " + what +
                                   " (ValidateConfig refuses such a config)");
  };
  if (config.command.empty() || config.command[0].empty()) return violated("no command");
  if (!(config.timeout_seconds > 0)) return violated("timeout_seconds is not positive");
  const std::string& file = config.program_filename;
  if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos) {
    return violated("program_filename '" + file + "' is not a plain name");
  }
  for (const StageConfig& stage : config.stages) {
    if (stage.device == "exclusive" && config.devices.empty()) {
      return violated("an exclusive stage without evaluator.devices");
    }
  }
  return Status::Ok();
}

}  // namespace

SandboxChoice ChooseSandboxMode(SandboxSetting setting, const SandboxCapabilities& caps) {
  SandboxChoice c;
  c.why = "evaluator.sandbox is '" + std::string(WordOf(setting)) + "'";
  switch (setting) {
    case SandboxSetting::kProcess:
      break;
    case SandboxSetting::kAuto:
      if (caps.bwrap) {
        c.mode = SandboxMode::kBwrap;
        c.why += " and a probe run under bwrap worked";
      } else {
        c.why += " and bwrap cannot run here (" + caps.bwrap_problem + ")";
      }
      break;
    case SandboxSetting::kBwrap:
      if (caps.bwrap) {
        c.mode = SandboxMode::kBwrap;
      } else {  // the mode stays process: what doctor can still look at
        c.problem = Status::FailedPrecondition(
            "evaluator.sandbox is 'bwrap' but bwrap cannot run here: " + caps.bwrap_problem +
            " (use 'auto' or 'process')");
      }
      break;
  }
  return c;
}

Result<SandboxMode> ResolveSandboxMode(SandboxSetting setting) {
  // Naming process mode needs no probe of the machine.
  if (setting == SandboxSetting::kProcess) return SandboxMode::kProcess;
  const SandboxChoice c = ChooseSandboxMode(setting, DetectSandbox());
  if (!c.problem.ok()) return c.problem;
  return c.mode;
}

namespace {

// Checks that the first command word names something that exists, when it can be known now.
Status CheckCommandExists(const EvaluatorConfig& config, const std::string& task_dir,
                          const std::map<std::string, std::string>& inherited) {
  const std::string first = Substitute(config.command[0], {{"task", task_dir}});
  if (first.find('{') != std::string::npos) return Status::Ok();  // e.g. {program} itself
  if (first.find('/') == std::string::npos) {
    const auto path = config.env.count("PATH") ? config.env.at("PATH")
                      : inherited.count("PATH") ? inherited.at("PATH")
                                                : std::string(kDefaultPath);
    if (internal::FindOnPath(first, path).empty()) {
      return Status::NotFound("evaluator command '" + first + "' was not found on PATH=" + path);
    }
    return Status::Ok();
  }
  const std::string resolved = first[0] == '/' ? first : (fs::path(task_dir) / first).string();
  if (!PathExists(resolved)) {
    return Status::NotFound("evaluator command '" + config.command[0] + "' does not exist (looked for " +
                            resolved + ")");
  }
  return Status::Ok();
}

// As root, evaluations run as unprivileged uids of their own: every folder above `path` must be
// searchable by others, and `path` itself readable too (both modes: bwrap binds the task at its
// own path, so its own permissions still apply). FailedPrecondition names the folder that stops
// them and the fix.
Status CheckReachableByOthers(const std::string& path, const std::string& what) {
  fs::path at = fs::path(path).lexically_normal();
  const auto mode_of = [](const fs::path& p) -> std::optional<mode_t> {
    struct stat st = {};
    if (stat(p.c_str(), &st) != 0) return std::nullopt;
    return st.st_mode;
  };
  const std::optional<mode_t> own = mode_of(at);
  if (own && (*own & S_IROTH) == 0) {
    return Status::FailedPrecondition(
        what + " '" + path + "' is not readable by others, and evaluations run as unprivileged "
        "uids of their own when kevolve runs as root; chmod o+rX it (and what is in it)");
  }
  for (fs::path parent = at.parent_path(); !parent.empty() && parent != parent.root_path();
       parent = parent.parent_path()) {
    const std::optional<mode_t> mode = mode_of(parent);
    if (mode && (*mode & S_IXOTH) == 0) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(*mode & 07777));
      return Status::FailedPrecondition(
          what + " '" + path + "' is below '" + parent.string() + "' (mode " + octal +
          "), which others cannot enter, and evaluations run as unprivileged uids of their own "
          "when kevolve runs as root: move the checkout or task where others can read it (for "
          "example /opt or /srv), or chmod o+x '" + parent.string() + "'");
    }
  }
  return Status::Ok();
}

// evaluator.read_paths as absolute paths (relative ones against the task folder); each must
// exist, so that a typo is a config error and not an evaluator that cannot find its data.
Result<std::vector<std::string>> ResolveReadPaths(const std::vector<std::string>& paths,
                                                  const std::string& task_dir) {
  std::vector<std::string> resolved;
  for (size_t i = 0; i < paths.size(); ++i) {
    const fs::path path = paths[i].empty() || paths[i][0] == '/'
                              ? fs::path(paths[i])
                              : fs::path(task_dir) / paths[i];
    const std::string absolute = path.lexically_normal().string();
    if (paths[i].empty() || !PathExists(absolute)) {
      return Status::NotFound("evaluator.read_paths[" + std::to_string(i) + "] '" + paths[i] +
                              "' does not exist (looked for " + absolute + ")");
    }
    resolved.push_back(absolute);
  }
  return resolved;
}

// Makes every folder below `path` writable and searchable, so a candidate that chmod-ed its
// files cannot make the scratch folder stick (matters when not root).
void MakeRemovable(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  if (ec || status.type() != fs::file_type::directory) return;
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    MakeRemovable(it->path());
  }
}

// Removes an evaluation's scratch folder when the evaluation ends, however it ends.
class ScratchFolder {
 public:
  explicit ScratchFolder(std::string path) : path_(std::move(path)) {}
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  ~ScratchFolder() {
    if (RemoveTree(path_).ok()) return;
    MakeRemovable(path_);
    const Status removed = RemoveTree(path_);
    if (!removed.ok()) log::Warn("scratch folder left behind: {}", removed.message());
  }

 private:
  std::string path_;
};

EvalResult SandboxFailure(const std::string& reason) {
  EvalResult r;
  r.valid = false;
  r.failure = Failure::kSandbox;
  r.reason = reason;
  return r;
}

template <typename Map>
void MergeInto(Map& into, Map from) {
  for (auto& [key, value] : from) into.insert_or_assign(key, std::move(value));
}

// `kevolve-tools` beside the running executable, or "" when there is none. Only that folder is
// shown to evaluations, never the executable's own folder (a build or test folder may hold
// anything).
std::string DefaultToolsDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path tools = exe.parent_path() / "kevolve-tools";
  return fs::is_directory(tools, ec) ? tools.string() : "";
}

// The slot agent for `options`, or "" when there is none to run.
std::string FindSlotAgent(const EvaluatorOptions& options) {
  std::vector<std::string> candidates;
  if (!options.slot_agent.empty()) candidates.push_back(options.slot_agent);
  if (!options.tools_dir.empty()) candidates.push_back(options.tools_dir + "/kevolve-slot");
#ifdef KEVOLVE_SLOT_AGENT_BUILD_PATH
  candidates.push_back(KEVOLVE_SLOT_AGENT_BUILD_PATH);
#endif
  for (const std::string& path : candidates) {
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

std::string FormatScore(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

}  // namespace

Result<std::unique_ptr<Evaluator>> Evaluator::Create(const EvaluatorConfig& config,
                                                     EvaluatorOptions options) {
  KEVOLVE_RETURN_IF_ERROR(CheckCreatePreconditions(config));
  if (options.task_dir.empty() || !fs::is_directory(options.task_dir)) {
    return Status::NotFound("task folder '" + options.task_dir + "' does not exist");
  }
  if (options.scratch_root.empty()) {
    return Status::InvalidArgument("evaluator: no scratch root given");
  }
  options.task_dir = AbsolutePath(options.task_dir);
  options.scratch_root = AbsolutePath(options.scratch_root);
  if (options.tools_dir.empty()) options.tools_dir = DefaultToolsDir();
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(options.scratch_root));
  if (options.uid_base == 0) {
    options.uid_base = kUidFloor + static_cast<uint32_t>(getpid()) % kProcessBands * kSlotsPerProcess;
  }
  KEVOLVE_ASSIGN_OR_RETURN(const SandboxMode mode, ResolveSandboxMode(config.sandbox));
  if (internal::ProbeNamespaces().can_switch_uid) {
    // The slot uids must be able to pass through to their own folders.
    std::error_code ec;
    fs::permissions(options.scratch_root, fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add, ec);
  }
  std::map<std::string, std::string> inherited;
  for (const std::string& name : config.env_allow) {
    if (const char* value = std::getenv(name.c_str())) inherited[name] = value;
  }
  KEVOLVE_RETURN_IF_ERROR(CheckCommandExists(config, options.task_dir, inherited));
  KEVOLVE_ASSIGN_OR_RETURN(std::vector<std::string> read_paths,
                           ResolveReadPaths(config.read_paths, options.task_dir));
  if (internal::ProbeNamespaces().can_switch_uid) {
    KEVOLVE_RETURN_IF_ERROR(CheckReachableByOthers(options.task_dir, "the task folder"));
    for (const std::string& path : read_paths) {
      KEVOLVE_RETURN_IF_ERROR(CheckReachableByOthers(path, "evaluator.read_paths entry"));
    }
  }
  std::vector<std::string> gpu_nodes = config.gpu ? GpuDeviceNodes() : std::vector<std::string>{};
  std::vector<std::string> ro_binds = {options.task_dir};
  ro_binds.insert(ro_binds.end(), read_paths.begin(), read_paths.end());
  const auto& system = internal::SystemFolders();
  if (!options.tools_dir.empty() &&
      std::none_of(system.begin(), system.end(), [&](const std::string& folder) {
        return internal::IsUnder(options.tools_dir, folder);
      })) {
    ro_binds.push_back(options.tools_dir);
  }
  const std::string slot_agent =
      options.persistent_slots && SlotSandbox::Supported(mode, config.gpu) ? FindSlotAgent(options)
                                                                           : "";
  auto evaluator = std::unique_ptr<Evaluator>(new Evaluator(
      config, std::move(options), mode, std::move(inherited), std::move(gpu_nodes),
      std::move(ro_binds)));
  evaluator->slot_agent_ = slot_agent;
  const bool exclusive = std::any_of(config.stages.begin(), config.stages.end(),
                                     [](const StageConfig& s) { return s.device == "exclusive"; });
  if (exclusive) evaluator->leases_ = std::make_unique<DeviceLeases>(config.devices);
  return evaluator;
}

Evaluator::Evaluator(EvaluatorConfig config, EvaluatorOptions options, SandboxMode mode,
                     std::map<std::string, std::string> inherited,
                     std::vector<std::string> gpu_nodes, std::vector<std::string> ro_binds)
    : config_(std::move(config)),
      options_(std::move(options)),
      mode_(mode),
      inherited_(std::move(inherited)),
      gpu_nodes_(std::move(gpu_nodes)),
      ro_binds_(std::move(ro_binds)) {}

std::optional<uint32_t> Evaluator::SlotUid(int slot) const {
  if (!internal::ProbeNamespaces().can_switch_uid) return std::nullopt;
  return options_.uid_base + static_cast<uint32_t>(std::max(slot, 0)) % kSlotsPerProcess;
}

int Evaluator::StageCount() const {
  return config_.stages.empty() ? 1 : static_cast<int>(config_.stages.size());
}

std::string Evaluator::StageName(int stage) const {
  if (!config_.stages.empty() && !config_.stages[stage - 1].name.empty()) {
    return config_.stages[stage - 1].name;
  }
  return "stage" + std::to_string(stage);
}

std::string Evaluator::StageDevice(int stage) const {
  return config_.stages.empty() ? "shared" : config_.stages[stage - 1].device;
}

std::vector<DeviceUse> Evaluator::DeviceUsage() const {
  return leases_ ? leases_->Usage() : std::vector<DeviceUse>{};
}

int Evaluator::RepeatCount(int repeats) const {
  return repeats > 0 ? repeats : config_.repeats.initial;
}

std::vector<std::string> Evaluator::Command(int stage, const std::string& workdir, uint64_t seed,
                                            int repeats) const {
  const std::map<std::string, std::string> values = {
      {"program", (fs::path(workdir) / config_.program_filename).string()},
      {"workdir", workdir},
      {"stage", std::to_string(stage)},
      {"seed", std::to_string(seed)},
      {"task", options_.task_dir},
      {"repeats", std::to_string(RepeatCount(repeats))}};
  std::vector<std::string> argv;
  for (const std::string& word : config_.command) argv.push_back(Substitute(word, values));
  // A relative first word with a folder in it belongs to the task; a bare name is a program on
  // PATH, the way a shell would read it.
  if (argv[0].find('/') != std::string::npos && argv[0][0] != '/') {
    argv[0] = (fs::path(options_.task_dir) / argv[0]).lexically_normal().string();
  }
  return argv;
}

std::vector<std::string> Evaluator::Environment(int stage, const std::string& workdir,
                                                uint64_t seed, int slot, int repeats,
                                                const std::string& held_device) const {
  std::map<std::string, std::string> vars = inherited_;
  vars["HOME"] = workdir;
  vars["TMPDIR"] = workdir;
  for (const auto& [name, value] : config_.env) vars[name] = value;
  vars["KEVOLVE_PROTOCOL"] = std::to_string(kProtocolVersion);
  vars["KEVOLVE_STAGE"] = std::to_string(stage);
  vars["KEVOLVE_STAGE_NAME"] = StageName(stage);
  vars["KEVOLVE_SEED"] = std::to_string(seed);
  vars["KEVOLVE_WORKDIR"] = workdir;
  vars["KEVOLVE_PROGRAM"] = (fs::path(workdir) / config_.program_filename).string();
  vars["KEVOLVE_TASK_DIR"] = options_.task_dir;
  if (!options_.tools_dir.empty()) vars["KEVOLVE_TOOLS"] = options_.tools_dir;
  if (RepeatCount(repeats) > 0) vars["KEVOLVE_REPEATS"] = std::to_string(RepeatCount(repeats));
  // What contains this evaluation, so an evaluator can tell whether `kill -KILL -1` reaches
  // only the processes its candidate left (docs/security.md, "Forged results").
  vars["KEVOLVE_SANDBOX"] = SandboxModeName(mode_);
  vars["KEVOLVE_CONTAINMENT"] = ContainmentName(DetectSandbox().containment);
  const std::string device = StageDevice(stage);
  if (device == "exclusive") {
    vars["CUDA_VISIBLE_DEVICES"] = held_device;
  } else if (device == "none") {
    vars["CUDA_VISIBLE_DEVICES"] = "";  // CUDA sees no device
  } else if (!config_.devices.empty()) {
    const size_t index = static_cast<size_t>(std::max(slot, 0)) % config_.devices.size();
    vars["CUDA_VISIBLE_DEVICES"] = config_.devices[index];
  }
  std::vector<std::string> env;
  env.reserve(vars.size());
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  return env;
}

SandboxSpec Evaluator::StageSpec(int stage, const std::string& workdir, uint64_t seed, int slot,
                                 const std::atomic<bool>* cancel, int repeats,
                                 const std::string& held_device) const {
  SandboxSpec spec;
  spec.argv = Command(stage, workdir, seed, repeats);
  spec.workdir = workdir;
  spec.env = Environment(stage, workdir, seed, slot, repeats, held_device);
  double timeout_seconds = config_.timeout_seconds;
  if (!config_.stages.empty() && config_.stages[stage - 1].timeout_seconds > 0) {
    timeout_seconds = config_.stages[stage - 1].timeout_seconds;
  }
  spec.timeout_ms = std::max<int64_t>(1, std::llround(timeout_seconds * 1000.0));
  spec.grace_ms = std::llround(config_.grace_seconds * 1000.0);
  spec.limits = config_.limits;
  spec.gpu = config_.gpu;
  spec.run_as_uid = SlotUid(slot);
  spec.mode = mode_;
  spec.ro_binds = ro_binds_;
  spec.dev_binds = gpu_nodes_;
  spec.cancel = cancel;
  // kevolve's Python host in a slot: the evaluator is imported once per slot, a process forked
  // per candidate (docs/openevolve.md).
  spec.fork_server = persistent_slots() && config_.command.size() == 6 &&
                     EndsWith(config_.command[1], "/kevolve_pyeval.py");
  return spec;
}

Status Evaluator::PrepareScratch(const std::string& workdir, const std::string& code,
                                 int slot) const {
  const std::string program = (fs::path(workdir) / config_.program_filename).string();
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(program, code));
  std::error_code ec;
  fs::permissions(program, fs::perms::owner_read | fs::perms::owner_write |
                               fs::perms::group_read | fs::perms::others_read, ec);
  if (const std::optional<uint32_t> uid = SlotUid(slot)) {
    // The evaluator may write in its folder (build outputs), nowhere else.
    if (chown(workdir.c_str(), *uid, *uid) != 0 || chown(program.c_str(), *uid, *uid) != 0) {
      return Status::Unavailable("cannot hand the scratch folder '" + workdir + "' to uid " +
                                 std::to_string(*uid));
    }
  }
  return Status::Ok();
}

bool Evaluator::MergeStage(int stage, EvalResult stage_result, EvalResult* total) const {
  // Score samples belong to the score that stands: a valid later stage replaces the score, so
  // samples an earlier stage took of its own score go with it.
  if (stage_result.valid) total->artifacts.erase(kScoreSamplesKey);
  MergeInto(total->metrics, std::move(stage_result.metrics));
  MergeInto(total->features, std::move(stage_result.features));
  MergeInto(total->hidden_metrics, std::move(stage_result.hidden_metrics));
  MergeInto(total->artifacts, std::move(stage_result.artifacts));
  total->stages_run = stage;
  const int count = StageCount();
  const std::string label =
      count > 1 ? "stage " + std::to_string(stage) + " (" + StageName(stage) + "): " : "";
  if (!stage_result.valid) {
    total->valid = false;
    total->combined_score = 0;
    total->failure = stage_result.failure;
    total->reason = label + stage_result.reason;
    return true;
  }
  total->valid = true;
  total->combined_score = stage_result.combined_score;
  total->failure = Failure::kNone;
  total->reason.clear();
  if (stage < count && stage_result.combined_score < config_.stages[stage - 1].threshold) {
    total->failure = Failure::kStageThreshold;
    total->reason = label + "scored " + FormatScore(stage_result.combined_score) +
                    ", below its threshold " + FormatScore(config_.stages[stage - 1].threshold) +
                    "; later stages did not run";
    return true;
  }
  return stage == count;
}

EvalResult Evaluator::RunStages(const std::string& code, uint64_t seed, int slot,
                                const std::atomic<bool>* cancel, int repeats) const {
  Result<std::string> workdir = MakeTempDir(options_.scratch_root, "eval-");
  if (!workdir.ok()) return SandboxFailure(workdir.status().message());
  const ScratchFolder scratch(*workdir);
  const Status prepared = PrepareScratch(*workdir, code, slot);
  if (!prepared.ok()) return SandboxFailure(prepared.message());
  EvalResult total;
  for (int stage = 1; stage <= StageCount(); ++stage) {
    EvalResult stage_result = RunStage(stage, *workdir, seed, slot, cancel, repeats, &total);
    if (MergeStage(stage, std::move(stage_result), &total)) break;
  }
  return total;
}

EvalResult Evaluator::RunStage(int stage, const std::string& workdir, uint64_t seed, int slot,
                               const std::atomic<bool>* cancel, int repeats,
                               EvalResult* total) const {
  std::optional<DeviceLeases::Lease> lease;
  if (StageDevice(stage) == "exclusive") {
    // The wait comes before the sandbox starts its clock: a queue for the GPU is not the
    // candidate's time.
    lease = leases_->Acquire(static_cast<size_t>(std::max(slot, 0)), cancel);
    if (!lease) return SandboxFailure("stopped while waiting for a device");
    total->device = lease->device();
    total->device_wait_ms += lease->waited_ms();
  }
  const int64_t start_ms = RealClock().NowMs();
  if (lease && total->device_held_from_unix_ms == 0) {
    total->device_held_from_unix_ms = RealClock().UnixMs();
  }
  const SandboxSpec spec =
      StageSpec(stage, workdir, seed, slot, cancel, repeats, lease ? lease->device() : "");
  Result<ProcessOutcome> outcome = RunInSandbox(slot, spec);
  // RunSandboxed returns once the stage's whole process tree is gone: only then is the device
  // free for the next holder (the lease ends with this function).
  if (lease) {
    total->device_held_ms += RealClock().NowMs() - start_ms;
    total->device_held_until_unix_ms = RealClock().UnixMs();
  }
  return outcome.ok() ? ResultFromOutcome(*outcome, OutcomeContext{spec.timeout_ms, spec.limits})
                      : SandboxFailure("the evaluator could not be started: " +
                                       outcome.status().message());
}

Result<ProcessOutcome> Evaluator::RunInSandbox(int slot, const SandboxSpec& spec) const {
  if (slot_agent_.empty()) return RunSandboxed(spec);
  Slot* entry = nullptr;
  {
    std::lock_guard<std::mutex> lock(slots_mu_);
    std::unique_ptr<Slot>& found = slots_[slot];
    if (!found) found = std::make_unique<Slot>();
    entry = found.get();
  }
  std::lock_guard<std::mutex> lock(entry->mu);
  // A slot whose agent is gone (killed after it did not answer a kill in time) starts again; a
  // request that could not be delivered is sent once more to the new one.
  for (int attempt = 0;; ++attempt) {
    if (!entry->sandbox || !entry->sandbox->alive()) {
      Result<std::unique_ptr<SlotSandbox>> started = SlotSandbox::Start(slot_agent_);
      if (!started.ok()) return started.status();
      entry->sandbox = std::move(*started);
    }
    Result<ProcessOutcome> outcome = entry->sandbox->Run(spec);
    if (outcome.ok() || entry->sandbox->alive() || attempt > 0) return outcome;
  }
}

EvalResult Evaluator::Evaluate(const std::string& code, uint64_t seed, int slot,
                               const std::atomic<bool>* cancel, int repeats) const {
  const int64_t start_ms = RealClock().NowMs();
  EvalResult result = RunStages(code, seed, slot, cancel, repeats);
  result.duration_ms = RealClock().NowMs() - start_ms;
  return result;
}

}  // namespace kevolve::eval
