// printf-style formatting into a std::string, for the kit's reports (the same digits awk and
// Python printed before them).
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace kevolve::gemm::score {

__attribute__((format(printf, 1, 2))) inline std::string Format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out(static_cast<size_t>(size > 0 ? size : 0), '\0');
  std::vsnprintf(out.data(), out.size() + 1, format, args);
  va_end(args);
  return out;
}

}  // namespace kevolve::gemm::score
