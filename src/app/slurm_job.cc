// `kevolve slurm-job RUN_DIR KEY` and `kevolve slurm-job --probe RUN_DIR`: what a Slurm job of
// evaluator.backend slurm runs on its node (cluster/node.h). Not for people: hidden from --help.
#include <cstdio>

#include "app/commands.h"
#include "app/common.h"
#include "cluster/node.h"

namespace kevolve::app {

Command AddSlurmJobCommand(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto probe = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "slurm-job", "Evaluate one candidate inside a Slurm job of a run (started by kevolve)");
  cmd->group("");
  cmd->add_option("run_dir", *run_dir, "The run's folder below evaluator.slurm.shared_dir")
      ->required();
  cmd->add_option("key", *key, "The evaluation's job folder name");
  cmd->add_flag("--probe", *probe, "Check what this node sees, for the run's start-up check");
  return [run_dir, key, probe]() -> int {
    std::atomic<bool>& stop = InstallStopHandlers();
    Status s = *probe ? cluster::RunNodeProbe(*run_dir)
               : key->empty()
                   ? Status::InvalidArgument("slurm-job needs the evaluation's key")
                   : cluster::RunNodeJob(*run_dir, *key, &stop);
    if (!s.ok()) return Fail(s);
    return kExitOk;
  };
}

}  // namespace kevolve::app
