#include "core/random.h"

#include <cmath>
#include <cstdio>
#include <numbers>

namespace kevolve {
namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  for (auto& word : s_) word = SplitMix64(seed);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Rng::Below(uint64_t n) {
  assert(n > 0);
  // Rejection sampling removes modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

int64_t Rng::Range(int64_t lo, int64_t hi) {
  assert(lo <= hi);
  return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Rng::Normal() {
  double u1 = Uniform();
  while (u1 <= 0.0) u1 = Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Rng Rng::Fork() { return Rng(Next()); }

std::string Rng::Save() const {
  char buf[4 * 17 + 1];
  std::snprintf(buf, sizeof(buf), "%016llx:%016llx:%016llx:%016llx",
                static_cast<unsigned long long>(s_[0]), static_cast<unsigned long long>(s_[1]),
                static_cast<unsigned long long>(s_[2]), static_cast<unsigned long long>(s_[3]));
  return buf;
}

Result<Rng> Rng::Restore(const std::string& saved) {
  unsigned long long w[4];
  int consumed = 0;
  if (std::sscanf(saved.c_str(), "%16llx:%16llx:%16llx:%16llx%n", &w[0], &w[1], &w[2], &w[3],
                  &consumed) != 4 ||
      static_cast<size_t>(consumed) != saved.size()) {
    return Status::InvalidArgument("random state '" + saved +
                                   "' is not four hex words separated by ':'");
  }
  Rng rng;
  for (int i = 0; i < 4; ++i) rng.s_[i] = w[i];
  return rng;
}

}  // namespace kevolve
