#include "testing/slurm_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "core/files.h"
#include "testing/command.h"

namespace kevolve::testing {
namespace {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string Slurp(const std::string& path) { return ReadFile(path).value_or(""); }

bool Which(const std::string& tool) {
  for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"}) {
    if (access((dir + tool).c_str(), X_OK) == 0) return true;
  }
  return false;
}

void Terminate(int& pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = -1;
}

}  // namespace

SlurmCluster::~SlurmCluster() { Stop(); }

int SlurmCluster::StartDaemon(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    setsid();
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

std::string SlurmCluster::Logs() const {
  std::string out;
  for (const char* f : {"munged.log", "slurmctld.log", "slurmd.log", "slurmctld.out",
                        "slurmd.out"}) {
    std::string text = Slurp(dir_ + "/" + f);
    if (text.size() > 3000) text = text.substr(text.size() - 3000);
    out += std::string("--- ") + f + "\n" + text;
  }
  return out;
}

std::string SlurmCluster::Start() {
  if (geteuid() != 0) return "the Slurm test cluster needs root (slurmd runs jobs as any user)";
  for (const char* tool : {"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"}) {
    if (!Which(tool)) {
      return std::string(tool) + " is not installed; run scripts/setup.sh (Debian packages "
                                 "slurmctld slurmd slurm-client munge)";
    }
  }
  char templ[] = "/tmp/kevolve-slurm-XXXXXX";
  if (mkdtemp(templ) == nullptr) return "mkdtemp failed";
  dir_ = templ;
  chmod(dir_.c_str(), 0755);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  node_ = host;
  for (const char* sub : {"/munge", "/state", "/spool", "/shared"}) {
    mkdir((dir_ + sub).c_str(), 0755);
  }
  chmod((dir_ + "/munge").c_str(), 0700);
  {
    std::ofstream key(dir_ + "/munge/key", std::ios::binary);
    std::ifstream random("/dev/urandom", std::ios::binary);
    std::vector<char> bytes(1024);
    random.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    key.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  chmod((dir_ + "/munge/key").c_str(), 0400);
  const std::string sock = dir_ + "/munge/sock";
  munged_ = StartDaemon({"/usr/sbin/munged", "--foreground", "--force", "--key-file=" + dir_ + "/munge/key",
                         "--socket=" + sock, "--pid-file=" + dir_ + "/munge/pid",
                         "--log-file=" + dir_ + "/munged.log", "--seed-file=" + dir_ + "/munge/seed"},
                        dir_ + "/munged.out");
  for (int i = 0; i < 100 && access(sock.c_str(), F_OK) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (access(sock.c_str(), F_OK) != 0) return "munged did not start:\n" + Logs();
  const int ctld_port = FreePort();
  int slurmd_port = FreePort();
  while (slurmd_port == ctld_port) slurmd_port = FreePort();
  std::ofstream conf(dir_ + "/slurm.conf");
  conf << "# written by the kevolve test fixture (tests/testing/slurm_cluster.cc)\n"
       << "ClusterName=kevolvetest\n"
       << "SlurmctldHost=" << node_ << "(127.0.0.1)\n"
       << "SlurmctldPort=" << ctld_port << "\nSlurmdPort=" << slurmd_port << "\n"
       << "SlurmUser=root\nSlurmdUser=root\n"
       << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << sock << "\n"
       << "StateSaveLocation=" << dir_ << "/state\nSlurmdSpoolDir=" << dir_ << "/spool\n"
       << "SlurmctldPidFile=" << dir_ << "/slurmctld.pid\nSlurmdPidFile=" << dir_ << "/slurmd.pid\n"
       << "SlurmctldLogFile=" << dir_ << "/slurmctld.log\nSlurmdLogFile=" << dir_ << "/slurmd.log\n"
       << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
       << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
       << "JobCompType=jobcomp/none\nMpiDefault=none\nPlugStackConfig=/dev/null\n"
       << "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n"
       << "SchedulerType=sched/backfill\nSlurmdParameters=config_overrides\n"
       << "ReturnToService=2\nMinJobAge=600\nKillWait=2\nSlurmctldTimeout=30\n"
       << "SlurmdTimeout=30\nInactiveLimit=0\n"
       << "NodeName=" << node_ << " NodeAddr=127.0.0.1 CPUs=4 RealMemory=4000 State=UNKNOWN\n"
       << "PartitionName=debug Nodes=" << node_ << " Default=YES MaxTime=INFINITE State=UP\n";
  conf.close();
  setenv("SLURM_CONF", (dir_ + "/slurm.conf").c_str(), 1);
  std::string error = StartController();
  if (!error.empty()) return error;
  slurmd_ = StartDaemon({"/usr/sbin/slurmd", "-D", "-f", dir_ + "/slurm.conf"}, dir_ + "/slurmd.out");
  return WaitForIdleNode(60);
}

std::string SlurmCluster::StartController() {
  slurmctld_ = StartDaemon({"/usr/sbin/slurmctld", "-D", "-f", dir_ + "/slurm.conf"},
                           dir_ + "/slurmctld.out");
  for (int i = 0; i < 200; ++i) {
    if (RunCommand({"/usr/bin/squeue", "-h"}).exit_code == 0) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "slurmctld did not answer within 20 s:\n" + Logs();
}

void SlurmCluster::StopController() { Terminate(slurmctld_); }

std::string SlurmCluster::WaitForIdleNode(int timeout_s) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::string seen;
  while (std::chrono::steady_clock::now() < until) {
    auto r = RunCommand({"/usr/bin/sinfo", "-h", "-o", "%T"});
    seen = r.out + r.err;
    if (r.exit_code == 0 && seen.find("idle") != std::string::npos) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return "the node did not become idle within " + std::to_string(timeout_s) + " s (sinfo: " +
         seen + "):\n" + Logs();
}

void SlurmCluster::Stop() {
  if (dir_.empty()) return;
  if (slurmctld_ > 0) (void)RunCommand({"/usr/bin/scancel", "--quiet", "--user=root"});
  Terminate(slurmd_);
  Terminate(slurmctld_);
  Terminate(munged_);
  (void)RunCommand({"/bin/rm", "-rf", dir_});
  dir_.clear();
}

}  // namespace kevolve::testing
