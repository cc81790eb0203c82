// `kevolve status RUN`, `kevolve best RUN` and `kevolve eval TASK FILE`.
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/common.h"
#include "cluster/slurm.h"
#include "cluster/wire.h"
#include "config/load.h"
#include "core/files.h"
#include "core/text.h"
#include "engine/engine.h"
#include "engine/run_folder.h"
#include "eval/evaluator.h"
#include "serve/run_status.h"
#include "store/store.h"

namespace kevolve::app {
namespace {

struct RunArgs {
  std::string run;
  std::string output_dir = "runs";
};

// `best` keeps -o for the file it writes, as users expect; elsewhere -o is --output-dir.
void AddRunArgs(CLI::App* cmd, RunArgs& args, bool short_output_dir = true) {
  cmd->add_option("run", args.run, "Run folder, or run id under --output-dir")->required();
  cmd->add_option(short_output_dir ? "-o,--output-dir" : "--output-dir", args.output_dir,
                  "Where run folders are")
      ->envname("KEVOLVE_OUTPUT_DIR")
      ->capture_default_str();
}

Result<std::unique_ptr<Store>> OpenRun(const RunArgs& args) {
  KEVOLVE_ASSIGN_OR_RETURN(engine::RunPaths paths, engine::FindRun(args.run, args.output_dir));
  return Store::Open(paths.db(), Store::Mode::kReadOnly);
}

void PrintStatus(const Json& j) {
  std::printf("run:          %s\n", j["run"].get<std::string>().c_str());
  std::printf("task:         %s (%s)\n", j["task"].get<std::string>().c_str(),
              j["strategy"].get<std::string>().c_str());
  std::printf("evaluations:  %ld of %ld\n", j["evaluations"].get<long>(), j["target"].get<long>());
  std::printf("valid:        %ld of %ld programs (%.1f%%)\n", j["valid"].get<long>(),
              j["programs"].get<long>(), 100.0 * j["valid_fraction"].get<double>());
  for (auto& [name, count] : j["failures"].items()) {
    std::printf("  failed:     %-16s %ld\n", name.c_str(), count.get<long>());
  }
  std::printf("rejected edits (never evaluated): %ld\n", j["rejected_edits"].get<long>());
  for (auto& [name, count] : j["rejected_by_kind"].items()) {
    std::printf("  rejected:   %-16s %ld\n", name.c_str(), count.get<long>());
  }
  std::printf("duplicates skipped: %ld\n", j["duplicates_skipped"].get<long>());
  if (j.contains("llm")) {
    auto line = [](const char* label, const Json& u) {
      std::printf("%s%ld calls, %ld tokens in, %ld out, cost %.6g, %.1f s waiting\n", label,
                  u["calls"].get<long>(), u["tokens_in"].get<long>(), u["tokens_out"].get<long>(),
                  u["cost"].get<double>(), u["latency_ms"].get<double>() / 1000.0);
      for (auto& [kind, count] : u["failures"].items()) {
        std::printf("    failed:   %-16s %ld\n", kind.c_str(), count.get<long>());
      }
    };
    line("llm:          ", j["llm"]);
    for (auto& [model, u] : j["llm"]["models"].items()) {
      line(("  model " + model + ": ").c_str(), u);
    }
  }
  if (j.contains("best")) {
    const Json& b = j["best"];
    std::printf("best:         program %ld, score %.6g (generation %ld, %s)\n", b["id"].get<long>(),
                b["score"].get<double>(), b["generation"].get<long>(),
                b["origin"].get<std::string>().c_str());
    for (auto& [name, value] : b["metrics"].items()) {
      std::printf("  metric:     %s = %.6g\n", name.c_str(), value.get<double>());
    }
    for (auto& [name, value] : b["hidden_metrics"].items()) {
      std::printf("  held out:   %s = %.6g\n", name.c_str(), value.get<double>());
    }
  } else {
    std::printf("best:         none yet\n");
  }
}

// With evaluator.backend slurm: the run's jobs as squeue sees them now (queued, running) and
// the evaluations its jobs finished (slurm_job events of events.jsonl). Null for a local run.
Json SlurmStatusJson(Store& store, const engine::RunPaths& paths) {
  auto config = engine::StoredConfig(store, paths);
  if (!config.ok() || config->evaluator.backend != "slurm") return Json();
  Json j = {{"job_name", cluster::JobName(paths.unique_id())}};
  int64_t finished = 0, lost = 0;
  if (auto events = ReadFile(paths.events()); events.ok()) {
    for (const std::string& line : SplitLines(*events)) {
      auto e = ParseJson(line);
      if (!e.ok() || !e->is_object()) continue;
      const std::string type = e->value("type", std::string());
      const std::string state = e->value("state", std::string());
      if (type == "slurm_job" && (state == "finished" || state == "harvested")) ++finished;
      if (type == "slurm_job_lost") ++lost;
    }
  }
  j["finished"] = finished;
  j["lost"] = lost;
  auto jobs = cluster::ListJobs(j["job_name"].get<std::string>());
  if (!jobs.ok()) {
    j["error"] = jobs.status().message();
    return j;
  }
  int64_t queued = 0, running = 0;
  for (const cluster::JobInfo& job : *jobs) {
    if (job.state == "PENDING" || job.state == "REQUEUED" || job.state == "CONFIGURING") {
      ++queued;
    } else if (cluster::IsActiveState(job.state)) {
      ++running;
    }
  }
  j["queued"] = queued;
  j["running"] = running;
  return j;
}

void PrintSlurmStatus(const Json& j) {
  if (j.contains("error")) {
    std::printf("slurm jobs:   %ld finished; queue unknown (%s)\n", j["finished"].get<long>(),
                j["error"].get<std::string>().c_str());
    return;
  }
  std::printf("slurm jobs:   %ld queued, %ld running, %ld finished (%ld lost and resubmitted); "
              "squeue --name=%s\n",
              j["queued"].get<long>(), j["running"].get<long>(), j["finished"].get<long>(),
              j["lost"].get<long>(), j["job_name"].get<std::string>().c_str());
}

}  // namespace

Command AddStatusCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("status", "Progress, best score, validity and failures of a run");
  AddRunArgs(cmd, *args);
  cmd->add_flag("--json", *json, "Print one JSON object instead of text");
  return [args, json]() -> int {
    auto paths = engine::FindRun(args->run, args->output_dir);
    if (!paths.ok()) return Fail(paths.status());
    auto store = Store::Open(paths->db(), Store::Mode::kReadOnly);
    if (!store.ok()) return Fail(store.status());
    auto j = serve::RunStatusJson(**store);
    if (!j.ok()) return Fail(j.status());
    const Json slurm = SlurmStatusJson(**store, *paths);
    if (!slurm.is_null()) (*j)["slurm"] = slurm;
    if (*json) {
      std::printf("%s\n", DumpJson(*j, 2).c_str());
    } else {
      PrintStatus(*j);
      if (!slurm.is_null()) PrintSlurmStatus(slurm);
    }
    return kExitOk;
  };
}

Command AddBestCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("best", "Print (or write) the best program of a run");
  AddRunArgs(cmd, *args, /*short_output_dir=*/false);
  cmd->add_option("-o,--out", *out, "Write the program to this file instead of stdout");
  return [args, out]() -> int {
    auto store = OpenRun(*args);
    if (!store.ok()) return Fail(store.status());
    auto summary = (*store)->Summarize();
    if (!summary.ok()) return Fail(summary.status());
    if (!summary->best_id) {
      return Fail(Status::NotFound("the run has no valid program yet"));
    }
    auto best = (*store)->LoadProgram(*summary->best_id);
    if (!best.ok()) return Fail(best.status());
    if (out->empty()) {
      std::fwrite(best->code.data(), 1, best->code.size(), stdout);
      return kExitOk;
    }
    Status s = WriteFileAtomic(*out, best->code);
    if (!s.ok()) return Fail(s);
    std::fprintf(stderr, "program %ld (score %.6g) written to %s\n", static_cast<long>(best->id),
                 best->result.combined_score, out->c_str());
    return kExitOk;
  };
}

Command AddEvalCommand(CLI::App& app) {
  auto task = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto artifact = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate one program file with a task's evaluator");
  cmd->add_option("task", *task, "Task folder (holds kevolve.yaml)")->required();
  cmd->add_option("program", *file, "The program file to evaluate")->required();
  cmd->add_option("--set", *sets, "Override any config key: --set evaluator.timeout_seconds=30");
  cmd->add_option("--artifact", *artifact,
                  "Print only this artifact's text, not the result (fails where the result has "
                  "no such artifact)");
  return [task, file, sets, artifact]() -> int {
    auto config = LoadTaskConfig(*task);
    if (!config.ok()) return Fail(config.status());
    if (Status s = ApplyOverrides(*config, *sets); !s.ok()) return Fail(s);
    if (Status s = ValidateConfig(*config); !s.ok()) return Fail(s);
    if (Status s = CheckProgramLanguage(*file, "the program", config->evaluator); !s.ok()) {
      return Fail(s);
    }
    if (Status gpus = CheckGpuEvaluations(config->evaluator); !gpus.ok()) return Fail(gpus);
    auto code = ReadFile(*file);
    if (!code.ok()) return Fail(code.status());
    auto scratch = MakeTempDir("/tmp", "kevolve-eval-");
    if (!scratch.ok()) return Fail(scratch.status());
    eval::EvaluatorOptions options;
    options.task_dir = config->task.dir;
    options.scratch_root = *scratch;
    auto evaluator = eval::Evaluator::Create(config->evaluator, options);
    if (!evaluator.ok()) return Fail(evaluator.status());
    EvalResult r = (*evaluator)->Evaluate(*code, config->run.seed, /*slot=*/0);
    (void)RemoveTree(*scratch);
    if (!artifact->empty()) {
      const auto it = r.artifacts.find(*artifact);
      if (it == r.artifacts.end()) {
        return Fail(Status::NotFound("the result has no artifact '" + *artifact + "'" +
                                     (r.valid ? "" : " (invalid: " + r.reason + ")")));
      }
      std::fwrite(it->second.data(), 1, it->second.size(), stdout);
      return kExitOk;
    }
    std::printf("%s\n", DumpJson(EvalResultToJson(r), 2).c_str());
    return r.valid ? kExitOk : kExitFailed;
  };
}

}  // namespace kevolve::app
