// Slurm's command-line tools as functions: submit a batch job, list a run's jobs, cancel them.
// Every call runs the real tool (sbatch, squeue, scancel from PATH; SLURM_CONF and the other
// SLURM_* variables of this process apply) with a deadline, so a hung slurmctld cannot hang the
// caller. Thread-safe.
//
// Errors:
//   Unavailable       slurmctld did not answer (down, unreachable, busy, a submit limit
//                     reached for now): worth trying again later
//   FailedPrecondition  the tool is not installed
//   InvalidArgument   sbatch refused the job (bad partition, account, resources...): trying
//                     again will not help
//   Internal          the tool answered something this code cannot read
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace kevolve::cluster {

struct JobSpec {
  std::string name;                  // --job-name (the run's jobs share it)
  std::string comment;               // --comment
  std::string output;                // --output file (the job's stdout and stderr)
  std::string workdir;               // --chdir
  std::string time;                  // --time, e.g. "2:30" (minutes:seconds)
  std::vector<std::string> options;  // further sbatch options (resources, extra_args)
  std::vector<std::string> command;  // what the job runs (argv; quoted into --wrap)
};

struct JobInfo {
  int64_t id = 0;
  std::string state;    // PENDING, RUNNING, COMPLETED, CANCELLED, NODE_FAIL, TIMEOUT, ...
  std::string reason;   // squeue's reason (why pending, or why it ended)
  std::string comment;  // as submitted
  std::string node;     // where it runs or ran ("" while pending)
};

// True for a state in which the job may still run (pending, running, being requeued...).
bool IsActiveState(const std::string& state);

// The options of one sbatch call, in order (exposed for tests and `kevolve doctor`).
std::vector<std::string> SbatchArgs(const JobSpec& spec);

// Submits the job; returns its id.
Result<int64_t> Submit(const JobSpec& spec);

// The jobs named `name` that squeue still knows (active ones, and finished ones for
// MinJobAge seconds after they ended).
Result<std::vector<JobInfo>> ListJobs(const std::string& name);

// Cancels the jobs (scancel). Ids Slurm no longer knows are not an error.
Status Cancel(const std::vector<int64_t>& ids);

// Cancels every job named `name` of this user.
Status CancelByName(const std::string& name);

// Words quoted for a POSIX shell, joined by spaces.
std::string ShellQuote(const std::vector<std::string>& words);

}  // namespace kevolve::cluster
