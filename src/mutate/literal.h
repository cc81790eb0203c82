// New values for numeric literals. Internal to kevolve_mutate. Pure and thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "core/random.h"
#include "mutate/scan.h"

namespace kevolve::mutate {

// Another token for `site`: one of its choices when it has any; otherwise its value perturbed by
// a relative Gaussian step of `scale`, doubled or halved (one third each). Integers stay integer
// tokens, floats keep a decimal point (or an exponent) and their suffix, and the sign never flips.
// nullopt when the literal is out of range (integers above 2^53) or the step left it unchanged.
std::optional<std::string> NewLiteral(const LiteralSite& site, double scale, Rng& rng);

// `value` written like the float literal `original` (without suffix): fixed notation with at least
// as many decimals, or exponent notation when `original` has one or the value is very large.
// With `exact`, digits are added until the text reads back as `value` (up to six more); without,
// only until a non-zero value does not print as zero.
std::string FormatFloatLike(double value, const std::string& original, bool exact);

}  // namespace kevolve::mutate
