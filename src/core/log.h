// Logging facade: diagnostics to stderr through spdlog. Logs are for people; run events (data)
// go to events.jsonl through the engine, not here.
#pragma once

#include <spdlog/spdlog.h>

namespace kevolve::log {

// Sets the level from a name ("debug", "info", "warn", "error", "off"); unknown names keep info.
void SetLevel(const std::string& level);

template <typename... Args>
void Debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void Info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::info(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void Warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void Error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::error(fmt, std::forward<Args>(args)...);
}

}  // namespace kevolve::log
