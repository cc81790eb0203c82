// `kevolve doctor [TASK]`: what isolation evaluations get on this machine, and why. Prints the
// sandbox's capabilities, the mode a task's config (or the default config) puts in force and
// why, the threat table of docs/security.md for that mode, and what a look from inside the
// sandbox saw. Exit code 0 when the mode in force works; a config or task problem exits like
// the other commands (see common.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/common.h"
#include "config/load.h"
#include "core/files.h"
#include "core/text.h"
#include "eval/cuda_probe.h"
#include "eval/defences.h"
#include "eval/evaluator.h"
#include "eval/isolation_probe.h"

namespace kevolve::app {
namespace {

struct DoctorFlags {
  std::string task;
  std::vector<std::string> sets;
  bool json = false;
  bool eval = false;  // also evaluate the task's initial program in the mode in force
  bool cuda_here = false;  // only print what CUDA sees in this process (the sandboxed probe)
};

Result<Config> DoctorConfig(const DoctorFlags& flags) {
  Config config;
  if (!flags.task.empty()) {
    KEVOLVE_ASSIGN_OR_RETURN(config, LoadTaskConfig(flags.task));
  }
  KEVOLVE_RETURN_IF_ERROR(ApplyOverrides(config, flags.sets));
  if (!flags.task.empty()) KEVOLVE_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

// What checking a task found: warnings, an error that stops it, and (with --eval) the result of
// its initial program.
struct TaskCheck {
  std::vector<std::string> warnings;
  Status error;
  std::optional<EvalResult> initial;
};

// A warning when bwrap will show the evaluator command only its own folder.
std::optional<std::string> CommandWarning(const std::string& command, const std::string& task_dir) {
  if (command.find('/') == std::string::npos || StartsWith(command, task_dir + "/")) return {};
  for (const char* system : {"/usr/", "/bin/", "/sbin/", "/lib", "/etc/", "/opt/"}) {
    if (StartsWith(command, system)) return {};
  }
  return "the evaluator command " + command +
         " is outside the system folders and the task folder: under bwrap only its own folder is "
         "visible; add what else it needs to evaluator.read_paths";
}

// Checks the task's evaluator the way a run would (command, read_paths, sandbox), and with
// `eval` runs it on the task's initial program.
TaskCheck CheckTask(const Config& config, eval::SandboxMode mode, bool eval) {
  TaskCheck check;
  Result<std::string> scratch = MakeTempDir("/tmp", "kevolve-doctor-scratch-");
  if (!scratch.ok()) {
    check.error = scratch.status();
    return check;
  }
  Result<std::unique_ptr<eval::Evaluator>> evaluator =
      eval::Evaluator::Create(config.evaluator, eval::EvaluatorOptions{config.task.dir, *scratch});
  if (evaluator.ok()) {
    const std::vector<std::string> argv = (*evaluator)->Command(1, "/scratch", config.run.seed);
    if (mode == eval::SandboxMode::kBwrap) {
      if (auto warning = CommandWarning(argv[0], config.task.dir))
        check.warnings.push_back(*warning);
    }
    if (eval) {
      Result<std::string> code = ReadFile(InitialProgramPath(config.task));
      if (code.ok()) {
        check.initial = (*evaluator)->Evaluate(*code, config.run.seed, /*slot=*/0);
      } else {
        check.error = code.status();
      }
    }
  } else {
    check.error = evaluator.status();
  }
  (void)RemoveTree(*scratch);
  return check;
}

Json ThreatsJson(const std::vector<eval::ThreatAssessment>& threats) {
  Json list = Json::array();
  for (const eval::ThreatAssessment& t : threats) {
    list.push_back({{"threat", eval::ThreatName(t.threat)},
                    {"defence", eval::DefenceName(t.defence)},
                    {"how", t.how}});
  }
  return list;
}

Json SeenJson(const Result<eval::IsolationSeen>& seen) {
  if (!seen.ok()) return Json{{"error", seen.status().message()}};
  return Json{{"uid", seen->uid},
              {"interfaces", seen->interfaces},
              {"readable", seen->readable},
              {"unreadable", seen->unreadable},
              {"system_writable", seen->system_writable}};
}

// What CUDA says in this process ("here") and inside the sandbox of each mode that can run here
// (by mode name); a probe that could not run is a CUDA that did not start, with the reason.
std::map<std::string, eval::CudaSeen> LookAtCuda(const eval::SandboxCapabilities& caps) {
  std::map<std::string, eval::CudaSeen> seen = {{"here", eval::LookAtCudaHere()}};
  std::vector<eval::SandboxMode> modes = {eval::SandboxMode::kProcess};
  if (caps.bwrap) modes.push_back(eval::SandboxMode::kBwrap);
  for (eval::SandboxMode mode : modes) {
    Result<eval::CudaSeen> inside = eval::LookAtCudaInside(mode, CudaProbeArgv());
    seen[std::string(eval::SandboxModeName(mode))] =
        inside.ok() ? *inside : eval::CudaSeen{false, inside.status().message(), {}};
  }
  return seen;
}

void PrintCuda(const Json& cuda) {
  std::printf("\nCUDA (what cuInit and the GPU list say; a GPU task needs it inside its sandbox):\n");
  for (const std::string where : {"here", "process", "bwrap"}) {
    if (!cuda.contains(where)) continue;
    const Json& seen = cuda[where];
    const std::string label = where == "here" ? "this process" : "sandbox " + where;
    if (!seen.value("started", false)) {
      std::printf("  %-16s does not start: %s\n", label.c_str(),
                  seen.value("error", std::string()).c_str());
      continue;
    }
    std::string gpus;
    for (const Json& g : seen["gpus"]) {
      gpus += (gpus.empty() ? "" : "; ") + std::to_string(g.value("index", 0)) + " " +
              g.value("name", std::string()) + " " + std::to_string(g.value("memory_mb", 0) / 1024) +
              " GiB";
    }
    std::printf("  %-16s starts; GPUs: %s\n", label.c_str(), gpus.empty() ? "none" : gpus.c_str());
  }
}

void PrintText(const Json& report) {
  std::printf("kevolve doctor: evaluator isolation on this machine\n\n%s\n\n",
              report["capabilities"].get<std::string>().c_str());
  if (report.contains("task")) std::printf("task: %s\n", report["task"].get<std::string>().c_str());
  std::printf("sandbox in force: %s (%s)\n\n", report["mode"].get<std::string>().c_str(),
              report["why"].get<std::string>().c_str());
  std::printf("threats (sandbox %s; docs/security.md says what each one is):\n",
              report["mode"].get<std::string>().c_str());
  for (const Json& t : report["threats"]) {
    std::printf("  %-16s %-28s %s\n", t["defence"].get<std::string>().c_str(),
                t["threat"].get<std::string>().c_str(), t["how"].get<std::string>().c_str());
  }
  const Json& seen = report["seen_from_inside"];
  std::printf("\nseen from inside (sandbox %s):\n", report["mode"].get<std::string>().c_str());
  if (seen.contains("error")) {
    std::printf("  could not look: %s\n", seen["error"].get<std::string>().c_str());
  } else {
    std::string interfaces;
    for (const Json& i : seen["interfaces"]) interfaces += i.get<std::string>() + " ";
    std::printf("  uid %s; network interfaces: %s\n", seen["uid"].get<std::string>().c_str(),
                interfaces.empty() ? "none" : interfaces.c_str());
    for (const Json& p : seen["readable"])
      std::printf("  readable:   %s\n", p.get<std::string>().c_str());
    for (const Json& p : seen["unreadable"])
      std::printf("  hidden:     %s\n", p.get<std::string>().c_str());
    std::printf("  system folders: %s\n",
                seen["system_writable"].get<bool>() ? "WRITABLE" : "read-only");
  }
  if (report.contains("initial_program")) {
    const Json& r = report["initial_program"];
    if (r["valid"].get<bool>()) {
      std::printf("\ninitial program: valid, combined_score %g\n",
                  r["combined_score"].get<double>());
    } else {
      std::printf("\ninitial program: INVALID (%s): %s\n", r["failure"].get<std::string>().c_str(),
                  r["reason"].get<std::string>().c_str());
    }
  }
  if (report.contains("cuda")) PrintCuda(report["cuda"]);
  for (const Json& w : report["warnings"])
    std::printf("\nwarning: %s\n", w.get<std::string>().c_str());
}

int RunDoctor(const DoctorFlags& flags) {
  if (flags.cuda_here) {
    std::printf("%s\n", eval::CudaSeenJson(eval::LookAtCudaHere()).c_str());
    return kExitOk;
  }
  Result<Config> config = DoctorConfig(flags);
  if (!config.ok()) return Fail(config.status());
  const eval::SandboxCapabilities& caps = eval::DetectSandbox();
  const eval::SandboxChoice choice = eval::ChooseSandboxMode(config->evaluator.sandbox, caps);
  Json report{{"capabilities", caps.Describe()},
              {"uid", static_cast<int64_t>(geteuid())},
              {"mode", std::string(eval::SandboxModeName(choice.mode))},
              {"why", choice.why},
              {"threats",
               ThreatsJson(eval::AssessThreats(choice.mode, caps, config->evaluator.gpu))},
              {"warnings", Json::array()}};
  Status task_error;
  if (!flags.task.empty()) {
    report["task"] = config->task.dir;
    if (choice.problem.ok()) {
      TaskCheck check = CheckTask(*config, choice.mode, flags.eval);
      for (const std::string& w : check.warnings) report["warnings"].push_back(w);
      if (check.initial) report["initial_program"] = EvalResultToJson(*check.initial);
      task_error = check.error;
    }
  }
  const char* home = std::getenv("HOME");
  std::vector<std::string> places = {"/root", "/home", "/run"};
  if (home != nullptr && *home == '/' && std::string(home) != "/root") places.emplace_back(home);
  std::vector<std::string> binds;
  if (!flags.task.empty()) {
    places.push_back(config->task.dir);
    binds.push_back(config->task.dir);
    for (const std::string& path : config->evaluator.read_paths) {
      const std::string absolute =
          path[0] == '/' ? path : AbsolutePath(config->task.dir + "/" + path);
      if (PathExists(absolute)) binds.push_back(absolute);
    }
  }
  report["seen_from_inside"] = SeenJson(eval::LookFromInside(choice.mode, places, binds));
  const std::map<std::string, eval::CudaSeen> cuda = LookAtCuda(caps);
  for (const auto& [where, seen] : cuda) report["cuda"][where] = eval::CudaSeenToJson(seen);
  if (!flags.task.empty() && config->evaluator.gpu && choice.problem.ok() && task_error.ok()) {
    task_error = eval::CheckGpusForEvaluator(config->evaluator, choice.mode,
                                             cuda.at(std::string(eval::SandboxModeName(choice.mode))));
  }
  if (flags.json) {
    std::printf("%s\n", DumpJson(report, 2).c_str());
  } else {
    PrintText(report);
  }
  if (!choice.problem.ok()) return Fail(choice.problem);
  if (!task_error.ok()) return Fail(task_error);
  if (report.contains("initial_program") && !report["initial_program"]["valid"].get<bool>()) {
    return kExitFailed;  // the task does not evaluate in the sandbox in force
  }
  return kExitOk;
}

}  // namespace

Command AddDoctorCommand(CLI::App& app) {
  auto flags = std::make_shared<DoctorFlags>();
  CLI::App* cmd = app.add_subcommand(
      "doctor", "Say which evaluator sandbox is in force here, why, and what it defends");
  cmd->add_option("task", flags->task, "Task folder (holds kevolve.yaml); default: the defaults");
  cmd->add_option("--set", flags->sets, "Override any config key: --set evaluator.sandbox=process");
  cmd->add_flag("--json", flags->json, "Print the report as JSON");
  cmd->add_flag("--eval", flags->eval,
                "Also evaluate the task's initial program in the sandbox in force");
  cmd->add_flag("--cuda-here", flags->cuda_here,
                "Only print, as one JSON line, whether CUDA starts in this process and which "
                "GPUs it sees (what kevolve runs inside the sandbox to check a GPU task)");
  return [flags]() -> int { return RunDoctor(*flags); };
}

}  // namespace kevolve::app
