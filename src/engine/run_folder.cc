#include "engine/run_folder.h"

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "core/files.h"
#include "core/log.h"
#include "core/text.h"

namespace kevolve::engine {

std::string NewRunId(const std::string& task_name, int64_t unix_ms, uint64_t salt) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  char suffix[8];
  std::snprintf(suffix, sizeof(suffix), "%04x", static_cast<unsigned>(salt & 0xffff));
  std::string name = task_name.empty() ? "run" : task_name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  return std::string(stamp) + "-" + name + "-" + suffix;
}

std::string RunPaths::best(const std::string& initial_program) const {
  return dir + "/best" + std::filesystem::path(initial_program).extension().string();
}

std::string RunPaths::unique_id() const {
  // The run id alone is not unique across output folders (two runs started in the same
  // millisecond, or tests on a fixed clock, share it); the folder's path is.
  char where[12];
  std::snprintf(where, sizeof(where), "-%08x", static_cast<unsigned>(Fnv1a64(dir) & 0xffffffffu));
  return std::filesystem::path(dir).filename().string() + where;
}

std::string RunPaths::scratch() const {
  std::error_code ec;
  std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return (tmp / ("kevolve-scratch-" + unique_id())).string();
}

Result<RunPaths> FindRun(const std::string& run, const std::string& output_dir) {
  for (const std::string& dir : {run, output_dir + "/" + run}) {
    if (PathExists(dir + "/run.db")) {
      std::string abs = AbsolutePath(dir);
      while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
      return RunPaths{abs};
    }
  }
  return Status::NotFound("no run at '" + run + "' (looked for " + run + "/run.db and " +
                          output_dir + "/" + run + "/run.db); `ls " + output_dir +
                          "` lists the runs");
}

void EventLog::Emit(const std::string& type, Json fields) {
  fields["t"] = clock_.UnixMs();
  fields["type"] = type;
  std::string line = DumpJson(fields);
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  out_ << line;
  out_.flush();
  if (!out_ && !warned_) {
    warned_ = true;
    log::Warn("events are not being written to '{}' (disk full or folder gone?)", path_);
  }
}

}  // namespace kevolve::engine
