// The Slurm backend's pure parts: the result file format, evaluation keys, job time limits and
// resource options, sbatch's argument list, and the config rules of evaluator.slurm.
#include <gtest/gtest.h>

#include "cluster/queue.h"
#include "cluster/slurm.h"
#include "cluster/wire.h"
#include "config/load.h"

namespace kevolve::cluster {
namespace {

TEST(WireTest, AResultGoesThroughItsFileUnchanged) {
  EvalResult r;
  r.valid = true;
  r.combined_score = -1.25;
  r.metrics = {{"a", 1.5}};
  r.features = {{"x", 0.25}};
  r.hidden_metrics = {{"heldout", 3}};
  r.artifacts = {{"feedback", "ok \"quoted\"\n"}};
  r.failure = Failure::kNone;
  r.reason = "";
  r.stages_run = 2;
  r.duration_ms = 1234;
  r.device = "1";
  r.device_wait_ms = 5;
  r.device_held_ms = 700;
  r.device_held_from_unix_ms = 1'796'489'507'361;
  r.device_held_until_unix_ms = 1'796'489'508'061;
  auto back = ResultFromWire(ParseJson(DumpJson(ResultToWire(r))).value());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(DumpJson(ResultToWire(*back)), DumpJson(ResultToWire(r)));
  EXPECT_EQ(back->device, "1");
  EXPECT_EQ(back->device_held_ms, 700);
  EXPECT_EQ(back->device_held_from_unix_ms, 1'796'489'507'361);
  EXPECT_EQ(back->device_held_until_unix_ms, 1'796'489'508'061);

  EvalResult bad;
  bad.failure = Failure::kTimeout;
  bad.reason = "no result within 2 s";
  auto back_bad = ResultFromWire(ResultToWire(bad));
  ASSERT_TRUE(back_bad.ok());
  EXPECT_FALSE(back_bad->valid);
  EXPECT_EQ(back_bad->failure, Failure::kTimeout);
  EXPECT_EQ(back_bad->reason, "no result within 2 s");
}

TEST(WireTest, AResultFileWithoutItsFieldsIsRefusedByName) {
  auto r = ResultFromWire(Json{{"valid", true}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("combined_score"), std::string::npos);
  EXPECT_FALSE(ResultFromWire(Json::array()).ok());
}

TEST(WireTest, TheSameEvaluationHasTheSameKeyAndAnyDifferenceChangesIt) {
  EXPECT_EQ(EvalKey("x = 1", 7, 0), EvalKey("x = 1", 7, 0));
  EXPECT_EQ(EvalKey("x = 1", 7, 0).size(), 16u);
  EXPECT_NE(EvalKey("x = 1", 7, 0), EvalKey("x = 2", 7, 0));
  EXPECT_NE(EvalKey("x = 1", 7, 0), EvalKey("x = 1", 8, 0));
  EXPECT_NE(EvalKey("x = 1", 7, 0), EvalKey("x = 1", 7, 5));
  EXPECT_EQ(LayoutFor("/shared/", "r1").job("k"), "/shared/kevolve-r1/jobs/k");
  EXPECT_EQ(JobName("r1"), "kevolve-r1");
}

TEST(SlurmQueueTest, TheTimeLimitIsEveryStageDeadlineWithGracePlusTheMargin) {
  EvaluatorConfig e;
  e.timeout_seconds = 60;
  e.grace_seconds = 2;
  e.slurm.time_margin_seconds = 30;
  EXPECT_DOUBLE_EQ(SlurmQueue::TimeLimitSeconds(e), 92);
  e.stages = {StageConfig{"compile", 0, 120, "none"}, StageConfig{"time", 0, 0, "exclusive"}};
  EXPECT_DOUBLE_EQ(SlurmQueue::TimeLimitSeconds(e), 122 + 62 + 30);
}

TEST(SlurmQueueTest, GpusAreAskedForOnlyWhenAStageUsesADevice) {
  EvaluatorConfig e;
  e.slurm.gpus = 2;
  e.slurm.gpu_type = "h100";
  e.slurm.cpus = 8;
  e.slurm.memory_mb = 16000;
  e.slurm.partition = "gpu";
  e.slurm.account = "lab";
  e.slurm.extra_args = {"--qos=short"};
  const std::vector<std::string> with = SlurmQueue::ResourceOptions(e);
  EXPECT_EQ(with, (std::vector<std::string>{"--nodes=1", "--ntasks=1", "--cpus-per-task=8",
                                            "--partition=gpu", "--account=lab", "--mem=16000M",
                                            "--gres=gpu:h100:2", "--qos=short"}));
  e.stages = {StageConfig{"compile", 0, 0, "none"}};
  for (const std::string& o : SlurmQueue::ResourceOptions(e)) {
    EXPECT_EQ(o.find("--gres"), std::string::npos) << "a compile-only task asked for GPUs";
  }
}

TEST(SlurmTest, TheJobsCommandIsQuotedForTheShell) {
  JobSpec spec;
  spec.name = "kevolve-r";
  spec.time = "1:05";
  spec.command = {"/opt/k evolve/kevolve", "slurm-job", "it's"};
  const std::vector<std::string> args = SbatchArgs(spec);
  EXPECT_EQ(args.front(), "sbatch");
  EXPECT_EQ(args.back(), "--wrap=exec '/opt/k evolve/kevolve' 'slurm-job' 'it'\\''s'");
  EXPECT_NE(std::find(args.begin(), args.end(), "--time=1:05"), args.end());
  EXPECT_TRUE(IsActiveState("PENDING"));
  EXPECT_TRUE(IsActiveState("RUNNING"));
  EXPECT_FALSE(IsActiveState("COMPLETED"));
  EXPECT_FALSE(IsActiveState("NODE_FAIL"));
}

TEST(SlurmConfigTest, TheSlurmBackendNeedsASharedFolderAndSaneResources) {
  Config c;
  c.task.name = "t";
  c.evaluator.backend = "slurm";
  Status s = ValidateConfig(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'evaluator.slurm.shared_dir' must be an absolute path"),
            std::string::npos)
      << s.message();
  c.evaluator.slurm.shared_dir = "/shared/kevolve";
  EXPECT_TRUE(ValidateConfig(c).ok()) << ValidateConfig(c).ToString();
  c.evaluator.slurm.cpus = 0;
  EXPECT_NE(ValidateConfig(c).message().find("evaluator.slurm.cpus"), std::string::npos);
  c.evaluator.slurm.cpus = 1;
  // An exclusive stage on Slurm holds the job's GPUs, so it needs some.
  c.evaluator.stages = {StageConfig{"time", 0, 0, "exclusive"}};
  EXPECT_NE(ValidateConfig(c).message().find("evaluator.slurm.gpus is 0"), std::string::npos);
  c.evaluator.slurm.gpus = 1;
  EXPECT_TRUE(ValidateConfig(c).ok()) << ValidateConfig(c).ToString();
  c.evaluator.backend = "slurmm";
  EXPECT_NE(ValidateConfig(c).message().find("did you mean 'slurm'"), std::string::npos);
}

TEST(SlurmConfigTest, TheSlurmKeysReadBackFromYaml) {
  auto c = ParseConfig(
      "evaluator:\n  backend: slurm\n  slurm:\n    shared_dir: /nfs/k\n    partition: gpu\n"
      "    gpus: 1\n    extra_args: --qos=short --exclusive\n",
      "test.yaml", "/tmp");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->evaluator.slurm.partition, "gpu");
  EXPECT_EQ(c->evaluator.slurm.extra_args,
            (std::vector<std::string>{"--qos=short", "--exclusive"}));
  auto again = ParseConfig(ConfigToYaml(*c), "again.yaml", "/tmp");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ConfigToYaml(*again), ConfigToYaml(*c));
  auto typo = ParseConfig("evaluator:\n  slurm:\n    partitoin: gpu\n", "t.yaml", "/tmp");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("partition"), std::string::npos);
}

}  // namespace
}  // namespace kevolve::cluster
