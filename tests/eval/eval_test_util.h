// Helpers shared by the eval tests: where the hostile programs are, temporary folders that the
// evaluator's unprivileged uids can enter, and /proc scans that prove nothing was left behind.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/files.h"
#include "eval/sandbox.h"

namespace kevolve::eval {

// How GoogleTest prints a test's sandbox mode: "process" or "bwrap".
inline void PrintTo(SandboxMode mode, std::ostream* os) { *os << SandboxModeName(mode); }

}  // namespace kevolve::eval

namespace kevolve::eval::testing {

inline std::string HostileDir() { return std::string(KEVOLVE_SOURCE_DIR) + "/tests/eval/hostile"; }
inline std::string HostileBin(const std::string& name) {
  return std::string(KEVOLVE_HOSTILE_BIN_DIR) + "/" + name;
}

// A fresh folder under /tmp, searchable by everyone (evaluators run as other uids), removed with
// everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = MakeTempDir("/tmp", "kevolve-eval-test-").value_or("");
    chmod(path_.c_str(), 0755);
  }
  ~TempDir() { (void)RemoveTree(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A marker no other test uses, to find a test's processes by command line.
inline std::string UniqueMarker(const std::string& what) {
  static std::atomic<int> counter{0};
  return "kevolve-marker-" + what + "-" + std::to_string(getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

// Pids of live processes whose command line contains `marker`.
inline std::vector<int> PidsWithMarker(const std::string& marker) {
  namespace fs = std::filesystem;
  std::vector<int> pids;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmdline = ReadFile(it->path().string() + "/cmdline");
    if (!cmdline.ok()) continue;
    for (char& c : *cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline->find(marker) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

// Pids of processes owned by `uid`.
inline std::vector<int> PidsOfUid(uid_t uid) {
  namespace fs = std::filesystem;
  std::vector<int> pids;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat st = {};
    if (stat(it->path().c_str(), &st) == 0 && st.st_uid == uid) pids.push_back(std::stoi(name));
  }
  return pids;
}

// Tight limits so that every hostile test ends within about two seconds and stays small.
inline EvaluatorConfig HostileConfig(std::vector<std::string> command) {
  EvaluatorConfig config;
  config.command = std::move(command);
  config.workers = 2;
  config.timeout_seconds = 1.5;
  config.grace_seconds = 0.3;
  config.limits.cpu_seconds = 10;
  config.limits.memory_mb = 256;
  config.limits.processes = 16;
  config.limits.output_bytes = 64 * 1024;
  config.sandbox = SandboxSetting::kProcess;
  return config;
}

}  // namespace kevolve::eval::testing
