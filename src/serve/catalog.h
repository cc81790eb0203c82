// RunCatalog: the runs a dashboard serves, found below the folders it was given.
//
// A root is a run folder (it holds run.db) or a folder of run folders (one level down). Runs are
// named by their folder's name; a name that two roots share gets "~2", "~3"... in discovery
// order. Requests name runs only by these names, never by a path, so no request can reach a
// file outside the served runs. Rescan() picks up runs that started since.
// Thread safety: every method may be called from any thread.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace kevolve::serve {

struct RunEntry {
  std::string name;  // the run's name in URLs
  std::string dir;   // its folder (absolute)
  std::string db() const { return dir + "/run.db"; }
  std::string events() const { return dir + "/events.jsonl"; }
};

class RunCatalog {
 public:
  explicit RunCatalog(std::vector<std::string> roots) : roots_(std::move(roots)) {}

  // NotFound when a root does not exist or is not a folder.
  Status CheckRoots() const;
  // Looks again below every root; runs already named keep their names.
  void Rescan();
  // Every run, newest name first (run ids start with their start time).
  std::vector<RunEntry> Runs() const;
  // The run called `name`, rescanning once when it is not known yet.
  std::optional<RunEntry> Find(const std::string& name);

 private:
  std::vector<std::string> roots_;
  mutable std::mutex mu_;
  std::vector<RunEntry> runs_;  // guarded by mu_
};

}  // namespace kevolve::serve
