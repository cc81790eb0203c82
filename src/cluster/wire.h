// What the controller and a node exchange through the shared folder (evaluator.slurm.shared_dir),
// and where each file lives. One folder per run, one folder per evaluation job in it:
//
//   <shared_dir>/kevolve-<run id>/
//     config.yaml          the run's effective config (the node builds its Evaluator from it)
//     probe/               the start-up check (probe.out: the job's log; answer.json)
//     jobs/<key>/          one evaluation: <key> = EvalKey(code, seed, repeats)
//       program            the candidate
//       request.json       {"seed":..., "repeats":...}
//       started            written by the node when the job starts (its host and pid)
//       result.json        written by the node, atomically, when the evaluation ended
//       slurm.out          the job's own stdout and stderr (kevolve's, not the evaluator's)
//       scratch/           the evaluation's scratch folders (removed by the evaluator)
//
// A result file is complete or absent (written to a temporary name, then renamed), so a reader
// never sees half of one.
#pragma once

#include <cstdint>
#include <string>

#include "core/json.h"
#include "core/program.h"
#include "core/status.h"

namespace kevolve::cluster {

struct RunLayout {
  std::string dir;  // <shared_dir>/kevolve-<run id>
  std::string config() const { return dir + "/config.yaml"; }
  std::string probe_dir() const { return dir + "/probe"; }
  std::string jobs() const { return dir + "/jobs"; }
  std::string job(const std::string& key) const { return jobs() + "/" + key; }
};

RunLayout LayoutFor(const std::string& shared_dir, const std::string& run_id);

// The Slurm job name of a run's jobs ("kevolve-<run id>"): how resume finds them.
std::string JobName(const std::string& run_id);

// 16 hex digits naming an evaluation by what decides its result: the code, the seed and the
// repeat count. The same candidate submitted again (after a resume) gets the same key.
std::string EvalKey(const std::string& code, uint64_t seed, int repeats);

// Files of a job folder.
inline std::string ProgramFile(const std::string& job_dir) { return job_dir + "/program"; }
inline std::string RequestFile(const std::string& job_dir) { return job_dir + "/request.json"; }
inline std::string StartedFile(const std::string& job_dir) { return job_dir + "/started"; }
inline std::string ResultFile(const std::string& job_dir) { return job_dir + "/result.json"; }
inline std::string JobLog(const std::string& job_dir) { return job_dir + "/slurm.out"; }

// An EvalResult as JSON and back, losing nothing (EvalResultToJson drops the reason of a valid
// result and the device facts). InvalidArgument when `json` is not such an object.
Json ResultToWire(const EvalResult& r);
Result<EvalResult> ResultFromWire(const Json& json);

// The result file of a job folder: NotFound while there is none.
Result<EvalResult> ReadResult(const std::string& job_dir);

// The last `max_lines` non-empty lines of a text file, for messages ("" if unreadable).
std::string TailOfFile(const std::string& path, size_t max_lines);

}  // namespace kevolve::cluster
