#include "eval/disk_usage.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "core/files.h"

namespace kevolve::eval::internal {
namespace {

namespace fs = std::filesystem;

int64_t AllocatedBytes(const fs::path& path) {
  struct stat st = {};
  if (lstat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_blocks) * 512;
}

bool Passed(const DiskUsage& usage, int64_t stop_bytes, int64_t stop_entries) {
  return (stop_bytes > 0 && usage.bytes > stop_bytes) ||
         (stop_entries > 0 && usage.entries > stop_entries);
}

}  // namespace

void AddTreeUsage(const std::string& root, int64_t stop_bytes, int64_t stop_entries,
                  DiskUsage* usage) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(root, ec);
  if (ec || !fs::exists(status)) return;
  usage->bytes += AllocatedBytes(root);
  if (status.type() != fs::file_type::directory) return;
  // The iterator never follows symbolic links to folders unless asked to.
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    ++usage->entries;
    usage->bytes += AllocatedBytes(it->path());
    if (Passed(*usage, stop_bytes, stop_entries)) return;
  }
}

const std::vector<std::string>& SharedTempFolders() {
  static const std::vector<std::string> folders = [] {
    std::vector<std::string> found;
    for (const char* path : {"/tmp", "/var/tmp", "/dev/shm"}) {
      struct stat st = {};
      if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH) != 0) {
        found.emplace_back(path);
      }
    }
    return found;
  }();
  return folders;
}

std::vector<std::string> EntriesOwnedBy(uid_t uid, const std::string& keep,
                                        const std::vector<std::string>& folders) {
  std::vector<std::string> owned;
  for (const std::string& folder : folders) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string path = it->path().string();
      const bool holds_keep = !keep.empty() && keep.compare(0, path.size(), path) == 0 &&
                              (keep.size() == path.size() || keep[path.size()] == '/');
      struct stat st = {};
      if (!holds_keep && lstat(path.c_str(), &st) == 0 && st.st_uid == uid) {
        owned.push_back(path);
      }
    }
  }
  return owned;
}

int RemoveEntriesOwnedBy(uid_t uid, const std::string& keep,
                         const std::vector<std::string>& folders) {
  int removed = 0;
  for (const std::string& path : EntriesOwnedBy(uid, keep, folders)) {
    if (RemoveTree(path).ok()) ++removed;
  }
  return removed;
}

}  // namespace kevolve::eval::internal
