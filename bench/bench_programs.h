// Synthetic programs for the benchmarks: ~2 KB of C++-looking code, as evolved programs are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kevolve::bench {

// `count` distinct code strings of about `bytes` bytes each.
inline std::vector<std::string> MakeCodePool(int count, size_t bytes = 2048) {
  std::vector<std::string> pool;
  for (int k = 0; k < count; ++k) {
    std::string code = "// candidate " + std::to_string(k) + "\nint Choose(int m, int n) {\n";
    for (int line = 0; code.size() < bytes; ++line) {
      code += "  if (m * " + std::to_string(line + k) + " > n) return tile[" +
              std::to_string(line % 17) + "] + " + std::to_string(line * k) + ";\n";
    }
    code += "}\n";
    pool.push_back(std::move(code));
  }
  return pool;
}

}  // namespace kevolve::bench
