// `kevolve run TASK`, `kevolve resume RUN` and `kevolve replay RUN`.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/common.h"
#include "app/progress_line.h"
#include "config/load.h"
#include "config/openevolve.h"
#include "core/log.h"
#include "core/files.h"
#include "engine/engine.h"
#include "engine/llm_proposer.h"
#include "eval/evaluator.h"
#include "llm/llm.h"
#include "store/store.h"

namespace kevolve::app {
namespace {

struct RunFlags {
  std::string task;
  int64_t iterations = 0;
  std::string strategy;
  int64_t seed = -1;
  int workers = 0;
  std::string output_dir;
  std::vector<std::string> sets;
  std::string llm_config;
  std::string llm_base_url;
  std::string llm_model;
  std::string llm_api_key_env;
  CLI::Option* llm_api_key_env_option = nullptr;  // given, even as "" (= no key)
  bool print_config = false;
};

// The interpreter of Python evaluators: Debian's, which scripts/setup.sh gives numpy and scipy
// and which every sandbox shows (a python3 below a home folder is not visible there).
std::string PythonForEvaluators() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// The task's kevolve.yaml; or, for a folder in OpenEvolve's layout, its config.yaml mapped
// (docs/openevolve.md), with one warning that lists the keys kevolve has no meaning for.
Result<Config> LoadTask(const std::string& task) {
  if (!IsOpenEvolveTask(task)) return LoadTaskConfig(task);
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe");
  KEVOLVE_ASSIGN_OR_RETURN(
      OpenEvolveConfig mapped,
      LoadOpenEvolveTask(task, (exe.parent_path() / "kevolve-tools").string(),
                         PythonForEvaluators()));
  std::fprintf(stderr,
               "kevolve: %s is an OpenEvolve task; its config.yaml is read in OpenEvolve's schema "
               "(the kevolve config it maps to: kevolve run %s --print-config)\n",
               task.c_str(), task.c_str());
  if (!mapped.unmapped.empty()) {
    std::string keys;
    for (const std::string& key : mapped.unmapped) keys += (keys.empty() ? "" : ", ") + key;
    std::fprintf(stderr, "kevolve: warning: config.yaml keys with no kevolve meaning, not used: %s\n",
                 keys.c_str());
  }
  return std::move(mapped.config);
}

// Reads an --llm-config file: a YAML file with one `llm:` section, which replaces the task's.
Status MergeLlmConfig(const std::string& path, Config& config) {
  KEVOLVE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  KEVOLVE_ASSIGN_OR_RETURN(Config file, ParseConfig(text, path, ""));
  Config others = file;
  others.llm = LlmConfig{};
  if (ConfigToJson(others) != ConfigToJson(Config{})) {
    return Status::InvalidArgument(path + ": an --llm-config file holds only an llm: section");
  }
  config.llm = std::move(file.llm);
  return Status::Ok();
}

Status ApplyLlmFlags(const RunFlags& f, Config& config) {
  if (!f.llm_config.empty()) KEVOLVE_RETURN_IF_ERROR(MergeLlmConfig(f.llm_config, config));
  if (!f.llm_base_url.empty()) {
    KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, "llm.base_url", f.llm_base_url));
  }
  if (f.llm_api_key_env_option != nullptr && f.llm_api_key_env_option->count() > 0) {
    KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, "llm.api_key_env", f.llm_api_key_env));
  }
  if (!f.llm_model.empty()) {
    LlmModelConfig model;
    model.name = f.llm_model;
    model.model = f.llm_model;
    config.llm.models = {model};
  }
  return Status::Ok();
}

// Flags and their KEVOLVE_* twins override the task's kevolve.yaml (flag > environment > file).
Status ApplyFlags(const RunFlags& f, Config& config) {
  if (f.iterations > 0) {
    KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, "run.iterations", std::to_string(f.iterations)));
  }
  if (!f.strategy.empty()) KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, "run.strategy", f.strategy));
  if (f.seed >= 0) KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, "run.seed", std::to_string(f.seed)));
  if (f.workers > 0) {
    KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, "evaluator.workers", std::to_string(f.workers)));
  }
  if (!f.output_dir.empty()) {
    KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, "run.output_dir", f.output_dir));
  }
  KEVOLVE_RETURN_IF_ERROR(ApplyLlmFlags(f, config));
  KEVOLVE_RETURN_IF_ERROR(ApplyOverrides(config, f.sets));
  return ValidateConfig(config);
}

// What a run will do, in two lines: the full effective config is config.yaml in the run folder.
void PrintHeader(const engine::Engine& engine) {
  const Config& c = engine.config();
  std::string proposer = "the built-in mutator";
  if (!c.llm.models.empty()) {
    proposer.clear();
    for (const LlmModelConfig& m : c.llm.models) proposer += (proposer.empty() ? "" : ", ") + m.name;
  }
  std::string where;
  if (c.evaluator.backend == "slurm") {
    // The sandbox is the nodes' (the probe job's event in events.jsonl names it).
    where = std::to_string(c.evaluator.workers) + " Slurm jobs at once (job name kevolve-" +
            engine.paths().unique_id() + ")";
  } else {
    auto mode = eval::ResolveSandboxMode(c.evaluator.sandbox);
    where = std::to_string(c.evaluator.workers) + " workers (sandbox " +
            std::string(mode.ok() ? eval::SandboxModeName(*mode) : "?") + ")";
  }
  std::fprintf(stderr,
               "kevolve: task %s, strategy %s, %ld evaluations, %s, "
               "proposals by %s\nrun folder: %s (config.yaml there is the full config)\n",
               c.task.name.c_str(), std::string(WordOf(c.run.strategy)).c_str(),
               static_cast<long>(c.run.iterations),
               where.c_str(), proposer.c_str(), engine.paths().dir.c_str());
}

int Drive(engine::Engine& engine) {
  std::atomic<bool>& stop = InstallStopHandlers();
  PrintHeader(engine);
  Status s = engine.Run(stop);
  const engine::Progress p = engine.progress();
  if (!s.ok()) return Fail(s);
  std::printf("run: %s\nevaluations: %ld\nbest score: %.6g (program %ld)\nbest program: %s\n",
              engine.paths().dir.c_str(), static_cast<long>(p.evaluations), p.best_score,
              static_cast<long>(p.best_id), engine.paths().best(engine.config().task.initial_program).c_str());
  if (stop.load()) {
    std::fprintf(stderr, "stopped; continue with: kevolve resume %s\n", engine.paths().dir.c_str());
    return kExitInterrupted;
  }
  if (engine.stop_reason().rfind("llm.budget.", 0) == 0) {
    const std::string key = engine.stop_reason().substr(0, engine.stop_reason().find(' '));
    std::fprintf(stderr, "stopped: %s; continue with: kevolve resume %s --set %s=<higher>\n",
                 engine.stop_reason().c_str(), engine.paths().dir.c_str(), key.c_str());
  }
  return kExitOk;
}

engine::EngineEnv EnvWithProgress(ProgressLine& line) {
  engine::EngineEnv env = engine::DefaultEngineEnv();
  env.on_progress = [&line](const engine::Progress& p) { line.Update(p); };
  return env;
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "Start a new evolution run of a task folder");
  cmd->add_option("task", flags->task, "Task folder (holds kevolve.yaml)")->required();
  cmd->add_option("-n,--iterations", flags->iterations,
                  "Programs to evaluate (default: run.iterations of the task)")
      ->envname("KEVOLVE_ITERATIONS");
  cmd->add_option("--strategy", flags->strategy, "evolve | hill-climb | random (default: the task's)")
      ->envname("KEVOLVE_STRATEGY");
  cmd->add_option("--seed", flags->seed, "Random seed (default: run.seed)")->envname("KEVOLVE_SEED");
  cmd->add_option("-j,--workers", flags->workers, "Evaluations at once (default: evaluator.workers)")
      ->envname("KEVOLVE_WORKERS");
  cmd->add_option("-o,--output-dir", flags->output_dir, "Where run folders go (default: run.output_dir)")
      ->envname("KEVOLVE_OUTPUT_DIR");
  cmd->add_option("--set", flags->sets, "Override any config key: --set evaluator.timeout_seconds=30");
  cmd->add_option("--llm-config", flags->llm_config,
                  "YAML file with an llm: section that replaces the task's (examples/llm/*.yaml)")
      ->envname("KEVOLVE_LLM_CONFIG");
  cmd->add_option("--llm-base-url", flags->llm_base_url,
                  "Base URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1")
      ->envname("KEVOLVE_LLM_BASE_URL");
  cmd->add_option("--llm-model", flags->llm_model,
                  "Use this one model (replaces llm.models; default: the task's models)")
      ->envname("KEVOLVE_LLM_MODEL");
  flags->llm_api_key_env_option =
      cmd->add_option("--llm-api-key-env", flags->llm_api_key_env,
                      "Environment variable that holds the API key (\"\" = none; default: "
                      "llm.api_key_env)")
          ->envname("KEVOLVE_LLM_API_KEY_ENV");
  cmd->add_flag("--print-config", flags->print_config,
                "Print the config the run would use (for an OpenEvolve task: its config.yaml "
                "mapped to kevolve's keys) as kevolve.yaml, and exit");
  return [flags]() -> int {
    auto config = LoadTask(flags->task);
    if (!config.ok()) return Fail(config.status());
    Status s = ApplyFlags(*flags, *config);
    if (!s.ok()) return Fail(s);
    if (flags->print_config) {
      std::fputs(ConfigToYaml(*config).c_str(), stdout);
      return 0;
    }
    log::SetLevel(config->run.log_level);
    // Problems an LLM run would only meet after its folder exists: a key variable that is not
    // set, a task template that does not parse.
    if (!config->llm.models.empty()) {
      if (Status keys = llm::CheckKeys(llm::ResolveModels(config->llm)); !keys.ok()) {
        return Fail(keys);
      }
      if (auto templates = engine::LoadTemplates(*config); !templates.ok()) {
        return Fail(templates.status());
      }
    }
    s = CheckProgramLanguage(config->task.initial_program, "task.initial_program",
                             config->evaluator);
    if (!s.ok()) return Fail(s);
    if (Status gpus = CheckGpuEvaluations(config->evaluator); !gpus.ok()) return Fail(gpus);
    ProgressLine line;
    auto engine = engine::Engine::Start(*config, EnvWithProgress(line));
    if (!engine.ok()) return Fail(engine.status());
    const int code = Drive(**engine);
    line.Finish();
    return code;
  };
}

Command AddResumeCommand(CLI::App& app) {
  auto run = std::make_shared<std::string>();
  auto iterations = std::make_shared<int64_t>(0);
  auto output_dir = std::make_shared<std::string>("runs");
  CLI::App* cmd = app.add_subcommand("resume", "Continue a run where it stopped (also after kill -9)");
  cmd->add_option("run", *run, "Run folder, or run id under --output-dir")->required();
  cmd->add_option("-n,--iterations", *iterations,
                  "New total number of evaluations (default: the run's target)")
      ->envname("KEVOLVE_ITERATIONS");
  cmd->add_option("-o,--output-dir", *output_dir, "Where run folders are")
      ->envname("KEVOLVE_OUTPUT_DIR")
      ->capture_default_str();
  auto sets = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--set", *sets,
                  "Change a key of the stored config: --set llm.budget.max_cost=20");
  return [run, iterations, output_dir, sets]() -> int {
    auto paths = engine::FindRun(*run, *output_dir);
    if (!paths.ok()) return Fail(paths.status());
    auto overrides = SplitOverrides(*sets);
    if (!overrides.ok()) return Fail(overrides.status());
    ProgressLine line;
    auto engine = engine::Engine::Resume(*paths, EnvWithProgress(line), *iterations, *overrides);
    if (!engine.ok()) return Fail(engine.status());
    if (Status gpus = CheckGpuEvaluations((*engine)->config().evaluator); !gpus.ok()) {
      return Fail(gpus);
    }
    const int code = Drive(**engine);
    line.Finish();
    return code;
  };
}

Command AddReplayCommand(CLI::App& app) {
  auto run = std::make_shared<std::string>();
  auto output_dir = std::make_shared<std::string>("runs");
  auto into = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Re-run a run from its recorded LLM replies, into a new run folder");
  cmd->add_option("run", *run, "Run folder, or run id under --output-dir")->required();
  cmd->add_option("-o,--output-dir", *output_dir, "Where run folders are")
      ->envname("KEVOLVE_OUTPUT_DIR")
      ->capture_default_str();
  cmd->add_option("--into", *into, "Folder for the new run (default: beside the recorded run)");
  return [run, output_dir, into]() -> int {
    auto paths = engine::FindRun(*run, *output_dir);
    if (!paths.ok()) return Fail(paths.status());
    std::vector<LlmCall> calls;
    Config config;
    {
      auto store = Store::Open(paths->db(), Store::Mode::kReadOnly);
      if (!store.ok()) return Fail(store.status());
      auto parsed = engine::StoredConfig(**store, *paths);
      if (!parsed.ok()) return Fail(parsed.status());
      config = std::move(*parsed);
      auto summary = (*store)->Summarize();
      auto loaded = (*store)->LoadLlmCalls();
      if (!summary.ok()) return Fail(summary.status());
      if (!loaded.ok()) return Fail(loaded.status());
      calls = std::move(*loaded);
      // As many evaluations as the recorded run made; nothing is spent, so no budget applies.
      config.run.iterations = std::max<int64_t>(0, summary->programs - 1);
    }
    config.run.max_wall_seconds = 0;
    config.llm.budget = LlmBudgetConfig{};
    config.run.output_dir =
        into->empty() ? std::filesystem::path(paths->dir).parent_path().string() : *into;
    if (Status s = ValidateConfig(config); !s.ok()) return Fail(s);
    if (Status gpus = CheckGpuEvaluations(config.evaluator); !gpus.ok()) return Fail(gpus);
    ProgressLine line;
    engine::EngineEnv env = EnvWithProgress(line);
    env.extra_meta["replay_of"] = paths->dir;
    env.make_proposer = [calls](const Config& c) -> Result<std::unique_ptr<engine::Proposer>> {
      if (c.llm.models.empty()) return engine::MakeMutatorProposer(c.mutator);
      return engine::MakeReplayProposer(c, calls);
    };
    std::fprintf(stderr, "replaying %s (%zu recorded LLM attempts)\n", paths->dir.c_str(),
                 calls.size());
    auto engine = engine::Engine::Start(config, std::move(env));
    if (!engine.ok()) return Fail(engine.status());
    const int code = Drive(**engine);
    line.Finish();
    return code;
  };
}

}  // namespace kevolve::app
