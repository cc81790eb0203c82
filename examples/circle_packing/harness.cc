// The circle-packing harness: the candidate's PackCircles is compiled into this program, so
// nothing it says is trusted. It only writes the circles it got, one "x y r" line each with
// every digit a double has, to file descriptor 3; the checker (checker.cc) runs it, checks the
// circles and scores them.
//
// Build: g++ -std=c++17 -O2 -DKEVOLVE_CANDIDATE='"program.cc"' harness.cc
// Run:   ./a.out --n 26 3> circles.txt
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include KEVOLVE_CANDIDATE

int main(int argc, char** argv) {
  int n = 26;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--n") == 0) n = std::atoi(argv[i + 1]);
  }
  std::FILE* out = fdopen(3, "w");
  if (out == nullptr) {
    std::perror("harness: file descriptor 3 (where the circles go) is not open");
    return 2;
  }
  const std::vector<Circle> circles = PackCircles(n);
  for (const Circle& c : circles) std::fprintf(out, "%.17g %.17g %.17g\n", c.x, c.y, c.r);
  return std::fclose(out) == 0 ? 0 : 1;
}
