// Tile-config heuristic for a GEMM kernel family: maps a problem to a tile configuration.
#include <algorithm>
#include <cstdint>
#include <string>

struct Problem {
  int64_t m;
  int64_t n;
  int64_t k;
  std::string dtype;
};

struct TileConfig {
  int block_m;
  int block_n;
  int block_k;
  int stages;
  int split_k;
};

constexpr int kNumSms = 132;

// EVOLVE-BLOCK-START
TileConfig GetTileConfig(const Problem& p) {
  TileConfig c{128, 128, 32, 3, 1};
  const double aspect = static_cast<double>(p.m) / std::max<int64_t>(p.n, 1);
  if (p.m * p.n < 256 * 256) {
    c.block_m = 64;  // choices: 32, 64, 128
    c.block_n = 64;  // choices: 32, 64, 128
  }
  if (aspect > 4.0) {
    c.block_m = 256;
    c.block_n = 64;
  } else if (aspect < 0.25) {
    c.block_m = 64;
    c.block_n = 256;
  }
  const int64_t tiles = ((p.m + c.block_m - 1) / c.block_m) * ((p.n + c.block_n - 1) / c.block_n);
  if (tiles < kNumSms && p.k >= 4096) {
    c.split_k = static_cast<int>(std::min<int64_t>(8, p.k / 1024));
  }
  if (p.dtype == "fp32") {
    c.block_k = 16;
    c.stages = 2;  // choices: 2, 3, 4
  }
  c.stages = std::clamp(c.stages, 2, 5);
  return c;
}
// EVOLVE-BLOCK-END

int main(int argc, char** argv) {
  Problem p{4096, 4096, 4096, argc > 1 ? argv[1] : "bf16"};
  TileConfig c = GetTileConfig(p);
  return c.block_m > 0 && c.split_k >= 1 ? 0 : 1;
}
