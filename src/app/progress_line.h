// Progress for people: a live status line on a terminal, plain log lines otherwise.
#pragma once

#include <cstdint>

#include "engine/engine.h"

namespace kevolve::app {

class ProgressLine {
 public:
  ProgressLine();  // detects whether stderr is a terminal
  void Update(const engine::Progress& p);
  // Ends the live line so the next output starts on a fresh line.
  void Finish();

 private:
  bool terminal_;
  bool drawn_ = false;
  int64_t last_logged_ms_ = 0;
  int64_t last_drawn_ms_ = 0;
};

}  // namespace kevolve::app
