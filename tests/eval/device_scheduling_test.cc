// Device-aware scheduling: stages with device: exclusive hold one GPU of evaluator.devices to
// themselves, while compile stages run as wide as the pool. The GPUs are fake (names in
// CUDA_VISIBLE_DEVICES); hold_device.sh fails any holder that finds its device already held.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "core/clock.h"
#include "eval/devices.h"
#include "eval/eval_test_util.h"
#include "eval/pool.h"

namespace kevolve::eval {
namespace {

using testing::HostileConfig;
using testing::HostileDir;
using testing::UniqueMarker;

struct Interval {
  std::string what;    // compile | hold
  std::string device;  // "-" for compile
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

class DeviceSchedulingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // /dev/shm: the one shared folder process mode under Landlock leaves writable.
    dir_ = "/dev/shm/" + UniqueMarker("devices");
    ASSERT_TRUE(MakeDirs(dir_).ok());
    chmod(dir_.c_str(), 01777);
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/log", "").ok());
    chmod((dir_ + "/log").c_str(), 0666);
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  // Stage 1 compiles with no GPU, stage 2 holds one of `devices` exclusively.
  EvaluatorConfig Config(std::vector<std::string> devices, int workers, double timeout_seconds) {
    EvaluatorConfig config = HostileConfig({"./hold_device.sh", "{stage}", "{program}"});
    config.workers = workers;
    config.timeout_seconds = timeout_seconds;
    config.devices = std::move(devices);
    config.stages = {StageConfig{"compile", 0, 0, "none"}, StageConfig{"time", 0, 0, "exclusive"}};
    config.env = {{"KEVOLVE_DEVICE_DIR", dir_}};
    return config;
  }

  std::unique_ptr<EvalPool> MakePool(const EvaluatorConfig& config) {
    Result<std::unique_ptr<EvalPool>> pool = EvalPool::Create(config, HostileDir(), scratch_.path());
    EXPECT_TRUE(pool.ok()) << pool.status().ToString();
    return pool.ok() ? std::move(pool).value() : nullptr;
  }

  std::map<int64_t, EvalResult> Collect(EvalPool& pool, size_t count) {
    std::map<int64_t, EvalResult> results;
    while (results.size() < count) {
      std::optional<EvalDone> d = pool.WaitNext(20'000);
      if (!d) break;
      results[d->ticket] = std::move(d->result);
    }
    return results;
  }

  std::vector<Interval> Log() const {
    std::vector<Interval> out;
    std::istringstream in(ReadFile(dir_ + "/log").value_or(""));
    Interval i;
    while (in >> i.what >> i.device >> i.start_ns >> i.end_ns) out.push_back(i);
    return out;
  }

  std::string dir_;
  testing::TempDir scratch_;
};

bool Overlap(const Interval& a, const Interval& b) {
  return a.start_ns < b.end_ns && b.start_ns < a.end_ns;
}

TEST_F(DeviceSchedulingTest, ExclusiveStagesNeverShareAGpuAndEveryGpuServesAtOnce) {
  auto pool = MakePool(Config({"0", "1"}, 6, 20));
  ASSERT_NE(pool, nullptr);
  constexpr int kJobs = 12;
  for (int i = 1; i <= kJobs; ++i) pool->Submit(EvalJob{i, "0.25", 0});
  const std::map<int64_t, EvalResult> results = Collect(*pool, kJobs);
  ASSERT_EQ(results.size(), static_cast<size_t>(kJobs));
  std::map<std::string, int> held_by_device;
  for (const auto& [ticket, r] : results) {
    EXPECT_TRUE(r.valid) << "ticket " << ticket << ": " << r.reason << " "
                         << (r.artifacts.count("feedback") ? r.artifacts.at("feedback") : "");
    EXPECT_EQ(r.stages_run, 2);
    EXPECT_GE(r.device_held_ms, 250);
    ++held_by_device[r.device];
  }
  EXPECT_EQ(held_by_device.size(), 2u) << "both GPUs must serve";
  const std::vector<Interval> log = Log();
  std::vector<Interval> holds, compiles;
  for (const Interval& i : log) (i.what == "hold" ? holds : compiles).push_back(i);
  ASSERT_EQ(holds.size(), static_cast<size_t>(kJobs));
  ASSERT_EQ(compiles.size(), static_cast<size_t>(kJobs));
  bool two_gpus_at_once = false;
  bool compile_beside_a_hold = false;
  for (size_t a = 0; a < holds.size(); ++a) {
    for (size_t b = a + 1; b < holds.size(); ++b) {
      if (!Overlap(holds[a], holds[b])) continue;
      EXPECT_NE(holds[a].device, holds[b].device) << "two holders of GPU " << holds[a].device;
      two_gpus_at_once = true;
    }
    for (const Interval& c : compiles) compile_beside_a_hold |= Overlap(holds[a], c);
  }
  EXPECT_TRUE(two_gpus_at_once) << "the two GPUs never served timing stages at the same time";
  // The results' own account of each hold (device_held_from and _until, what a run's
  // events.jsonl carries) never has two holds of one GPU at once either.
  for (const auto& [a, ra] : results) {
    EXPECT_GT(ra.device_held_from_unix_ms, 0) << "ticket " << a;
    EXPECT_GE(ra.device_held_until_unix_ms - ra.device_held_from_unix_ms, 250) << "ticket " << a;
    for (const auto& [b, rb] : results) {
      if (b <= a || ra.device != rb.device) continue;
      const Interval ia{"hold", ra.device, ra.device_held_from_unix_ms,
                        ra.device_held_until_unix_ms};
      const Interval ib{"hold", rb.device, rb.device_held_from_unix_ms,
                        rb.device_held_until_unix_ms};
      EXPECT_FALSE(Overlap(ia, ib)) << "tickets " << a << " and " << b << " on GPU " << ra.device
                                    << ": " << ia.start_ns << "-" << ia.end_ns << " and "
                                    << ib.start_ns << "-" << ib.end_ns;
    }
  }
  EXPECT_TRUE(compile_beside_a_hold) << "no compile stage ran while a GPU was held";
  const std::vector<DeviceUse> use = pool->DeviceUsage();
  ASSERT_EQ(use.size(), 2u);
  EXPECT_EQ(use[0].leases + use[1].leases, kJobs);
  EXPECT_GE(use[0].held_ms + use[1].held_ms, kJobs * 250);
}

TEST_F(DeviceSchedulingTest, WaitingForAGpuIsNotPartOfTheStagesDeadline) {
  // Four timing stages of 0.5 s on one GPU with a 1.5 s deadline: the last waits for three
  // holds, at least 1.5 s, and still has its whole deadline.
  auto pool = MakePool(Config({"0"}, 4, 1.5));
  ASSERT_NE(pool, nullptr);
  for (int i = 1; i <= 4; ++i) pool->Submit(EvalJob{i, "0.5", 0});
  const std::map<int64_t, EvalResult> results = Collect(*pool, 4);
  ASSERT_EQ(results.size(), 4u);
  int64_t longest_wait_ms = 0;
  for (const auto& [ticket, r] : results) {
    EXPECT_TRUE(r.valid) << "ticket " << ticket << ": " << r.reason;
    longest_wait_ms = std::max(longest_wait_ms, r.device_wait_ms);
  }
  EXPECT_GE(longest_wait_ms, 1500);
}

TEST_F(DeviceSchedulingTest, ATimedOutHolderFreesItsGpuForTheNext) {
  auto pool = MakePool(Config({"0"}, 2, 1.0));
  ASSERT_NE(pool, nullptr);
  pool->Submit(EvalJob{1, "hang", 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the hang holds the GPU first
  pool->Submit(EvalJob{2, "0.1", 0});
  const std::map<int64_t, EvalResult> results = Collect(*pool, 2);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results.at(1).valid);
  EXPECT_EQ(results.at(1).failure, Failure::kTimeout) << results.at(1).reason;
  EXPECT_EQ(results.at(1).device, "0");
  EXPECT_TRUE(results.at(2).valid) << results.at(2).reason;
  EXPECT_EQ(results.at(2).device, "0");
  EXPECT_GE(results.at(2).device_wait_ms, 300);  // it did wait for the hang to be killed
}

TEST_F(DeviceSchedulingTest, AShutdownEndsTheWaitForAGpuPromptly) {
  EvaluatorConfig config = Config({"0"}, 2, 60);
  auto pool = MakePool(config);
  ASSERT_NE(pool, nullptr);
  pool->Submit(EvalJob{1, "hang", 0});
  pool->Submit(EvalJob{2, "0.1", 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // one holds, one waits
  const int64_t start_ms = RealClock().NowMs();
  pool->Shutdown();
  EXPECT_LT(RealClock().NowMs() - start_ms, 3000);
}

TEST_F(DeviceSchedulingTest, SharedStagesKeepTheSlotsGpuAndNoneHidesEveryGpu) {
  EvaluatorConfig config = Config({"3", "5"}, 2, 5);
  config.stages[1].device = "shared";
  Result<std::unique_ptr<Evaluator>> evaluator =
      Evaluator::Create(config, EvaluatorOptions{HostileDir(), scratch_.path()});
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  auto visible = [&](int stage, int slot) {
    for (const std::string& var : (*evaluator)->Environment(stage, "/w", 0, slot)) {
      if (var.rfind("CUDA_VISIBLE_DEVICES=", 0) == 0) return var.substr(21);
    }
    return std::string("unset");
  };
  EXPECT_EQ(visible(1, 0), "");
  EXPECT_EQ(visible(2, 0), "3");
  EXPECT_EQ(visible(2, 1), "5");
  EXPECT_TRUE((*evaluator)->DeviceUsage().empty());  // nothing exclusive: no leases kept
}

// A precondition of Create (the user meets ValidateConfig's message first: tests/config).
TEST(DeviceConfigTest, AnExclusiveStageWithoutDevicesIsRefused) {
  testing::TempDir scratch;
  EvaluatorConfig config = HostileConfig({"./hold_device.sh", "{stage}", "{program}"});
  config.stages = {StageConfig{"time", 0, 0, "exclusive"}};
  Result<std::unique_ptr<Evaluator>> evaluator =
      Evaluator::Create(config, EvaluatorOptions{HostileDir(), scratch.path()});
  ASSERT_FALSE(evaluator.ok());
  EXPECT_NE(evaluator.status().message().find("exclusive stage without evaluator.devices"), std::string::npos)
      << evaluator.status().ToString();
}

}  // namespace
}  // namespace kevolve::eval
