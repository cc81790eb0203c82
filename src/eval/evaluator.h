// The evaluator: runs a task's evaluator command on one candidate program, stage by stage,
// inside the sandbox, and turns what happened into an EvalResult (docs/protocol.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/program.h"
#include "core/status.h"
#include "eval/devices.h"
#include "eval/sandbox.h"
#include "eval/slot_sandbox.h"

namespace kevolve::eval {

// The sandbox mode evaluator.sandbox (`setting`) puts in force on a machine with `caps`, and
// why, in words a person reads (kevolve doctor prints them). `problem` is FailedPrecondition
// for bwrap asked for where bwrap cannot run (saying why), else OK. The one place this rule is
// written.
struct SandboxChoice {
  SandboxMode mode = SandboxMode::kProcess;
  std::string why;
  Status problem;
};
SandboxChoice ChooseSandboxMode(SandboxSetting setting, const SandboxCapabilities& caps);

// ChooseSandboxMode on this machine (DetectSandbox()), as a Result.
Result<SandboxMode> ResolveSandboxMode(SandboxSetting setting);

struct EvaluatorOptions {
  std::string task_dir;      // the task folder: {task}, and where relative command words resolve
  std::string scratch_root;  // per-evaluation folders are created (and removed) below it
  // As root, worker slot i runs as uid uid_base + (i % 64) (gid the same number). 0 = derived
  // from this process's pid, so that two kevolve processes on one machine do not share uids
  // (RLIMIT_NPROC counts per uid).
  uint32_t uid_base = 0;
  // The folder of kevolve's own tools (the evaluation kits: kevolve-gemm-score, kevolve-sealed),
  // readable by every evaluation and named to it by KEVOLVE_TOOLS. Empty = `kevolve-tools`
  // beside the running executable, where the build puts them, if there is one (else none).
  std::string tools_dir = "";
  // Evaluations run in a persistent sandbox per worker slot (slot_sandbox.h) where the machine
  // and the mode allow it (SlotSandbox::Supported); false: a new sandbox per evaluation always.
  bool persistent_slots = true;
  // The slot agent, kevolve-slot. Empty = in tools_dir, else where the build put it.
  std::string slot_agent = "";
};

class Evaluator {
 public:
  // Checks the config against the machine. REQUIRES: `config` is the evaluator section of a
  // Config that passed ValidateConfig (config/load.h), which owns every rule on the config's
  // values and their wording; a caller that breaks the few this code cannot run without (a
  // command, a positive timeout, a plain program_filename, devices for an exclusive stage)
  // gets InvalidArgument saying which precondition. Errors about the machine:
  //   NotFound            the task folder, the evaluator command, or one of
  //                       evaluator.read_paths does not exist
  //   FailedPrecondition  sandbox "bwrap" asked for where bwrap cannot run (says why)
  //   Unavailable         the scratch root cannot be created
  // The environment variables named by env_allow are read now, once.
  static Result<std::unique_ptr<Evaluator>> Create(const EvaluatorConfig& config,
                                                   EvaluatorOptions options);

  // Evaluates `code` in a fresh scratch folder that is removed before returning: writes it as
  // config.program_filename, runs stage 1..n (stage k+1 only while stage k is valid and scores
  // at least its threshold), and returns the merged result with stages_run and duration_ms.
  // Never throws and never fails: every problem, the candidate's or the machine's, is an
  // invalid result with a failure kind and a one-line reason. Thread-safe: call it from several
  // threads at once with distinct `slot`s (slot picks the uid and the device; 0-based).
  // A stage with device: exclusive first waits for a device of evaluator.devices (not part of
  // its deadline; `cancel` ends the wait) and holds it until its process tree is gone.
  // `cancel` (may be null) kills a running evaluation promptly when it turns true. `repeats` is
  // what {repeats} and KEVOLVE_REPEATS say (how often to measure); 0 = repeats.initial, and
  // when that is 0 too (off) KEVOLVE_REPEATS is not set.
  EvalResult Evaluate(const std::string& code, uint64_t seed, int slot,
                      const std::atomic<bool>* cancel = nullptr, int repeats = 0) const;

  const EvaluatorConfig& config() const { return config_; }
  SandboxMode mode() const { return mode_; }
  // Whether evaluations run in a persistent sandbox per worker slot (slot_sandbox.h).
  bool persistent_slots() const { return !slot_agent_.empty(); }
  // The uid the evaluator of `slot` runs as; nullopt when this process cannot switch uids.
  std::optional<uint32_t> SlotUid(int slot) const;
  // The complete environment the evaluator sees for `stage` (1-based) of an evaluation in
  // `workdir` (exposed for tests and `kevolve doctor`). `held_device`: the device an exclusive
  // stage holds (CUDA_VISIBLE_DEVICES); ignored for other stages.
  std::vector<std::string> Environment(int stage, const std::string& workdir, uint64_t seed,
                                       int slot, int repeats = 0,
                                       const std::string& held_device = "") const;
  // What each device of evaluator.devices did for exclusive stages so far; empty when no
  // stage is exclusive. Thread-safe.
  std::vector<DeviceUse> DeviceUsage() const;
  // The argv of `stage`, placeholders substituted and the first word resolved.
  std::vector<std::string> Command(int stage, const std::string& workdir, uint64_t seed,
                                   int repeats = 0) const;

 private:
  Evaluator(EvaluatorConfig config, EvaluatorOptions options, SandboxMode mode,
            std::map<std::string, std::string> inherited, std::vector<std::string> gpu_nodes,
            std::vector<std::string> ro_binds);
  std::string StageDevice(int stage) const;  // shared | exclusive | none

  int StageCount() const;
  std::string StageName(int stage) const;
  SandboxSpec StageSpec(int stage, const std::string& workdir, uint64_t seed, int slot,
                        const std::atomic<bool>* cancel, int repeats,
                        const std::string& held_device) const;
  EvalResult RunStage(int stage, const std::string& workdir, uint64_t seed, int slot,
                      const std::atomic<bool>* cancel, int repeats, EvalResult* total) const;
  EvalResult RunStages(const std::string& code, uint64_t seed, int slot,
                       const std::atomic<bool>* cancel, int repeats) const;
  int RepeatCount(int repeats) const;  // `repeats`, or repeats.initial for 0
  // RunSandboxed(spec), or the same in `slot`'s persistent sandbox (started when needed).
  Result<ProcessOutcome> RunInSandbox(int slot, const SandboxSpec& spec) const;
  Status PrepareScratch(const std::string& workdir, const std::string& code, int slot) const;
  bool MergeStage(int stage, EvalResult stage_result, EvalResult* total) const;

  EvaluatorConfig config_;
  EvaluatorOptions options_;
  SandboxMode mode_;
  std::map<std::string, std::string> inherited_;  // env_allow names and their values at Create
  std::vector<std::string> gpu_nodes_;            // /dev/nvidia* when config.gpu
  // The task folder, evaluator.read_paths and the tools folder (unless a system folder).
  std::vector<std::string> ro_binds_;
  // evaluator.devices, when a stage is exclusive; shared by the threads that call Evaluate.
  std::unique_ptr<DeviceLeases> leases_;
  // The persistent sandboxes of the worker slots, when slot_agent_ is set.
  struct Slot {
    std::mutex mu;  // one evaluation at a time per slot
    std::unique_ptr<SlotSandbox> sandbox;
  };
  std::string slot_agent_;  // kevolve-slot, or "" for a sandbox per evaluation
  mutable std::mutex slots_mu_;
  mutable std::map<int, std::unique_ptr<Slot>> slots_;  // guarded by slots_mu_
};

}  // namespace kevolve::eval
