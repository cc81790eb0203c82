// `kevolve run TASK` and `kevolve resume RUN`.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/common.h"
#include "app/progress_line.h"
#include "config/load.h"
#include "core/log.h"
#include "engine/engine.h"

namespace kevolve::app {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

struct RunFlags {
  std::string task;
  int64_t iterations = 0;
  std::string strategy;
  int64_t seed = -1;
  int workers = 0;
  std::string output_dir;
  std::vector<std::string> sets;
};

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
  for (const std::string& kv : f.sets) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("--set '" + kv + "' must look like key.path=value");
    }
    KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, kv.substr(0, eq), kv.substr(eq + 1)));
  }
  // The baselines search from one parent at a time; islands would only split their budget.
  if (config.run.strategy != "evolve") config.database.islands = 1;
  return ValidateConfig(config);
}

int Drive(engine::Engine& engine) {
  InstallSignalHandlers();
  std::fprintf(stderr, "run folder: %s\n", engine.paths().dir.c_str());
  Status s = engine.Run(g_stop);
  const engine::Progress p = engine.progress();
  if (!s.ok()) return Fail(s);
  std::printf("run: %s\nevaluations: %ld\nbest score: %.6g (program %ld)\nbest program: %s\n",
              engine.paths().dir.c_str(), static_cast<long>(p.evaluations), p.best_score,
              static_cast<long>(p.best_id), engine.paths().best(engine.config().task.initial_program).c_str());
  if (g_stop.load()) {
    std::fprintf(stderr, "stopped; continue with: kevolve resume %s\n", engine.paths().dir.c_str());
    return kExitInterrupted;
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
  return [flags]() -> int {
    auto config = LoadTaskConfig(flags->task);
    if (!config.ok()) return Fail(config.status());
    Status s = ApplyFlags(*flags, *config);
    if (!s.ok()) return Fail(s);
    log::SetLevel(config->run.log_level);
    const std::string yaml = ConfigToYaml(*config);
    std::fprintf(stderr, "effective config:\n%s\n", yaml.c_str());
    ProgressLine line;
    auto engine = engine::Engine::Start(*config, yaml, EnvWithProgress(line));
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
  return [run, iterations, output_dir]() -> int {
    auto paths = engine::FindRun(*run, *output_dir);
    if (!paths.ok()) return Fail(paths.status());
    ProgressLine line;
    auto engine = engine::Engine::Resume(*paths, EnvWithProgress(line), *iterations);
    if (!engine.ok()) return Fail(engine.status());
    const int code = Drive(**engine);
    line.Finish();
    return code;
  };
}

}  // namespace kevolve::app
