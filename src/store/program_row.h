// Encoding of a Program as a row of the programs table. Internal to the store module.
#pragma once

#include <map>
#include <string>

#include "core/program.h"
#include "core/status.h"
#include "store/sqlite.h"

namespace kevolve::store {

// Column list of the programs table, in the order BindProgram and ReadProgram use.
inline constexpr const char* kProgramColumns =
    "id, code, code_hash, parent_id, generation, island, origin, edit, valid, score, failure, "
    "reason, metrics_json, features_json, hidden_json, artifacts_json, stages_run, duration_ms, "
    "created_unix_ms";

// Binds parameters 1..18 (every column but id) for an INSERT of `program`.
void BindProgram(Statement& stmt, const Program& program);
// Reads the current row (columns in kProgramColumns order). FailedPrecondition when a JSON
// column is damaged.
Result<Program> ReadProgram(const Statement& stmt);

// Numbers are stored as JSON numbers (shortest form that round-trips); NaN and infinities,
// which JSON lacks, as the strings "nan", "inf", "-inf".
std::string EncodeNumbers(const std::map<std::string, double>& values);
Result<std::map<std::string, double>> DecodeNumbers(const std::string& json);
// Strings with invalid UTF-8 have it replaced (U+FFFD); valid text round-trips exactly.
std::string EncodeStrings(const std::map<std::string, std::string>& values);
Result<std::map<std::string, std::string>> DecodeStrings(const std::string& json);

}  // namespace kevolve::store
