// Compiles and runs a candidate GEMM config selector the way the case study must run untrusted
// code (docs/security.md, "Forged results"): the selector runs under kevolve-sealed (Landlock:
// it may read and run only the system folders and its own folder, so it cannot read the
// performance table or the split), its choices come back through a pipe into memory, never a
// file, and it gets a wall-clock limit of its own. Whatever it leaves running is killed by
// KillLeftovers before anything is scored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kevolve::gemm::score {

struct SelectorJob {
  std::string task_dir;  // holds select_main.cc (the trusted main) and the selector's headers
  std::string program;   // the candidate's source file
  std::string workdir;   // scratch folder: select_all.cc, select and their logs go here
  std::string sealed;    // the kevolve-sealed launcher
  std::string cxx = "g++";
  int timeout_ms = 2000;  // for all shapes together
};

// Compiles the selector: one translation unit (the trusted main first, then the candidate), no
// optimization, libstdc++ linked statically. FailedPrecondition with the compiler's first 30
// lines of errors when it does not compile; Internal when the compiler cannot be started.
Status CompileSelector(const SelectorJob& job);

// Runs the compiled selector sealed, `shapes` ("m n k" lines) on its stdin; returns its stdout.
// FailedPrecondition (the last 5 lines of its stderr) when it fails, prints over 8 MiB or runs
// over job.timeout_ms: then it is sent SIGTERM, on which kevolve-sealed kills it.
Result<std::string> RunSelector(const SelectorJob& job, std::string_view shapes, int shape_count);

// Whether KillLeftovers reaches only this evaluation: kevolve contains it by namespace (bwrap)
// or by uid (KEVOLVE_SANDBOX, KEVOLVE_CONTAINMENT). Run by hand (no KEVOLVE_* variables): no.
bool EvaluationIsContained();

// SIGKILL to every process this one may signal (kill(-1)), until none is left (at most 100
// tries, 10 ms apart). REQUIRES: EvaluationIsContained(), and that this process is the
// evaluator itself (exec'd, not a child of the evaluator's shell, which it would kill).
void KillLeftovers();

// Runs argv (PATH searched) with stdin from /dev/null and stdout and stderr appended to `log`;
// returns its exit status (128 + signal when killed). Internal when it cannot be started.
Result<int> RunLogged(const std::vector<std::string>& argv, const std::string& log);

// The first / last `count` lines of `text`.
std::string HeadLines(std::string_view text, size_t count);
std::string TailLines(std::string_view text, size_t count);

}  // namespace kevolve::gemm::score
