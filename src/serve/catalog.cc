#include "serve/catalog.h"

#include <algorithm>
#include <filesystem>

#include "core/files.h"

namespace kevolve::serve {
namespace {

namespace fs = std::filesystem;

bool IsRunFolder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "run.db", ec);
}

// Run folders at `root` or one level below it, sorted by path so names are stable.
std::vector<std::string> RunFoldersBelow(const std::string& root) {
  std::vector<std::string> dirs;
  if (IsRunFolder(root)) return {AbsolutePath(root)};
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && IsRunFolder(it->path())) {
      dirs.push_back(AbsolutePath(it->path().string()));
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

}  // namespace

Status RunCatalog::CheckRoots() const {
  for (const std::string& root : roots_) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      return Status::NotFound("'" + root + "' is not a folder; give run folders or folders of runs");
    }
  }
  return Status::Ok();
}

void RunCatalog::Rescan() {
  std::vector<std::string> found;
  for (const std::string& root : roots_) {
    for (std::string& dir : RunFoldersBelow(root)) found.push_back(std::move(dir));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& dir : found) {
    auto known = std::find_if(runs_.begin(), runs_.end(),
                              [&](const RunEntry& r) { return r.dir == dir; });
    if (known != runs_.end()) continue;
    const std::string base = fs::path(dir).filename().string();
    std::string name = base;
    for (int n = 2; std::any_of(runs_.begin(), runs_.end(),
                                [&](const RunEntry& r) { return r.name == name; });
         ++n) {
      name = base + "~" + std::to_string(n);
    }
    runs_.push_back({name, dir});
  }
}

std::vector<RunEntry> RunCatalog::Runs() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RunEntry> runs = runs_;
  std::sort(runs.begin(), runs.end(),
            [](const RunEntry& a, const RunEntry& b) { return a.name > b.name; });
  return runs;
}

std::optional<RunEntry> RunCatalog::Find(const std::string& name) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const RunEntry& r : runs_) {
        if (r.name == name) return r;
      }
    }
    if (attempt == 0) Rescan();
  }
  return std::nullopt;
}

}  // namespace kevolve::serve
