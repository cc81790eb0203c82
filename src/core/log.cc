#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace kevolve::log {

void SetLevel(const std::string& level) {
  static bool installed = [] {
    auto logger = spdlog::stderr_color_mt("kevolve");
    logger->set_pattern("%^%L%$ %H:%M:%S %v");
    spdlog::set_default_logger(logger);
    return true;
  }();
  (void)installed;
  spdlog::set_level(spdlog::level::from_str(level.empty() ? "info" : level));
}

}  // namespace kevolve::log
