// The red-team suite's world: a folder shaped like a user's checkout with a task in it, secrets
// beside the task, a listening TCP port and a Unix socket, and the means to prove afterwards
// that nothing of it changed and nothing of an evaluation stayed behind.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/text.h"

namespace kevolve::eval::testing {

// The arena lives below the build folder, never under /tmp or /dev/shm: bwrap gives an
// evaluation private ones, which would hide a secret there (or take a write meant to escape)
// for the wrong reason. A build folder under /tmp moves it to /var/tmp.
//   <root>/.env                             world-readable, like a repository's .env file
//   <root>/home/.config/kevolve/credentials 0600 in 0700 folders, like a user's key file
//   <root>/task/                            the task: hostile scripts, evaluate, reference.txt
//   <root>/scratch/                         the scratch root
//   <root>/agent.sock                       a Unix socket anyone may connect to
class Arena {
 public:
  Arena() {
    namespace fs = std::filesystem;
    std::string parent = std::string(KEVOLVE_BINARY_DIR) + "/tests/security";
    if (StartsWith(parent, "/tmp/") || StartsWith(parent, "/dev/shm/")) {
      parent = "/var/tmp/kevolve-security";
      (void)MakeDirs(parent);
      chmod(parent.c_str(), 0755);
    }
    root_ = MakeTempDir(parent, "arena-").value_or("");
    chmod(root_.c_str(), 0755);
    secret_dotenv_ = "sk-dotenv-" + std::to_string(getpid());
    secret_private_ = "sk-private-" + std::to_string(getpid());
    Write(".env", "OPENAI_API_KEY=" + secret_dotenv_ + "\n", 0644);
    (void)MakeDirs(Path("home/.config/kevolve"));
    for (const char* dir : {"home", "home/.config", "home/.config/kevolve"}) {
      chmod(Path(dir).c_str(), 0700);
    }
    Write("home/.config/kevolve/credentials", secret_private_ + "\n", 0600);
    (void)MakeDirs(Path("task"));
    chmod(Path("task").c_str(), 0755);
    (void)MakeDirs(Path("scratch"));
    for (const std::string& source :
         {std::string(KEVOLVE_SOURCE_DIR) + "/tests/eval/hostile",
          std::string(KEVOLVE_SOURCE_DIR) + "/tests/security/hostile"}) {
      std::error_code ec;
      for (fs::directory_iterator it(source, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() != ".sh") continue;
        fs::copy_file(it->path(), Path("task/" + it->path().filename().string()),
                      fs::copy_options::overwrite_existing, ec);
      }
    }
    std::error_code ec;
    fs::copy_file(Path("task/careful_evaluate.sh"), Path("task/evaluate"), ec);
    Write("task/reference.txt", "the reference answer: 42\n", 0644);
    OpenUnixSocket();
    snapshot_ = Snapshot();
  }
  ~Arena() {
    if (unix_fd_ >= 0) close(unix_fd_);
    (void)RemoveTree(root_);
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  std::string Path(const std::string& relative) const { return root_ + "/" + relative; }
  const std::string& root() const { return root_; }
  std::string task() const { return Path("task"); }
  std::string scratch() const { return Path("scratch"); }
  std::string socket_path() const { return Path("agent.sock"); }
  const std::string& secret_dotenv() const { return secret_dotenv_; }
  const std::string& secret_private() const { return secret_private_; }

  // Connections the Unix socket has waiting (it never accepts them).
  int UnixConnectionsWaiting() const { return unix_fd_ >= 0 ? AcceptAll(unix_fd_) : 0; }

  // Every path below the root except the scratch folder and the socket, with its mode and a
  // hash of its content: equal snapshots mean nothing was written, moved, removed or chmod-ed.
  std::map<std::string, std::string> Snapshot() const {
    namespace fs = std::filesystem;
    std::map<std::string, std::string> entries;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string path = it->path().string();
      if (StartsWith(path, scratch()) || path == socket_path()) continue;
      struct stat st = {};
      lstat(path.c_str(), &st);
      std::string value = std::to_string(st.st_mode) + ":" + std::to_string(st.st_uid);
      if (S_ISREG(st.st_mode)) value += ":" + CodeHash(ReadFile(path).value_or("?"));
      entries[path] = value;
    }
    return entries;
  }
  bool Unchanged() const { return Snapshot() == snapshot_; }

  static int AcceptAll(int fd) {
    int accepted = 0;
    for (int c; (c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
      close(c);
      ++accepted;
    }
    return accepted;
  }

 private:
  void Write(const std::string& relative, const std::string& content, mode_t mode) {
    (void)WriteFileAtomic(Path(relative), content);
    chmod(Path(relative).c_str(), mode);
  }

  void OpenUnixSocket() {
    unix_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    const std::string path = socket_path();
    if (unix_fd_ < 0 || path.size() >= sizeof addr.sun_path) return;
    path.copy(addr.sun_path, path.size());
    if (bind(unix_fd_, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(unix_fd_, 16) != 0) {
      close(unix_fd_);
      unix_fd_ = -1;
      return;
    }
    chmod(path.c_str(), 0777);
  }

  std::string root_;
  std::string secret_dotenv_;
  std::string secret_private_;
  int unix_fd_ = -1;
  std::map<std::string, std::string> snapshot_;
};

// A TCP port listening on every address of this machine; it never accepts.
class TcpListener {
 public:
  TcpListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<struct sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~TcpListener() {
    if (fd_ >= 0) close(fd_);
  }
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  int port() const { return port_; }
  int ConnectionsWaiting() const { return fd_ >= 0 ? Arena::AcceptAll(fd_) : 0; }

  // "tcp:ADDRESS:PORT" for 127.0.0.1 and for every other IPv4 address of this machine.
  std::vector<std::string> Targets() const {
    std::vector<std::string> targets = {"tcp:127.0.0.1:" + std::to_string(port_)};
    struct ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return targets;
    for (struct ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
      char text[INET_ADDRSTRLEN] = {};
      const auto* in = reinterpret_cast<const struct sockaddr_in*>(a->ifa_addr);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      if (std::string(text) != "127.0.0.1")
        targets.push_back("tcp:" + std::string(text) + ":" + std::to_string(port_));
    }
    freeifaddrs(list);
    return targets;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace kevolve::eval::testing
