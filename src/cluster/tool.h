// Runs a command-line tool of the cluster (sbatch, squeue, scancel) as a child process and
// captures what it printed. Not a sandbox: these are trusted tools of the machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kevolve::cluster {

struct ToolResult {
  bool started = false;    // false: the tool could not be run (not installed); see `err`
  bool timed_out = false;  // killed at its deadline
  int exit_code = -1;      // -1 when it did not exit normally
  std::string out;         // stdout
  std::string err;         // stderr, or why it did not start
};

// Runs argv (argv[0] looked up in PATH) with stdin from /dev/null and this process's
// environment, waits at most `timeout_ms`, then kills it (SIGKILL). Output past 16 MiB per
// stream is dropped. Thread-safe.
ToolResult RunTool(const std::vector<std::string>& argv, int64_t timeout_ms);

}  // namespace kevolve::cluster
