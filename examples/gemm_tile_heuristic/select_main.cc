// Runs the candidate selector over shapes: reads "m n k" lines on stdin and prints
// "m,n,k,<canonical config>" lines on stdout. The evaluator scores those choices against the
// performance table itself; nothing the candidate prints is trusted as a score.
#include <cinttypes>
#include <cstdio>

#include "tile_config.h"

TileConfig SelectConfig(int64_t m, int64_t n, int64_t k);

int main() {
  long long m = 0, n = 0, k = 0;
  char buf[256];
  while (std::scanf("%lld %lld %lld", &m, &n, &k) == 3) {
    Canonical(SelectConfig(m, n, k), buf, sizeof(buf));
    std::printf("%lld,%lld,%lld,%s\n", m, n, k, buf);
  }
  return 0;
}
