// What an evaluation may see of the file system, shared by both ways of showing it: bwrap binds
// these folders into an empty root (sandbox_bwrap.cc), Landlock allows them in process mode
// (sandbox_landlock.cc). One list, so the two modes cannot drift apart.
#include <filesystem>
#include <string>
#include <vector>

#include "eval/sandbox_internal.h"

namespace kevolve::eval::internal {

const std::vector<std::string>& SystemFolders() {
  static const std::vector<std::string> folders = {"/usr",   "/bin",    "/sbin", "/lib", "/lib32",
                                                   "/lib64", "/libx32", "/etc",  "/opt"};
  return folders;
}

bool IsUnder(const std::string& path, const std::string& folder) {
  if (folder == "/") return true;
  return path.compare(0, folder.size(), folder) == 0 &&
         (path.size() == folder.size() || path[folder.size()] == '/');
}

std::string CommandFolder(const SandboxSpec& spec, const std::string& command) {
  if (command.empty() || command[0] != '/') return "";
  for (const std::string& system : SystemFolders()) {
    if (IsUnder(command, system)) return "";
  }
  for (const std::string& dir : spec.ro_binds) {
    if (IsUnder(command, dir)) return "";
  }
  if (!spec.workdir.empty() && IsUnder(command, spec.workdir)) return "";
  return std::filesystem::path(command).parent_path().string();
}

}  // namespace kevolve::eval::internal
