// JSON helpers: parsing text that comes from outside (child processes, the network, LLM replies)
// without exceptions, and typed field reads that turn a wrong shape into a Status.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/program.h"
#include "core/status.h"

namespace kevolve {

using Json = nlohmann::json;

// Parses `text` as one JSON value. Never throws; InvalidArgument names the byte offset.
Result<Json> ParseJson(std::string_view text);

// Serializes with invalid UTF-8 replaced, never throws.
std::string DumpJson(const Json& value, int indent = -1);

// An evaluation result as the JSON of `kevolve eval`: failure and reason only when invalid,
// combined_score null when invalid.
Json EvalResultToJson(const EvalResult& r);

}  // namespace kevolve
