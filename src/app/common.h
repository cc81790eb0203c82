// Shared pieces of the kevolve subcommands: exit codes, error printing, stop signals.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/json.h"
#include "core/program.h"
#include "core/status.h"

namespace kevolve::app {

// Exit codes (documented in README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the run or command failed (see the message)
inline constexpr int kExitUsage = 2;        // bad arguments, config, task or run folder
inline constexpr int kExitCannotRun = 3;    // the task cannot run as given (invalid initial program...)
inline constexpr int kExitInterrupted = 130;  // stopped by SIGINT/SIGTERM; `kevolve resume` continues

// Prints "kevolve: <message>" to stderr and returns the exit code for the status.
int Fail(const Status& status);

// SIGINT and SIGTERM set the returned flag (once installed, they no longer end the process).
std::atomic<bool>& InstallStopHandlers();

// Where evaluator.gpu is true: runs this binary's CUDA probe (`kevolve doctor --cuda-here`)
// inside the sandbox evaluations will get, and refuses (FailedPrecondition, saying what CUDA
// said and what to do) when CUDA does not start there or evaluator.devices names a GPU that is
// not there. OK at once when evaluator.gpu is false. Called before a run's first evaluation.
Status CheckGpuEvaluations(const EvaluatorConfig& config);

// Refuses (InvalidArgument) a program file whose name says one language while
// evaluator.program_filename, the name the evaluator reads it under, says another: a Python
// file handed to a C++ task's evaluator as program.cc fails there with an obscure message.
// `key` says where the file name came from ("task.initial_program", "the program"). OK where
// either name has no known language (prompt::LanguageFor).
Status CheckProgramLanguage(const std::string& file, const std::string& key,
                            const EvaluatorConfig& config);

// The argv of the CUDA probe: this binary, by absolute path, and `doctor --cuda-here`.
std::vector<std::string> CudaProbeArgv();

}  // namespace kevolve::app
