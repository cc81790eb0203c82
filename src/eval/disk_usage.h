// Internal to the sandbox: how much an evaluation has written to disk, and the files it left in
// the shared temporary folders. Used by RunSandboxed to enforce limits.disk_mb (docs/security.md,
// "Filling the disk") and to clean up after evaluators that run as another uid in process mode.
// Thread-safe (no shared state). Never follows symbolic links.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kevolve::eval::internal {

// Most files and folders an evaluation may create: a candidate that makes millions of empty
// files fills the file system's inodes without using bytes. 64 per MiB of limits.disk_mb
// (65536 at the default 1024 MiB); 0 (no disk cap) = none.
inline constexpr int64_t kEntriesPerDiskMb = 64;
inline int64_t MaxEntries(int64_t disk_mb) { return disk_mb > 0 ? disk_mb * kEntriesPerDiskMb : 0; }

struct DiskUsage {
  int64_t bytes = 0;    // allocated bytes (st_blocks * 512), so sparse files count what they use
  int64_t entries = 0;  // files, folders, links, ... below the roots (the roots not counted)
};

// Adds what is below `root` (and `root` itself when it is not a folder) to `usage`. Stops early
// once usage passes `stop_bytes` or `stop_entries` (0 = no stop): the caller only needs to know
// that a cap was passed, and a hostile tree can be made arbitrarily large. A missing root adds
// nothing; unreadable parts are skipped.
void AddTreeUsage(const std::string& root, int64_t stop_bytes, int64_t stop_entries,
                  DiskUsage* usage);

// The world-writable folders where an evaluator that runs as an unprivileged uid can leave files
// outside its scratch folder, and which nobody cleans up: /tmp, /var/tmp, /dev/shm (those that
// exist).
const std::vector<std::string>& SharedTempFolders();

// Absolute paths of the entries directly inside `folders` (default: the shared temporary
// folders) owned by `uid`, except `keep` (the run's own scratch folder, when it sits there) and
// the folders above it.
std::vector<std::string> EntriesOwnedBy(uid_t uid, const std::string& keep = "",
                                        const std::vector<std::string>& folders =
                                            SharedTempFolders());

// Removes every entry EntriesOwnedBy(uid, keep, folders) returns, with everything below it.
// Returns how many top-level entries were removed. REQUIRES: no process of `uid` is alive (else
// it races).
int RemoveEntriesOwnedBy(uid_t uid, const std::string& keep = "",
                         const std::vector<std::string>& folders = SharedTempFolders());

}  // namespace kevolve::eval::internal
