// The trusted side of the circle-packing evaluator: runs the harness (the program the
// candidate's PackCircles is compiled into), reads its circles from the harness's file
// descriptor 3, checks them and prints the one protocol-v1 JSON answer on stdout. It never
// includes the candidate (../common/untrusted.h says how it keeps the candidate out).
//
// Usage: checker [--n N] [--timeout-seconds S] -- HARNESS [ARGS...]
//
// The circles must be exactly N lines "x y r" of finite decimal numbers, r >= 0. Valid when
// every circle lies in the unit square and no two overlap, each up to kTolerance:
//   r - x <= tol, x + r - 1 <= tol (the same for y), and r_i + r_j - |c_i - c_j| <= tol,
// computed in long double. Score: the sum of the radii.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../common/untrusted.h"

namespace {

using untrusted::Fail;
using untrusted::PrintInvalid;
using untrusted::Quote;

constexpr double kTolerance = 1e-9;
constexpr size_t kMaxBytes = 1u << 20;  // 26 circles take about 1.5 KB
constexpr int kMaxCircles = 10000;
constexpr double kAlphaEvolve26 = 2.635;  // AlphaEvolve (2025), n = 26

struct Circle {
  long double x, y, r;
};

// One finite number from the start of `s` up to a blank or the end; false otherwise.
bool ParseNumber(const char** s, const char* end, long double* value) {
  char token[64];
  size_t n = 0;
  while (*s < end && **s == ' ') ++*s;
  while (*s < end && **s != ' ' && n + 1 < sizeof token) token[n++] = *(*s)++;
  token[n] = '\0';
  if (n == 0 || (*s < end && **s != ' ')) return false;
  char* stop = nullptr;
  *value = std::strtold(token, &stop);
  return *stop == '\0';
}

// Reads the circles: one line each, three numbers. False (Fail says why) on a malformed line,
// a non-finite number, a negative radius or a wrong count.
bool ReadCircles(const untrusted::ChildRun& run, int expected, std::vector<Circle>* circles) {
  untrusted::Cursor c{run.data, run.data + run.size};
  const char* s = nullptr;
  size_t n = 0;
  while (untrusted::NextLine(&c, &s, &n)) {
    if (c.line > kMaxCircles) {
      Fail("more than %d lines of circles; the task asks for %d", kMaxCircles, expected);
      return false;
    }
    const char* p = s;
    long double v[3];
    bool ok = true;
    for (long double& x : v) ok = ok && ParseNumber(&p, s + n, &x);
    while (p < s + n && *p == ' ') ++p;
    if (!ok || p != s + n) {
      Fail("line %ld: expected three numbers \\\"x y r\\\", got \\\"%s\\\"", c.line, Quote(s, n));
      return false;
    }
    const char* names[3] = {"x", "y", "r"};
    for (int k = 0; k < 3; ++k) {
      if (!std::isfinite(v[k])) {
        Fail("circle %ld: %s is %Lg; every coordinate and radius must be a finite number", c.line,
             names[k], v[k]);
        return false;
      }
    }
    if (v[2] < 0) {
      Fail("circle %ld has a negative radius %.17Lg", c.line, v[2]);
      return false;
    }
    circles->push_back({v[0], v[1], v[2]});
  }
  if (static_cast<int>(circles->size()) != expected) {
    Fail("the program returned %zu circles; the task asks for exactly %d", circles->size(),
         expected);
    return false;
  }
  return true;
}

// False (Fail names the first circle, or pair, and how many there are) unless every circle is in
// the square and no two overlap.
bool CheckPacking(const std::vector<Circle>& c) {
  int outside = 0, first_outside = -1;
  long double worst_outside = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const long double by = std::fmax(std::fmax(c[i].r - c[i].x, c[i].x + c[i].r - 1),
                                     std::fmax(c[i].r - c[i].y, c[i].y + c[i].r - 1));
    if (by > kTolerance) {
      if (outside++ == 0) first_outside = static_cast<int>(i), worst_outside = by;
    }
  }
  if (outside > 0) {
    const Circle& a = c[first_outside];
    Fail("circle %d (x %.9Lg, y %.9Lg, r %.9Lg) leaves the unit square by %.3Lg (tolerance "
         "%g); %d circle(s) leave it", first_outside + 1, a.x, a.y, a.r, worst_outside,
         kTolerance, outside);
    return false;
  }
  int overlaps = 0, first_i = -1, first_j = -1;
  long double first_by = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    for (size_t j = i + 1; j < c.size(); ++j) {
      const long double by = c[i].r + c[j].r - std::hypot(c[i].x - c[j].x, c[i].y - c[j].y);
      if (by > kTolerance && overlaps++ == 0) {
        first_i = static_cast<int>(i), first_j = static_cast<int>(j), first_by = by;
      }
    }
  }
  if (overlaps > 0) {
    Fail("circles %d and %d overlap by %.3Lg (tolerance %g); %d pair(s) overlap", first_i + 1,
         first_j + 1, first_by, kTolerance, overlaps);
    return false;
  }
  return true;
}

int Score(const std::vector<Circle>& c) {
  long double sum = 0, smallest = c.empty() ? 0 : c[0].r;
  for (const Circle& a : c) sum += a.r, smallest = std::fmin(smallest, a.r);
  std::printf("{\"protocol\":1,\"valid\":true,\"combined_score\":%.12Lf,"
              "\"metrics\":{\"sum_of_radii\":%.12Lf,\"fraction_of_alphaevolve\":%.6Lf,"
              "\"smallest_radius\":%.9Lf,\"circles\":%zu}}\n",
              sum, sum, sum / kAlphaEvolve26, smallest, c.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any candidate code runs: no ptrace, no /proc/PID/fd of this process.
  untrusted::ForbidInspection();
  int n = 26;
  double timeout_seconds = 20;
  const int harness = untrusted::ParseOptions(argc, argv, [&](const char* name, const char* v) {
    if (std::strcmp(name, "--n") == 0) {
      n = std::atoi(v);
    } else if (std::strcmp(name, "--timeout-seconds") == 0) {
      timeout_seconds = std::atof(v);
    } else {
      return false;
    }
    return true;
  });
  if (harness == 0 || n < 1 || n > kMaxCircles) {
    std::fprintf(stderr, "usage: checker [--n N] [--timeout-seconds S] -- HARNESS [ARGS...]\n");
    return 2;
  }
  const untrusted::ChildRun run = untrusted::Run(argv + harness, timeout_seconds, kMaxBytes);
  if (untrusted::RunFailed(run, timeout_seconds, "the program", "is PackCircles too slow?")) {
    return PrintInvalid();
  }
  std::vector<Circle> circles;
  if (!ReadCircles(run, n, &circles) || !CheckPacking(circles)) return PrintInvalid();
  return Score(circles);
}
