// The matmul-decomposition harness: the candidate's Decompose is compiled into this program, so
// nothing it says is trusted. For every size asked it writes a header line (sizes.h) and then
// one line per term, "a... | b... | c..." (the coefficients, row-major), to file descriptor 3;
// the checker (checker.cc) runs it, verifies every decomposition and scores them.
//
// Build: g++ -std=c++17 -O2 -DKEVOLVE_CANDIDATE='"program.cc"' harness.cc
// Run:   ./a.out --sizes 2x2x2,3x3x3 3> terms.txt
#include <cstdio>
#include <cstring>
#include <vector>

#include KEVOLVE_CANDIDATE

#include "sizes.h"

namespace {

void WriteFactor(const std::vector<long long>& v, const char* after, std::FILE* out) {
  for (size_t i = 0; i < v.size(); ++i) std::fprintf(out, i == 0 ? "%lld" : " %lld", v[i]);
  std::fputs(after, out);
}

}  // namespace

int main(int argc, char** argv) {
  const char* list = "2x2x2,3x3x3";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--sizes") == 0) list = argv[i + 1];
  }
  std::vector<matmul::Size> sizes;
  if (!matmul::ParseSizes(list, &sizes)) {
    std::fprintf(stderr, "harness: bad --sizes '%s'\n", list);
    return 2;
  }
  std::FILE* out = fdopen(3, "w");
  if (out == nullptr) {
    std::perror("harness: file descriptor 3 (where the terms go) is not open");
    return 2;
  }
  for (const matmul::Size& s : sizes) {
    char name[32];
    matmul::Name(s, name, sizeof name);
    std::fprintf(out, "%s\n", name);
    for (const Term& t : Decompose(s.n, s.m, s.p, s.modulus)) {
      WriteFactor(t.a, " | ", out);
      WriteFactor(t.b, " | ", out);
      WriteFactor(t.c, "\n", out);
    }
    std::fflush(out);
  }
  return std::fclose(out) == 0 ? 0 : 1;
}
