#include "core/files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace kevolve {
namespace fs = std::filesystem;

// A regular file is read into a string of its size, so a large one is copied once; what else
// there is (a pipe, /proc, a file that grew) is read to its end.
Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path)) return Status::NotFound("file '" + path + "' does not exist");
    return Status::Unavailable("cannot open '" + path + "': " + std::strerror(errno));
  }
  std::string text;
  std::error_code ec;
  if (const auto size = fs::file_size(path, ec); !ec && size > 0) {
    text.resize(static_cast<size_t>(size));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
  }
  if (in && in.peek() != std::ifstream::traits_type::eof()) {
    std::ostringstream rest;
    rest << in.rdbuf();
    text += rest.str();
  }
  if (in.bad()) return Status::Internal("error reading '" + path + "'");
  return text;
}

Status WriteFileAtomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Unavailable("cannot write '" + tmp + "': " + std::strerror(errno));
    out << content;
    out.flush();
    if (!out) return Status::Unavailable("error writing '" + tmp + "' (disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  return Status::Ok();
}

Status AppendFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out) return Status::Unavailable("cannot open '" + path + "': " + std::strerror(errno));
  out << content;
  out.flush();
  if (!out) return Status::Unavailable("error appending to '" + path + "' (disk full?)");
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Status::Unavailable("cannot create folder '" + path + "': " + ec.message());
  return Status::Ok();
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Status::Unavailable("cannot remove '" + path + "': " + ec.message());
  return Status::Ok();
}

Result<std::string> MakeTempDir(const std::string& parent, const std::string& prefix) {
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(parent));
  std::string templ = (fs::path(parent) / (prefix + "XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return Status::Unavailable("cannot create a temporary folder in '" + parent +
                               "': " + std::strerror(errno));
  }
  return std::string(buf.data());
}

bool PathExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  auto abs = fs::absolute(path, ec);
  if (ec) return path;
  return abs.lexically_normal().string();
}

}  // namespace kevolve
