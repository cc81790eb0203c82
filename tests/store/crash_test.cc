// kill -9 at a random moment while a child process commits programs in a loop: reopening the
// file must find a consistent prefix of the run, and the next child must continue it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>

#include "core/random.h"
#include "store/store.h"
#include "store_testing.h"

namespace kevolve {
namespace {

using testing::StoreTest;

// The program committed as id `id`, derived from the id alone so the parent can check every
// byte of what survived. About 2 KB of code, so a commit spans several pages.
Program ProgramFor(int64_t id) {
  Program p;
  for (int line = 0; line < 40; ++line) {
    p.code += "  acc += table[" + std::to_string(line) + "] * " + std::to_string(id) + ";\n";
  }
  p.code_hash = CodeHash(p.code);
  p.parent_id = id - 1;
  p.generation = id;
  p.island = static_cast<int>(id % 3);
  p.origin = "mutator:literal";
  p.edit = "edit " + std::to_string(id);
  p.result.valid = id % 4 != 0;
  p.result.combined_score = static_cast<double>(id) / 8.0;
  p.result.failure = p.result.valid ? Failure::kNone : Failure::kCrash;
  p.result.metrics = {{"m", static_cast<double>(id)}};
  p.created_unix_ms = id;
  return p;
}

// The child: commit forever, reporting each committed id on `fd`. Exit codes other than death
// by the parent's SIGKILL mean something went wrong.
[[noreturn]] void CommitForever(const std::string& path, int fd) {
  auto store = Store::Open(path);
  if (!store.ok()) _exit(2);
  auto state = (*store)->LoadState();
  if (!state.ok()) _exit(3);
  int64_t next = state->count("last_id") ? std::stoll(state->at("last_id")) + 1 : 1;
  for (;; ++next) {
    std::vector<Placement> placements;
    if (next % 5 == 0) placements.push_back({next - 1, static_cast<int>(next % 3), "migration"});
    auto id = (*store)->CommitProgram(
        ProgramFor(next), placements,
        {{"last_id", std::to_string(next)}, {"rng", Rng(static_cast<uint64_t>(next)).Save()}});
    if (!id.ok() || *id != next) _exit(4);
    if (write(fd, &next, sizeof(next)) != static_cast<ssize_t>(sizeof(next))) _exit(5);
  }
}

// Forks a committing child, lets it report `commits` ids, waits `extra_us` more, then kills it.
// Returns the last id the child reported as committed.
int64_t RunAndKill(const std::string& path, int commits, int extra_us) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    CommitForever(path, fds[1]);
  }
  close(fds[1]);
  int64_t last = 0;
  for (int i = 0; i < commits; ++i) {
    if (read(fds[0], &last, sizeof(last)) != static_cast<ssize_t>(sizeof(last))) break;
  }
  // Busy-wait rather than sleep: the kill must land at an arbitrary point inside a commit.
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(extra_us);
  while (std::chrono::steady_clock::now() < until) {
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child stopped by itself, exit code "
      << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return last;
}

TEST_F(StoreTest, KillNineAtARandomMomentLeavesAConsistentPrefix) {
  { ASSERT_NE(MustCreate(), nullptr); }
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  int64_t previous = 0;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int commits = std::uniform_int_distribution<int>(1, 60)(random);
    const int extra_us = std::uniform_int_distribution<int>(0, 3000)(random);
    const int64_t reported = RunAndKill(path_, commits, extra_us);
    ASSERT_GT(reported, previous) << "the child made no progress";

    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CheckIntegrity().ok()) << store->CheckIntegrity().ToString();
    auto programs = store->LoadPrograms();
    ASSERT_TRUE(programs.ok()) << programs.status().ToString();
    const auto n = static_cast<int64_t>(programs->size());
    EXPECT_GE(n, reported) << "a commit the child saw succeed was lost";
    for (int64_t i = 0; i < n; ++i) {
      const Program& p = (*programs)[static_cast<size_t>(i)];
      ASSERT_EQ(p.id, i + 1) << "ids must be contiguous";
      testing::ExpectSameProgram(p, ProgramFor(i + 1));
    }
    // State is written in the same transaction as its program.
    auto state = store->LoadState();
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->at("last_id"), std::to_string(n));
    EXPECT_EQ(state->at("rng"), Rng(static_cast<uint64_t>(n)).Save());
    auto placements = store->LoadPlacements();
    ASSERT_TRUE(placements.ok());
    EXPECT_EQ(static_cast<int64_t>(placements->size()), n / 5);
    for (const PlacementRecord& r : *placements) {
      EXPECT_EQ(r.after_program_id % 5, 0);
      EXPECT_EQ(r.placement.program_id, r.after_program_id - 1);
    }
    previous = n;
  }
}

}  // namespace
}  // namespace kevolve
