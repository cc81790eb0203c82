// The node side of the Slurm backend: what `kevolve slurm-job` does inside a Slurm job.
// It evaluates one candidate exactly as the local pool would (eval::Evaluator, the same
// sandbox, the run's own config) and leaves the result in the job's folder of the shared
// folder (cluster/wire.h), where the controller picks it up.
#pragma once

#include <atomic>
#include <string>

#include "core/status.h"

namespace kevolve::cluster {

// The file every job reads first: the run's config and task folder ({"config_yaml", "task_dir"}).
std::string RunFile(const std::string& run_dir);

// Evaluates the job `key` of the run folder `run_dir` (<shared_dir>/kevolve-<run id>): writes
// `started`, runs every stage in the sandbox, writes result.json. A problem of the node (the
// task folder not there, the sandbox unable to start) becomes an invalid result with failure
// `sandbox` whose reason names the node, so the controller records it instead of retrying
// without end. `cancel` (SIGTERM from scancel) kills the evaluation; then no result is written.
// Errors only when even that cannot be written (the shared folder is not there): the job then
// fails, and the controller treats it as lost.
Status RunNodeJob(const std::string& run_dir, const std::string& key,
                  const std::atomic<bool>* cancel);

// The start-up check: reads the run file, checks the task folder and that an Evaluator can be
// built here, and writes probe/answer.json ({"ok": true, "host": ...} or {"ok": false,
// "error": ...}). Errors as RunNodeJob.
Status RunNodeProbe(const std::string& run_dir);

}  // namespace kevolve::cluster
