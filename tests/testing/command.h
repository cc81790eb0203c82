// Runs the kevolve binary (or any program) as a real child process for end-to-end tests.
#pragma once

#include <string>
#include <vector>

namespace kevolve::testing {

struct CommandResult {
  int exit_code = -1;   // -1 when killed by a signal
  int signal = 0;
  std::string out;      // stdout
  std::string err;      // stderr
};

// Runs argv to completion (stdin closed), capturing stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv);

// Starts argv in the background (output discarded) and returns its pid.
int StartCommand(const std::vector<std::string>& argv);

// Path of the kevolve binary of this build.
std::string KevolveBinary();

}  // namespace kevolve::testing
