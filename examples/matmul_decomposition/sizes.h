// The sizes a matmul-decomposition run asks for, shared by the harness (which links the
// candidate) and the checker (which never does): "2x2x2,3x3x3,4x4x4:mod2" is a list of
// n x m x p shapes, each over the integers unless ":mod2" follows it.
#pragma once

#include <cstdio>
#include <cstring>
#include <vector>

namespace matmul {

constexpr int kMaxSide = 8;  // n, m and p are 1..8

struct Size {
  int n = 0, m = 0, p = 0;
  int modulus = 0;  // 0: integer coefficients; 2: coefficients modulo 2
  int Naive() const { return n * m * p; }
};

// The header line of a size's decomposition in the harness's output, e.g. "3x3x3" or
// "4x4x4:mod2"; also the size's name in metrics (with '_' for ':').
inline void Name(const Size& s, char* out, size_t cap, char colon = ':') {
  std::snprintf(out, cap, "%dx%dx%d%s", s.n, s.m, s.p,
                s.modulus == 2 ? (colon == ':' ? ":mod2" : "_mod2") : "");
}

// Parses the list; false on anything else (a side outside 1..kMaxSide, an unknown suffix).
inline bool ParseSizes(const char* list, std::vector<Size>* sizes) {
  const char* p = list;
  while (*p != '\0') {
    Size s;
    int used = 0;
    if (std::sscanf(p, "%dx%dx%d%n", &s.n, &s.m, &s.p, &used) != 3) return false;
    p += used;
    if (std::strncmp(p, ":mod2", 5) == 0) s.modulus = 2, p += 5;
    for (int side : {s.n, s.m, s.p}) {
      if (side < 1 || side > kMaxSide) return false;
    }
    sizes->push_back(s);
    if (*p == ',') {
      ++p;
    } else if (*p != '\0') {
      return false;
    }
  }
  return !sizes->empty();
}

}  // namespace matmul
