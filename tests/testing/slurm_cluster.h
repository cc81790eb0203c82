// A real single-machine Slurm cluster for tests: munged, slurmctld and one slurmd on this
// machine, with a key, a slurm.conf and state folders the fixture writes into a fresh temporary
// folder, on ports chosen free. It sets SLURM_CONF in this process's environment, so the Slurm
// tools (and kevolve processes started afterwards) talk to it. Needs root and Debian's slurmctld,
// slurmd, slurm-client and munge (scripts/setup.sh); Start says what is missing otherwise.
#pragma once

#include <string>
#include <vector>

namespace kevolve::testing {

class SlurmCluster {
 public:
  SlurmCluster() = default;
  ~SlurmCluster();  // Stop()
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  // Writes the configuration and starts the daemons; returns "" when the node is idle, else why
  // the cluster could not start (including the daemons' logs).
  std::string Start();
  // Stops slurmd, slurmctld and munged (SIGTERM, then SIGKILL) and removes the folder.
  void Stop();

  // slurmctld alone, for outage tests: stopped (SIGTERM, state saved) and started again.
  void StopController();
  std::string StartController();

  const std::string& dir() const { return dir_; }
  // A folder for evaluator.slurm.shared_dir (mode 0755, below dir()).
  std::string shared_dir() const { return dir_ + "/shared"; }
  std::string node() const { return node_; }

 private:
  int StartDaemon(const std::vector<std::string>& argv, const std::string& log);
  std::string WaitForIdleNode(int timeout_s);
  std::string Logs() const;

  std::string dir_;
  std::string node_;
  int munged_ = -1;
  int slurmctld_ = -1;
  int slurmd_ = -1;
};

}  // namespace kevolve::testing
