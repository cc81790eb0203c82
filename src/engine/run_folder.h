// The run folder: everything one run owns, under <output_dir>/<run id>/.
//
//   run.db        SQLite, the single source of truth (programs, placements, state, meta)
//   config.yaml   the effective config, as the run started (also stored in run.db)
//   events.jsonl  one JSON object per line: run_start, program, new_best, promotion, repeats,
//                 migration, ...
//   best<.ext>    the best program so far, with the initial program's extension (rewritten on
//                 every new best; a convenience copy of what run.db holds)
// Evaluation scratch folders live under the system's temporary folder instead
// (<tmp>/kevolve-scratch-<run id>-<hash of the run folder's path>/), because an evaluator that
// runs as an unprivileged uid must be able to reach its folder, and a run folder may sit below a
// private home (/root is 0700).
#pragma once

#include <cstdint>
#include <fstream>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/json.h"
#include "core/status.h"

namespace kevolve::engine {

struct RunPaths {
  std::string dir;
  std::string db() const { return dir + "/run.db"; }
  std::string config() const { return dir + "/config.yaml"; }
  std::string events() const { return dir + "/events.jsonl"; }
  // "<run id>-<8 hex digits of the run folder's path hash>": names the run's cluster jobs and
  // shared folder (the run id alone is not unique across output folders).
  std::string unique_id() const;
  // `initial_program` is the task's file name; its extension is kept.
  std::string best(const std::string& initial_program) const;
  // <tmp>/kevolve-scratch-<run id>-<8 hex digits of the run folder's path hash>: every folder
  // above it is searchable by any uid.
  std::string scratch() const;
};

// "<yyyymmdd-hhmmss>-<task name>-<4 hex>": sortable by start time, unique in practice.
std::string NewRunId(const std::string& task_name, int64_t unix_ms, uint64_t salt);

// Resolves what a user typed for a run: a folder with run.db in it, or a run id under
// `output_dir`. NotFound says where it looked.
Result<RunPaths> FindRun(const std::string& run, const std::string& output_dir);

// Appends run events to events.jsonl. The file stays open in append mode and each line is
// flushed as it is written, so readers (and a run killed at any moment) see whole lines.
// Thread-safe. Write failures are logged once and then ignored: events are a convenience copy,
// run.db is the record.
class EventLog {
 public:
  EventLog(std::string path, Clock& clock)
      : path_(std::move(path)), clock_(clock), out_(path_, std::ios::binary | std::ios::app) {}
  // Adds "t" (unix ms) and "type" to `fields` and appends it as one line.
  void Emit(const std::string& type, Json fields = Json::object());

 private:
  std::string path_;
  Clock& clock_;
  std::mutex mu_;
  std::ofstream out_;
  bool warned_ = false;
};

}  // namespace kevolve::engine
