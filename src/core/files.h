// File helpers over std::filesystem that report failures as Status instead of throwing.
#pragma once

#include <string>

#include "core/status.h"

namespace kevolve {

Result<std::string> ReadFile(const std::string& path);
// Writes through a temporary file in the same folder and renames it over `path`, so readers see
// the old or the new content, never half of it.
Status WriteFileAtomic(const std::string& path, const std::string& content);
Status AppendFile(const std::string& path, const std::string& content);
Status MakeDirs(const std::string& path);
// Removes `path` and everything below it; OK if it does not exist.
Status RemoveTree(const std::string& path);
// Creates a fresh, empty, uniquely named directory under `parent` (mkdtemp).
Result<std::string> MakeTempDir(const std::string& parent, const std::string& prefix);
bool PathExists(const std::string& path);
// Absolute, lexically normal form of `path` (relative to the working directory).
std::string AbsolutePath(const std::string& path);

}  // namespace kevolve
