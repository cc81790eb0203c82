#include <cstdint>

// EVOLVE-BLOCK-START
constexpr int kTileM = 128;
constexpr int kTileN = 128;
// EVOLVE-BLOCK-END

struct Config {
  int m;
  int n;
};

// EVOLVE-BLOCK-START
Config Choose(int64_t m, int64_t n) {
  if (m * n < 8192) {
    return {64, 32};
  }
  return {kTileM, kTileN};
}
// EVOLVE-BLOCK-END

int main() { return Choose(1, 2).m > 0 ? 0 : 1; }
