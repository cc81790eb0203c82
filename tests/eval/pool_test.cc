// The evaluator pool: parallel workers, completion order, in-flight accounting, and a shutdown
// that kills what is running.
#include "eval/pool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <set>
#include <thread>

#include "eval/eval_test_util.h"

namespace kevolve::eval {
namespace {

using testing::HostileConfig;
using testing::HostileDir;
using testing::PidsWithMarker;
using testing::TempDir;
using testing::UniqueMarker;

std::unique_ptr<EvalPool> MakePool(const EvaluatorConfig& config, const std::string& scratch) {
  Result<std::unique_ptr<EvalPool>> pool = EvalPool::Create(config, HostileDir(), scratch);
  EXPECT_TRUE(pool.ok()) << pool.status().ToString();
  return pool.ok() ? std::move(pool).value() : nullptr;
}

std::vector<EvalDone> CollectAll(EvalPool& pool, size_t count) {
  std::vector<EvalDone> done;
  while (done.size() < count) {
    std::optional<EvalDone> d = pool.WaitNext(10'000);
    if (!d) break;
    done.push_back(std::move(*d));
  }
  return done;
}

TEST(EvalPoolTest, WorkersEvaluateAtTheSameTime) {
  // Each evaluation waits at a barrier for the other; run one after the other, the first one
  // would give up alone and answer invalid. The barrier is in /dev/shm, the one shared folder
  // that process mode under Landlock leaves writable.
  TempDir scratch;
  const std::string barrier_dir = "/dev/shm/" + UniqueMarker("barrier");
  ASSERT_TRUE(MakeDirs(barrier_dir).ok());
  chmod(barrier_dir.c_str(), 01777);
  struct Remove {
    std::string path;
    ~Remove() { (void)RemoveTree(path); }
  } remove_barrier{barrier_dir};
  EvaluatorConfig config = HostileConfig({"./barrier.sh", "{seed}"});
  config.timeout_seconds = 20;
  config.env = {{"KEVOLVE_BARRIER_DIR", barrier_dir}, {"KEVOLVE_BARRIER_COUNT", "2"}};
  auto pool = MakePool(config, scratch.path());
  ASSERT_NE(pool, nullptr);
  pool->Submit(EvalJob{1, "a", 11});
  pool->Submit(EvalJob{2, "b", 22});
  const std::vector<EvalDone> done = CollectAll(*pool, 2);
  ASSERT_EQ(done.size(), 2u);
  std::set<int> slots;
  std::set<int64_t> tickets;
  for (const EvalDone& d : done) {
    EXPECT_TRUE(d.result.valid) << d.result.reason;
    EXPECT_DOUBLE_EQ(d.result.combined_score, d.ticket == 1 ? 11 : 22);
    slots.insert(d.slot);
    tickets.insert(d.ticket);
  }
  EXPECT_EQ(slots, (std::set<int>{0, 1}));
  EXPECT_EQ(tickets, (std::set<int64_t>{1, 2}));
}

TEST(EvalPoolTest, ResultsComeBackInCompletionOrder) {
  TempDir scratch;
  EvaluatorConfig config = HostileConfig({"./answer.sh", "{program}"});
  config.timeout_seconds = 20;
  auto pool = MakePool(config, scratch.path());
  ASSERT_NE(pool, nullptr);
  pool->Submit(EvalJob{1, "1.5", 0});
  pool->Submit(EvalJob{2, "0", 0});
  const std::vector<EvalDone> done = CollectAll(*pool, 2);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].ticket, 2);
  EXPECT_EQ(done[1].ticket, 1);
  EXPECT_DOUBLE_EQ(done[1].result.combined_score, 1.5);
}

TEST(EvalPoolTest, InFlightCountsUntilCollected) {
  TempDir scratch;
  auto pool = MakePool(HostileConfig({"./answer.sh", "{program}"}), scratch.path());
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->in_flight(), 0u);
  EXPECT_FALSE(pool->WaitNext(5'000).has_value());  // nothing in flight: returns at once
  for (int64_t t = 1; t <= 3; ++t) pool->Submit(EvalJob{t, "0", 0});
  EXPECT_EQ(pool->in_flight(), 3u);  // two running, one queued
  EXPECT_EQ(CollectAll(*pool, 3).size(), 3u);
  EXPECT_EQ(pool->in_flight(), 0u);
}

TEST(EvalPoolTest, WaitNextReturnsNothingWhenItsTimeoutPasses) {
  TempDir scratch;
  auto pool = MakePool(HostileConfig({"./answer.sh", "{program}"}), scratch.path());
  ASSERT_NE(pool, nullptr);
  pool->Submit(EvalJob{1, "1", 0});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(pool->WaitNext(50).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(pool->in_flight(), 1u);
}

TEST(EvalPoolTest, DestructionKillsRunningEvaluationsPromptly) {
  TempDir scratch;
  EvaluatorConfig config = HostileConfig({"/bin/bash", "{program}"});
  config.timeout_seconds = 60;
  auto pool = MakePool(config, scratch.path());
  ASSERT_NE(pool, nullptr);
  const std::string marker = UniqueMarker("pool");
  pool->Submit(EvalJob{1, "exec -a " + marker + " sleep 1000\n", 0});
  pool->Submit(EvalJob{2, "exec -a " + marker + " sleep 1000\n", 0});
  pool->Submit(EvalJob{3, "queued, never started", 0});
  // Wait (bounded) until both evaluations are running.
  for (int i = 0; i < 200 && PidsWithMarker(marker).size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(PidsWithMarker(marker).size(), 2u);
  const auto start = std::chrono::steady_clock::now();
  pool.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  EXPECT_TRUE(PidsWithMarker(marker).empty());
  EXPECT_TRUE(std::filesystem::is_empty(scratch.path()));
}

TEST(EvalPoolTest, SubmitAfterShutdownIsIgnored) {
  TempDir scratch;
  auto pool = MakePool(HostileConfig({"./answer.sh", "{program}"}), scratch.path());
  ASSERT_NE(pool, nullptr);
  pool->Shutdown();
  pool->Submit(EvalJob{1, "0", 0});
  EXPECT_EQ(pool->in_flight(), 0u);
  EXPECT_FALSE(pool->WaitNext(10).has_value());
  pool->Shutdown();  // idempotent
}

TEST(EvalPoolTest, CreateChecksTheWorkerCount) {
  TempDir scratch;
  EvaluatorConfig config = HostileConfig({"./answer.sh", "{program}"});
  config.workers = 0;
  Result<std::unique_ptr<EvalPool>> pool = EvalPool::Create(config, HostileDir(), scratch.path());
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pool.status().message().find("evaluator.workers"), std::string::npos);
}

}  // namespace
}  // namespace kevolve::eval
