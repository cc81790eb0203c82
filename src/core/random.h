// Rng: a small seeded generator (xoshiro256**) whose whole state is four words, so a run's random
// state can be stored in the database and restored exactly on resume. Not thread-safe: give each
// thread or component its own Rng, derived with Fork().
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace kevolve {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0);

  uint64_t Next();
  // Uniform integer in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n);
  // Uniform integer in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Range(int64_t lo, int64_t hi);
  // Uniform double in [0, 1).
  double Uniform();
  bool Bernoulli(double p) { return Uniform() < p; }
  // Standard normal sample (Box-Muller).
  double Normal();
  // A new generator seeded from this one; both streams stay independent.
  Rng Fork();

  // "s0:s1:s2:s3" in hex; Restore accepts exactly what Save produced.
  std::string Save() const;
  static Result<Rng> Restore(const std::string& saved);

  bool operator==(const Rng& other) const { return s_ == other.s_; }

 private:
  std::array<uint64_t, 4> s_{};
};

}  // namespace kevolve
