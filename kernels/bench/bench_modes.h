// The modes of kevolve-gemm-bench. Each takes the arguments after the mode name, prints
// diagnostics to stderr and data to stdout or files, and returns the process exit code:
// 0 success, 1 a check failed, 2 bad usage, 3 a kernel hung or the GPU failed (the process
// must end), 4 stopped by the time budget before finishing.
#pragma once

#include <string>
#include <vector>

namespace kevolve::gemm::bench {

int RunListMode(const std::vector<std::string>& args);
int RunCheckMode(const std::vector<std::string>& args);
int RunSweepMode(const std::vector<std::string>& args);
int RunOneMode(const std::vector<std::string>& args);
int RunCeilingsMode(const std::vector<std::string>& args);
// Scores the baseline heuristic (SelectGemmConfig) on a performance table; needs no GPU.
int RunReplayMode(const std::vector<std::string>& args);

}  // namespace kevolve::gemm::bench
