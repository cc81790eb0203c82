// kevolve-gemm-bench: correctness checks, sweeps and single runs of the bf16 GEMM family.
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_modes.h"

namespace {

constexpr const char* kUsage =
    "usage: kevolve-gemm-bench MODE [--flag value ...]\n"
    "modes:\n"
    "  list      kernels compiled into this build and the sweep menu\n"
    "  check     correctness of every config over a shape file (vs cuBLAS and float64)\n"
    "  sweep     every config x every shape -> performance table CSV + provenance JSON\n"
    "  run       one config on one shape: check, then time beside cuBLAS\n"
    "  ceilings  measured copy bandwidth and cuBLAS TFLOP/s on this GPU\n"
    "  replay    score the baseline heuristic on a performance table (no GPU)\n"
    "'kevolve-gemm-bench MODE --help' lists a mode's flags.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string mode = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  using namespace kevolve::gemm::bench;
  if (mode == "list") return RunListMode(args);
  if (mode == "check") return RunCheckMode(args);
  if (mode == "sweep") return RunSweepMode(args);
  if (mode == "run") return RunOneMode(args);
  if (mode == "ceilings") return RunCeilingsMode(args);
  if (mode == "replay") return RunReplayMode(args);
  if (mode == "--help" || mode == "-h" || mode == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "unknown mode '%s'\n%s", mode.c_str(), kUsage);
  return 2;
}
