// kevolve: LLM-guided evolutionary program optimization. One binary, one file per subcommand.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "app/commands.h"
#include "app/common.h"
#include "core/log.h"

int main(int argc, char** argv) {
  using namespace kevolve::app;
  CLI::App app{"kevolve: evolve programs with an LLM (or the built-in mutator), measured in a "
               "sandbox and kept when better"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kevolve 0.1.0");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warn, error")
      ->envname("KEVOLVE_LOG_LEVEL")
      ->capture_default_str();
  std::map<std::string, Command> commands = {
      {"run", AddRunCommand(app)},       {"resume", AddResumeCommand(app)},
      {"replay", AddReplayCommand(app)},
      {"status", AddStatusCommand(app)}, {"best", AddBestCommand(app)},
      {"eval", AddEvalCommand(app)},
      {"doctor", AddDoctorCommand(app)},  {"serve", AddServeCommand(app)},
      {"slurm-job", AddSlurmJobCommand(app)},
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  kevolve::log::SetLevel(log_level);
  for (auto& [name, run] : commands) {
    if (app.got_subcommand(name)) return run();
  }
  return kExitUsage;
}
