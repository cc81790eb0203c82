// The bwrap command line of a sandboxed run: what the evaluation sees of the file system and
// which namespaces it gets (docs/protocol.md, "Modes"; docs/security.md).
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "eval/sandbox_internal.h"

namespace kevolve::eval::internal {
namespace {

// The system folders a bwrap evaluation sees, read-only: programs, libraries, configuration.
// Everything else (home folders, /root, /run and its sockets, /var, /srv, /mnt, the folders
// that hold the task, the run and other evaluations) is absent unless bound on purpose.
// Top-level links (merged /usr: /bin -> usr/bin) are recreated as links.
const std::vector<std::string>& SystemBinds() {
  static const std::vector<std::string> binds = [] {
    std::vector<std::string> argv;
    for (const std::string& path : SystemFolders()) {
      struct stat st = {};
      if (lstat(path.c_str(), &st) != 0) continue;
      if (S_ISLNK(st.st_mode)) {
        char target[4096];
        const ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
        if (n <= 0) continue;
        argv.insert(argv.end(), {"--symlink", std::string(target, static_cast<size_t>(n)), path});
      } else if (S_ISDIR(st.st_mode)) {
        argv.insert(argv.end(), {"--ro-bind", path, path});
      }
    }
    return argv;
  }();
  return binds;
}

}  // namespace

std::vector<std::string> BwrapArgv(const SandboxSpec& spec, const std::string& bwrap,
                                   const std::string& command) {
  std::vector<std::string> argv = {bwrap, "--die-with-parent", "--unshare-all", "--new-session"};
  if (BwrapHasOption("--disable-userns")) {
    // Nothing inside may build namespaces of its own (less kernel surface to attack).
    argv.insert(argv.end(), {"--unshare-user", "--disable-userns"});
  }
  const std::vector<std::string>& system = SystemBinds();
  argv.insert(argv.end(), system.begin(), system.end());
  argv.insert(argv.end(), {"--dev", "/dev", "--proc", "/proc"});
  // Private /tmp and /dev/shm. They are memory, which no rlimit counts: cap them like the disk.
  const bool sized = spec.limits.disk_mb > 0 && BwrapHasOption("--size");
  const std::string tmpfs_bytes = std::to_string(spec.limits.disk_mb << 20);
  for (const char* tmp : {"/tmp", "/dev/shm"}) {
    if (sized) argv.insert(argv.end(), {"--size", tmpfs_bytes});
    argv.insert(argv.end(), {"--tmpfs", tmp});
  }
  if (spec.gpu) argv.insert(argv.end(), {"--ro-bind-try", "/sys", "/sys"});
  for (const std::string& dev : spec.dev_binds)
    argv.insert(argv.end(), {"--dev-bind-try", dev, dev});
  for (const std::string& dir : spec.ro_binds) argv.insert(argv.end(), {"--ro-bind", dir, dir});
  if (const std::string folder = CommandFolder(spec, command); !folder.empty()) {
    argv.insert(argv.end(), {"--ro-bind", folder, folder});
  }
  if (!spec.workdir.empty()) {
    argv.insert(argv.end(), {"--bind", spec.workdir, spec.workdir, "--chdir", spec.workdir});
  }
  // The sandbox's own root is a tmpfs holding the mount points: read-only, or a candidate could
  // create /var/anything there, in memory nobody caps.
  argv.insert(argv.end(), {"--remount-ro", "/"});
  argv.push_back("--");
  argv.push_back(command);
  argv.insert(argv.end(), spec.argv.begin() + 1, spec.argv.end());
  return argv;
}

}  // namespace kevolve::eval::internal
