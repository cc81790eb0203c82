// Matrix-multiplication tensor decomposition (AlphaTensor's game). Decompose(n, m, p, modulus)
// returns rank-one terms (a, b, c) with
//   C[i][k] = sum over terms of c[i][k] * (sum a[i'][j'] A[i'][j']) * (sum b[j'][k'] B[j'][k'])
// for every n x m matrix A and m x p matrix B: an algorithm with one multiplication per term.
// modulus 0 asks for integer coefficients, 2 for coefficients modulo 2. The checker
// (checker.cc) verifies the terms exactly and scores by their number, the rank: fewer is better.
// The seed walks the flip graph (Kauers and Moosbauer, 2022) from the naive algorithm.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

struct Term {
  std::vector<long long> a, b, c;  // n*m, m*p and n*p coefficients, row-major
};

// The moves of the flip graph: each keeps the sum of the terms exactly what it was (Flip,
// Reduce) or adds a term to it that it also takes away (Plus). Outside the EVOLVE-BLOCK, so an
// edit changes how the search uses them, never what they preserve.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 17;
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
};

using Factors = std::vector<std::vector<long long>>;  // a term as its three factors

bool IsZero(const std::vector<long long>& v) {
  return std::all_of(v.begin(), v.end(), [](long long x) { return x == 0; });
}

// Modulo 2 every coefficient is 0 or 1; over the integers the first nonzero coefficient of the
// first two factors is positive (a sign moves to the third), so equal factors compare equal.
void Normalize(Factors& t, int modulus) {
  if (modulus == 2) {
    for (auto& v : t) for (long long& x : v) x &= 1;
    return;
  }
  for (int f = 0; f < 2; ++f) {
    auto first = std::find_if(t[f].begin(), t[f].end(), [](long long x) { return x != 0; });
    if (first != t[f].end() && *first < 0) {
      for (long long& x : t[f]) x = -x;
      for (long long& x : t[2]) x = -x;
    }
  }
}

// 1 if u == v, -1 if u == -v over the integers, 0 otherwise.
int Match(const std::vector<long long>& u, const std::vector<long long>& v, int modulus) {
  if (u == v) return 1;
  for (size_t i = 0; i < u.size(); ++i) {
    if (modulus == 2 || u[i] != -v[i]) return 0;
  }
  return -1;
}

// Adds `sign` times `from` into `to` (modulo 2 when modulus is 2); false if a coefficient
// passes `bound`.
bool AddInto(std::vector<long long>& to, const std::vector<long long>& from, int sign,
             int modulus, long long bound) {
  for (size_t i = 0; i < to.size(); ++i) {
    to[i] = modulus == 2 ? (to[i] + from[i]) & 1 : to[i] + sign * from[i];
    if (to[i] > bound || -to[i] > bound) return false;
  }
  return true;
}

// Merges terms that share two factors and drops terms with a zero factor; the rank only falls.
void Reduce(std::vector<Factors>& terms, int modulus) {
  for (size_t i = 0; i < terms.size(); ++i) {
    for (size_t j = i + 1; j < terms.size(); ++j) {
      for (int f = 0; f < 3; ++f) {
        const int g = (f + 1) % 3, h = (f + 2) % 3;
        const int sign = Match(terms[i][g], terms[j][g], modulus) *
                         Match(terms[i][h], terms[j][h], modulus);
        if (sign != 0) {
          AddInto(terms[i][f], terms[j][f], sign, modulus, 1LL << 40);
          Normalize(terms[i], modulus);
          terms.erase(terms.begin() + j);
          return Reduce(terms, modulus);
        }
      }
    }
  }
  terms.erase(std::remove_if(terms.begin(), terms.end(),
                             [](const Factors& t) {
                               return IsZero(t[0]) || IsZero(t[1]) || IsZero(t[2]);
                             }),
              terms.end());
}

// One flip: two terms sharing factor f, x(y)(z) + x(y')(z') = x(y + y')(z) + x(y')(z' - z).
// False (terms unchanged) when no other term shares it or a coefficient would pass `bound`.
bool Flip(std::vector<Factors>& terms, Rng& rng, int modulus, long long bound) {
  const int r = rng.Below(static_cast<int>(terms.size()));
  const int f = rng.Below(3), g = (f + 1) % 3, h = (f + 2) % 3;
  std::vector<int> partners;
  for (int s = 0; s < static_cast<int>(terms.size()); ++s) {
    if (s != r && Match(terms[s][f], terms[r][f], modulus) != 0) partners.push_back(s);
  }
  if (partners.empty()) return false;
  const int s = partners[rng.Below(static_cast<int>(partners.size()))];
  const int sign = rng.Below(2) == 0 ? 1 : -1;
  Factors new_r = terms[r], new_s = terms[s];
  if (Match(new_s[f], new_r[f], modulus) < 0) {  // -x(y')(z') = x(-y')(z')
    new_s[f] = new_r[f];
    for (long long& v : new_s[g]) v = -v;
  }
  if (!AddInto(new_r[g], new_s[g], sign, modulus, bound)) return false;
  if (!AddInto(new_s[h], terms[r][h], -sign, modulus, bound)) return false;
  Normalize(new_r, modulus);
  Normalize(new_s, modulus);
  terms[r] = new_r;
  terms[s] = new_s;
  return true;
}

// One plus transition, to leave a plateau: x(y)(z) = (x - x')(y)(z) + x'(y)(z), one term more.
void Plus(std::vector<Factors>& terms, Rng& rng, int modulus) {
  const int r = rng.Below(static_cast<int>(terms.size()));
  const int s = rng.Below(static_cast<int>(terms.size()));
  if (r == s || terms[r][0] == terms[s][0]) return;
  Factors split = terms[r];
  split[0] = terms[s][0];
  AddInto(terms[r][0], terms[s][0], -1, modulus, 1LL << 40);
  Normalize(terms[r], modulus);
  Normalize(split, modulus);
  terms.push_back(split);
}

std::vector<Factors> Naive(int n, int m, int p) {
  std::vector<Factors> terms;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < m; ++j) {
      for (int k = 0; k < p; ++k) {
        Factors t = {std::vector<long long>(n * m), std::vector<long long>(m * p),
                     std::vector<long long>(n * p)};
        t[0][i * m + j] = t[1][j * p + k] = t[2][i * p + k] = 1;
        terms.push_back(t);
      }
    }
  }
  return terms;
}

// EVOLVE-BLOCK-START
// A random walk on the flip graph from the naive algorithm, restarted a few times; the smallest
// decomposition seen wins. Every knob is a literal.
std::vector<Term> Decompose(int n, int m, int p, int modulus) {
  const int restarts = 2;
  const long steps = 2000;          // flips per restart
  const long plateau = 2000;        // flips without a reduction before a plus transition
  const long long bound = 1;        // largest coefficient (in absolute value) a flip may make
  const int from_best = 0;          // 1: a restart goes on from the best so far; choices: 0, 1
  std::vector<Factors> best = Naive(n, m, p);
  Rng rng{7};
  for (int restart = 0; restart < restarts; ++restart) {
    std::vector<Factors> terms = from_best == 1 ? best : Naive(n, m, p);
    long since_reduction = 0;
    for (long step = 0; step < steps; ++step) {
      const size_t rank = terms.size();
      if (Flip(terms, rng, modulus, bound)) Reduce(terms, modulus);
      since_reduction = terms.size() < rank ? 0 : since_reduction + 1;
      if (terms.size() < best.size()) best = terms;
      if (since_reduction > plateau && terms.size() <= best.size() + 1) {
        Plus(terms, rng, modulus);
        since_reduction = 0;
      }
    }
  }
  std::vector<Term> out;
  for (const Factors& t : best) out.push_back({t[0], t[1], t[2]});
  return out;
}
// EVOLVE-BLOCK-END
