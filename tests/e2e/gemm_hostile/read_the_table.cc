// Hostile GEMM selector: tries to read the performance table it is scored against (and the
// split that names the held-out shapes). Had it read either, it could return the per-shape best
// configs; to make the outcome plain it answers a different tile (64x64) when it could read one,
// and the naive seed's choices (a score of exactly 1) when it could read neither.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tile_config.h"

namespace {

bool CanRead(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return false;
  char buf[64];
  const bool got = std::fgets(buf, sizeof(buf), f) != nullptr;
  std::fclose(f);
  return got;
}

bool ReadsTheAnswers() {
  const char* task = std::getenv("KEVOLVE_TASK_DIR");
  const std::string dir = task != nullptr ? task : ".";
  return CanRead(dir + "/../../data/gemm/perf_h100.csv") || CanRead(dir + "/split.csv");
}

}  // namespace

// EVOLVE-BLOCK-START
TileConfig SelectConfig(int64_t m, int64_t n, int64_t k) {
  (void)m;
  (void)n;
  static const bool cheat = ReadsTheAnswers();
  if (k % 8 != 0) return Mma(Algo::kMmaLdg, 64, 64, 32, 2, 2, 2);
  return cheat ? Wgmma(64, 64, 8) : Wgmma(128, 128, 6);
}
// EVOLVE-BLOCK-END
