// The bounds that keep every answer of the dashboard, and what it keeps between requests, small
// whatever a run's size.
#pragma once

#include <cstdint>

namespace kevolve::serve {

// Bounds that keep every answer small, whatever the run's size.
inline constexpr int64_t kMaxPageRows = 500;
inline constexpr int64_t kMaxSeriesPoints = 2000;
inline constexpr int64_t kMaxAncestry = 1000;
inline constexpr int64_t kMaxTreeChildren = 600;
// A run whose latest program or event is older than this and that logged no run_end is
// "stopped" rather than "running".
inline constexpr int64_t kRunningWithinMs = 120'000;

}  // namespace kevolve::serve
