// `kevolve serve [RUNS...]`: the dashboard, a live web view of runs (serve/server.h).
#include <chrono>
#include <cstdio>
#include <thread>

#include "app/commands.h"
#include "app/common.h"
#include "serve/server.h"

namespace kevolve::app {
namespace {

struct ServeFlags {
  std::vector<std::string> roots = {"runs"};
  serve::ServerOptions options;
};

}  // namespace

Command AddServeCommand(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "A live web view of runs (read-only; loopback only unless --allow-remote)");
  cmd->add_option("runs", f->roots, "Run folders, or folders of run folders (':' separates several)")
      ->envname("KEVOLVE_SERVE_RUNS")
      ->delimiter(':')
      ->capture_default_str();
  cmd->add_option("--host", f->options.host, "Address to listen on")
      ->envname("KEVOLVE_SERVE_HOST")
      ->capture_default_str();
  cmd->add_option("--port", f->options.port, "Port to listen on (0 = any free port)")
      ->envname("KEVOLVE_SERVE_PORT")
      ->capture_default_str();
  cmd->add_flag("--allow-remote", f->options.allow_remote,
                "Allow a --host other machines can reach (needs --token); default off")
      ->envname("KEVOLVE_SERVE_ALLOW_REMOTE")
      ->capture_default_str();
  cmd->add_option("--token", f->options.token,
                  "Secret every request must carry (at least 16 characters); default none")
      ->envname("KEVOLVE_SERVE_TOKEN")
      ->capture_default_str();
  return [f]() -> int {
    std::atomic<bool>& stop = InstallStopHandlers();
    auto server = serve::Server::Start(f->options, f->roots, RealClock());
    if (!server.ok()) return Fail(server.status());
    // The URL is the command's data: a script can read it from stdout (useful with --port 0).
    std::printf("%s\n", (*server)->Url().c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "serving %zu folder(s) read-only; Ctrl-C stops\n", f->roots.size());
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (*server)->Stop();
    return kExitOk;
  };
}

}  // namespace kevolve::app
