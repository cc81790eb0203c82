#include "mutate/literal.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace kevolve::mutate {
namespace {

// Integers beyond this do not survive a round trip through double.
constexpr uint64_t kMaxExactInteger = uint64_t{1} << 53;
constexpr double kExponentAbove = 1e15;

double ReadBack(const std::string& text) {
  double back = 0;
  std::from_chars(text.data(), text.data() + text.size(), back);
  return back;
}

std::optional<std::string> NewInteger(const LiteralSite& site, double scale, Rng& rng) {
  uint64_t v = 0;
  const char* first = site.number.data();
  const char* last = first + site.number.size();
  if (auto [ptr, ec] = std::from_chars(first, last, v); ec != std::errc() || ptr != last) {
    return std::nullopt;
  }
  if (v > kMaxExactInteger) return std::nullopt;
  uint64_t next = v;
  switch (rng.Below(3)) {
    case 0: {
      const double stepped = std::fabs(static_cast<double>(v) * (1.0 + scale * rng.Normal()));
      next = static_cast<uint64_t>(std::min(std::llround(stepped), static_cast<long long>(kMaxExactInteger)));
      if (next == v) next = (v == 0 || rng.Bernoulli(0.5)) ? v + 1 : v - 1;
      break;
    }
    case 1:
      next = v == 0 ? 1 : std::min(v * 2, kMaxExactInteger);
      break;
    default:
      next = v == 0 ? 1 : v / 2;
      break;
  }
  if (next == v) return std::nullopt;
  return std::to_string(next) + site.suffix;
}

std::optional<std::string> NewFloat(const LiteralSite& site, double scale, Rng& rng) {
  double v = 0;
  const char* first = site.number.data();
  const char* last = first + site.number.size();
  if (auto [ptr, ec] = std::from_chars(first, last, v); ec != std::errc() || ptr != last) {
    return std::nullopt;
  }
  double next = v;
  const uint64_t op = rng.Below(3);
  switch (op) {
    case 0:
      next = v == 0 ? std::max(scale, 1e-3) * (1.0 + std::fabs(rng.Normal()))
                    : std::fabs(v * (1.0 + scale * rng.Normal()));
      break;
    case 1:
      next = v == 0 ? 1.0 : v * 2;
      break;
    default:
      next = v == 0 ? 0.5 : v / 2;
      break;
  }
  if (!std::isfinite(next)) return std::nullopt;
  const std::string number = FormatFloatLike(next, site.number, /*exact=*/op != 0);
  if (ReadBack(number) == v) return std::nullopt;  // "1e-3" -> "1.0e-03" changes nothing
  return number + site.suffix;
}

}  // namespace

std::string FormatFloatLike(double value, const std::string& original, bool exact) {
  const bool exponent = original.find_first_of("eE") != std::string::npos ||
                        std::fabs(value) >= kExponentAbove;
  int first_precision = 1;
  if (exponent) {
    // Significant digits of the mantissa, at least two, written as d.ddd (precision - 1 decimals).
    const size_t mantissa_end = std::min(original.find_first_of("eE"), original.size());
    const auto digits = std::count_if(original.begin(), original.begin() +
                                          static_cast<std::ptrdiff_t>(mantissa_end),
                                      [](char c) { return c >= '0' && c <= '9'; });
    first_precision = static_cast<int>(std::max<std::ptrdiff_t>(digits, 2)) - 1;
  } else if (const size_t dot = original.find('.'); dot != std::string::npos) {
    first_precision = std::max(1, static_cast<int>(original.size() - dot - 1));
  }
  const auto format = exponent ? std::chars_format::scientific : std::chars_format::fixed;
  std::string text;
  for (int precision = first_precision; precision <= first_precision + 6; ++precision) {
    char buf[400];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), value, format, precision);
    if (ec != std::errc()) break;
    text.assign(buf, ptr);
    const double back = ReadBack(text);
    const bool visible = value == 0 || back != 0;
    const bool faithful = !exact || std::fabs(back - value) <= 1e-9 * std::fabs(value);
    if (visible && faithful) break;
  }
  return text;
}

std::optional<std::string> NewLiteral(const LiteralSite& site, double scale, Rng& rng) {
  if (!site.choices.empty()) return site.choices[rng.Below(site.choices.size())];
  return site.is_float ? NewFloat(site, scale, rng) : NewInteger(site, scale, rng);
}

}  // namespace kevolve::mutate
