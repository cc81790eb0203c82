#include <cstdint>

// EVOLVE-BLOCK-START
constexpr int kTileM = 128;
constexpr int kTileN = 64;
// EVOLVE-BLOCK-END

struct Config {
  int m;
  int n;
};

// EVOLVE-BLOCK-START
Config Choose(int64_t m, int64_t n) {
  if (m * n < 4096) {
    return {64, 64};
  }
  return {kTileM, kTileN};
}
// EVOLVE-BLOCK-END

int main() { return Choose(1, 2).m > 0 ? 0 : 1; }
