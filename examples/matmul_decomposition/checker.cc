// The trusted side of the matmul-decomposition evaluator: runs the harness (the program the
// candidate's Decompose is compiled into), reads its terms from the harness's file descriptor 3,
// verifies every decomposition exactly and prints the one protocol-v1 JSON answer on stdout. It
// never includes the candidate (../common/untrusted.h says how it keeps the candidate out).
//
// Usage: checker [--sizes LIST] [--timeout-seconds S] -- HARNESS [ARGS...]   (LIST: sizes.h)
//
// Exact: the terms' sum  sum_r a_r (x) b_r (x) c_r  is computed in 128-bit integers (modulo 2
// for a ":mod2" size) and compared entry by entry with the matrix-multiplication tensor, whose
// entry (A[i][j], B[j'][k], C[i'][k']) is 1 when i = i', j = j', k = k', and 0 otherwise.
// Coefficients are integers of at most 9 digits. Score: minus the sum of the ranks.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../common/untrusted.h"
#include "sizes.h"

namespace {

using untrusted::Fail;
using untrusted::PrintInvalid;
using untrusted::Quote;

constexpr size_t kMaxBytes = 4u << 20;
constexpr int kMaxRankOverNaive = 4;  // more than 4 n m p terms is refused, not scored

struct Factors {
  std::vector<long long> f[3];
};

// Parses `count` integers of at most 9 digits from [*p, end) up to a '|' or the end.
bool ParseFactor(const char** p, const char* end, size_t count, std::vector<long long>* out) {
  while (*p < end && **p != '|') {
    if (**p == ' ') {
      ++*p;
      continue;
    }
    const char* start = *p;
    if (**p == '-' || **p == '+') ++*p;
    const char* digits = *p;
    long long v = 0;
    while (*p < end && **p >= '0' && **p <= '9' && *p - digits < 10) v = v * 10 + (*(*p)++ - '0');
    if (*p == digits || *p - digits > 9 || (*p < end && **p != ' ' && **p != '|')) return false;
    out->push_back(*start == '-' ? -v : v);
  }
  return out->size() == count;
}

// One term line "a... | b... | c..." of size s; false (Fail says why) otherwise.
bool ParseTerm(const matmul::Size& s, const char* line, size_t n, long number, Factors* t) {
  const size_t counts[3] = {static_cast<size_t>(s.n * s.m), static_cast<size_t>(s.m * s.p),
                            static_cast<size_t>(s.n * s.p)};
  const char* p = line;
  const char* end = line + n;
  for (int k = 0; k < 3; ++k) {
    if (!ParseFactor(&p, end, counts[k], &t->f[k]) || (k < 2) != (p < end && *p == '|')) {
      Fail("line %ld: expected \\\"a | b | c\\\" with %zu, %zu and %zu integers of at most 9 "
           "digits, got \\\"%s\\\"", number, counts[0], counts[1], counts[2], Quote(line, n));
      return false;
    }
    if (p < end) ++p;
  }
  return true;
}

// Compares the terms' sum with the tensor of size s; false (Fail names the first wrong entry)
// unless they agree exactly (modulo 2 for a mod-2 size).
bool Verify(const matmul::Size& s, const char* name, const std::vector<Factors>& terms) {
  const int na = s.n * s.m, nb = s.m * s.p, nc = s.n * s.p;
  std::vector<__int128> sum(static_cast<size_t>(na) * nb * nc, 0);
  for (const Factors& t : terms) {
    for (int x = 0; x < na; ++x) {
      if (t.f[0][x] == 0) continue;
      for (int y = 0; y < nb; ++y) {
        const __int128 ab = static_cast<__int128>(t.f[0][x]) * t.f[1][y];
        for (int z = 0; z < nc; ++z) sum[(static_cast<size_t>(x) * nb + y) * nc + z] += ab * t.f[2][z];
      }
    }
  }
  long wrong = 0;
  size_t first = 0;
  for (size_t e = 0; e < sum.size(); ++e) {
    const int x = static_cast<int>(e / (static_cast<size_t>(nb) * nc));
    const int y = static_cast<int>(e / nc % nb), z = static_cast<int>(e % nc);
    const int i = x / s.m, j = x % s.m, j2 = y / s.p, k = y % s.p, i2 = z / s.p, k2 = z % s.p;
    const __int128 want = i == i2 && j == j2 && k == k2 ? 1 : 0;
    __int128 got = sum[e];
    if (s.modulus == 2) got = got & 1;
    if (got != want && wrong++ == 0) first = e;
  }
  if (wrong == 0) return true;
  const int x = static_cast<int>(first / (static_cast<size_t>(nb) * nc));
  const int y = static_cast<int>(first / nc % nb), z = static_cast<int>(first % nc);
  const __int128 got = s.modulus == 2 ? sum[first] & 1 : sum[first];
  const bool huge = got > (static_cast<__int128>(1) << 62) || -got > (static_cast<__int128>(1) << 62);
  Fail("%s: the %zu terms give A[%d][%d]*B[%d][%d] the coefficient %lld%s in C[%d][%d]; C = AB "
       "needs %d%s (1-based indices; %ld wrong entries)", name, terms.size(), x / s.m + 1,
       x % s.m + 1, y / s.p + 1, y % s.p + 1, huge ? 0LL : static_cast<long long>(got),
       huge ? " (beyond 2^62)" : "", z / s.p + 1, z % s.p + 1,
       x / s.m == z / s.p && x % s.m == y / s.p && y % s.p == z % s.p ? 1 : 0,
       s.modulus == 2 ? " modulo 2" : "", wrong);
  return false;
}

// Reads and verifies every size's decomposition in order; ranks[i] is the i-th size's rank.
bool CheckAll(const untrusted::ChildRun& run, const std::vector<matmul::Size>& sizes,
              std::vector<int>* ranks) {
  untrusted::Cursor c{run.data, run.data + run.size};
  const char* line = nullptr;
  size_t n = 0;
  bool have_line = untrusted::NextLine(&c, &line, &n);
  for (const matmul::Size& s : sizes) {
    char name[32];
    matmul::Name(s, name, sizeof name);
    if (!have_line || n != std::strlen(name) || std::memcmp(line, name, n) != 0) {
      if (have_line) {
        Fail("line %ld: expected the header \\\"%s\\\", got \\\"%s\\\"", c.line, name, Quote(line, n));
      } else {
        Fail("the output ends after line %ld; expected the header \\\"%s\\\"", c.line, name);
      }
      return false;
    }
    std::vector<Factors> terms;
    while ((have_line = untrusted::NextLine(&c, &line, &n)) && std::memchr(line, '|', n) != nullptr) {
      if (static_cast<int>(terms.size()) >= kMaxRankOverNaive * s.Naive()) {
        Fail("%s: more than %d terms (the naive algorithm needs %d)", name,
             kMaxRankOverNaive * s.Naive(), s.Naive());
        return false;
      }
      terms.emplace_back();
      if (!ParseTerm(s, line, n, c.line, &terms.back())) return false;
    }
    if (!Verify(s, name, terms)) return false;
    ranks->push_back(static_cast<int>(terms.size()));
  }
  if (have_line) {
    Fail("line %ld: unexpected \\\"%s\\\" after the last decomposition", c.line, Quote(line, n));
    return false;
  }
  return true;
}

int Score(const std::vector<matmul::Size>& sizes, const std::vector<int>& ranks) {
  int total = 0;
  std::printf("{\"protocol\":1,\"valid\":true,\"metrics\":{");
  for (size_t i = 0; i < sizes.size(); ++i) {
    char name[32];
    matmul::Name(sizes[i], name, sizeof name, '_');
    std::printf("\"rank_%s\":%d,", name, ranks[i]);
    total += ranks[i];
  }
  std::printf("\"rank_sum\":%d},\"combined_score\":%d}\n", total, -total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any candidate code runs: no ptrace, no /proc/PID/fd of this process.
  untrusted::ForbidInspection();
  const char* list = "2x2x2,3x3x3";
  double timeout_seconds = 20;
  const int harness = untrusted::ParseOptions(argc, argv, [&](const char* name, const char* v) {
    if (std::strcmp(name, "--sizes") == 0) {
      list = v;
    } else if (std::strcmp(name, "--timeout-seconds") == 0) {
      timeout_seconds = std::atof(v);
    } else {
      return false;
    }
    return true;
  });
  std::vector<matmul::Size> sizes;
  if (harness == 0 || !matmul::ParseSizes(list, &sizes)) {
    std::fprintf(stderr, "usage: checker [--sizes NxMxP[:mod2],...] [--timeout-seconds S] -- "
                 "HARNESS [ARGS...]   (each side 1..%d)\n", matmul::kMaxSide);
    return 2;
  }
  const untrusted::ChildRun run = untrusted::Run(argv + harness, timeout_seconds, kMaxBytes);
  if (untrusted::RunFailed(run, timeout_seconds, "the program", "is Decompose too slow?")) {
    return PrintInvalid();
  }
  std::vector<int> ranks;
  if (!CheckAll(run, sizes, &ranks)) return PrintInvalid();
  return Score(sizes, ranks);
}
