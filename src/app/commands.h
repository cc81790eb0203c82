// One function per subcommand; each registers its options on the CLI11 app and returns a
// callback that runs it and yields the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace kevolve::app {

using Command = std::function<int()>;

Command AddRunCommand(CLI::App& app);
Command AddResumeCommand(CLI::App& app);
Command AddReplayCommand(CLI::App& app);
Command AddStatusCommand(CLI::App& app);
Command AddBestCommand(CLI::App& app);
Command AddEvalCommand(CLI::App& app);
Command AddDoctorCommand(CLI::App& app);
Command AddServeCommand(CLI::App& app);
Command AddSlurmJobCommand(CLI::App& app);

}  // namespace kevolve::app
