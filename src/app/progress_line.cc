#include "app/progress_line.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/clock.h"
#include "core/log.h"

namespace kevolve::app {
namespace {

std::string Duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  const auto s = static_cast<int64_t>(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", static_cast<long>(s / 3600),
                  static_cast<long>((s % 3600) / 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", static_cast<long>(s / 60), static_cast<long>(s % 60));
  }
  return buf;
}

std::string Line(const engine::Progress& p) {
  const double valid_pct =
      p.evaluations > 0 ? 100.0 * static_cast<double>(p.valid) / static_cast<double>(p.evaluations + 1) : 100.0;
  const double eta = p.evals_per_second > 0
                         ? static_cast<double>(p.target - p.evaluations) / p.evals_per_second
                         : -1;
  char buf[320];
  int n = std::snprintf(buf, sizeof(buf),
                "evals %ld/%ld  best %.6g (#%ld)  valid %.0f%%  %.2f evals/s  ETA %s  "
                "rejected %ld  dup %ld",
                static_cast<long>(p.evaluations), static_cast<long>(p.target), p.best_score,
                static_cast<long>(p.best_id), valid_pct, p.evals_per_second, Duration(eta).c_str(),
                static_cast<long>(p.rejected_edits), static_cast<long>(p.duplicates));
  if (p.llm_calls > 0 && n > 0 && static_cast<size_t>(n) < sizeof(buf)) {
    std::snprintf(buf + n, sizeof(buf) - static_cast<size_t>(n), "  llm %ld calls %.4g",
                  static_cast<long>(p.llm_calls), p.llm_cost);
  }
  return buf;
}

}  // namespace

ProgressLine::ProgressLine() : terminal_(::isatty(STDERR_FILENO) == 1) {}

void ProgressLine::Update(const engine::Progress& p) {
  const int64_t now = RealClock().NowMs();
  if (terminal_) {
    if (now - last_drawn_ms_ < 100 && p.evaluations < p.target) return;
    last_drawn_ms_ = now;
    std::fprintf(stderr, "\r\033[K%s", Line(p).c_str());
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  if (now - last_logged_ms_ >= 10'000 || p.evaluations >= p.target) {
    last_logged_ms_ = now;
    log::Info("{}", Line(p));
  }
}

void ProgressLine::Finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace kevolve::app
