#include "store/schema.h"

#include <charconv>
#include <string>
#include <vector>

namespace kevolve::store {
namespace {

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE programs (
  id              INTEGER PRIMARY KEY,
  code            TEXT NOT NULL,
  code_hash       TEXT NOT NULL,
  parent_id       INTEGER NOT NULL,
  generation      INTEGER NOT NULL,
  island          INTEGER NOT NULL,
  origin          TEXT NOT NULL,
  edit            TEXT NOT NULL,
  valid           INTEGER NOT NULL,
  score           REAL,
  failure         TEXT NOT NULL,
  reason          TEXT NOT NULL,
  metrics_json    TEXT NOT NULL,
  features_json   TEXT NOT NULL,
  hidden_json     TEXT NOT NULL,
  artifacts_json  TEXT NOT NULL,
  stages_run      INTEGER NOT NULL,
  duration_ms     INTEGER NOT NULL,
  created_unix_ms INTEGER NOT NULL
);
CREATE INDEX programs_by_hash ON programs(code_hash);
CREATE TABLE placements (
  seq              INTEGER PRIMARY KEY,
  program_id       INTEGER NOT NULL REFERENCES programs(id),
  island           INTEGER NOT NULL,
  reason           TEXT NOT NULL,
  after_program_id INTEGER NOT NULL
);
CREATE TABLE state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE rejected_edits (
  id              INTEGER PRIMARY KEY,
  parent_id       INTEGER NOT NULL,
  origin          TEXT NOT NULL,
  edit            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  message         TEXT NOT NULL,
  created_unix_ms INTEGER NOT NULL
);
CREATE INDEX rejected_edits_by_kind ON rejected_edits(kind);
)sql";

// Version 2: the LLM transcripts. One row per HTTP attempt; `proposal` is the engine's proposal
// ticket and `call` the logical call within it, the key a replay serves replies by.
constexpr const char* kLlmCallsV2 = R"sql(
CREATE TABLE llm_calls (
  id               INTEGER PRIMARY KEY,
  proposal         INTEGER NOT NULL,
  call             INTEGER NOT NULL,
  attempt          INTEGER NOT NULL,
  model            TEXT NOT NULL,
  purpose          TEXT NOT NULL,
  request          TEXT NOT NULL,
  reply            TEXT NOT NULL,
  content          TEXT NOT NULL,
  reasoning        TEXT NOT NULL,
  expected_impact  TEXT NOT NULL,
  finish_reason    TEXT NOT NULL,
  http_status      INTEGER NOT NULL,
  failure          TEXT NOT NULL,
  error            TEXT NOT NULL,
  tokens_in        INTEGER NOT NULL,
  tokens_out       INTEGER NOT NULL,
  cost             REAL NOT NULL,
  latency_ms       INTEGER NOT NULL,
  outcome          TEXT NOT NULL DEFAULT '',
  program_id       INTEGER REFERENCES programs(id),
  rejected_edit_id INTEGER REFERENCES rejected_edits(id),
  created_unix_ms  INTEGER NOT NULL
);
CREATE INDEX llm_calls_by_proposal ON llm_calls(proposal, call, attempt);
CREATE INDEX llm_calls_by_program ON llm_calls(program_id);
)sql";

// Version 3: a reasoning model's thinking (reasoning_content, <think> blocks), kept apart from
// the answer the edit is read from.
constexpr const char* kLlmThinkingV3 = R"sql(
ALTER TABLE llm_calls ADD COLUMN thinking TEXT NOT NULL DEFAULT '';
)sql";

// Upgrades from `from_version` to from_version + 1.
struct Migration {
  int from_version;
  const char* sql;
};

// Append, never edit, entries.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {{1, kLlmCallsV2}, {2, kLlmThinkingV3}};
  return migrations;
}

Status SetVersion(Database& db, int version) {
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt,
                           db.Prepare("INSERT INTO meta(key, value) VALUES('schema_version', ?) "
                                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                      "set schema version"));
  stmt.Bind(1, std::to_string(version));
  return stmt.Run();
}

Status Upgrade(Database& db, int version, const std::string& path) {
  KEVOLVE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db, "schema migration"));
  while (version < kSchemaVersion) {
    const Migration* step = nullptr;
    for (const Migration& m : Migrations()) {
      if (m.from_version == version) step = &m;
    }
    if (step == nullptr) {
      return Status::FailedPrecondition(path + " has schema version " + std::to_string(version) +
                                        " and this kevolve has no migration from it to " +
                                        std::to_string(kSchemaVersion));
    }
    KEVOLVE_RETURN_IF_ERROR(
        db.Exec(step->sql, "migrate schema from version " + std::to_string(version)));
    ++version;
  }
  KEVOLVE_RETURN_IF_ERROR(SetVersion(db, version));
  return tx.Commit();
}

}  // namespace

Status CreateSchema(Database& db) {
  KEVOLVE_RETURN_IF_ERROR(db.Exec(kSchemaV1, "create schema"));
  for (const Migration& m : Migrations()) KEVOLVE_RETURN_IF_ERROR(db.Exec(m.sql, "create schema"));
  return SetVersion(db, kSchemaVersion);
}

Status CheckAndMigrateSchema(Database& db, bool writable, const std::string& path) {
  auto text =
      db.QueryText("SELECT value FROM meta WHERE key = 'schema_version'", "read schema version");
  if (!text.ok()) {
    if (text.status().message().find("no such table") != std::string::npos) {
      return Status::FailedPrecondition(path + " is not a kevolve run database (no meta table)");
    }
    return text.status();
  }
  int version = 0;
  const std::string& v = *text;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return Status::FailedPrecondition(path + " has no valid schema_version in its meta table ('" +
                                      v + "')");
  }
  if (version == kSchemaVersion) return Status::Ok();
  if (version > kSchemaVersion) {
    return Status::FailedPrecondition(path + " has schema version " + std::to_string(version) +
                                      ", newer than the " + std::to_string(kSchemaVersion) +
                                      " this kevolve reads; use a newer kevolve");
  }
  if (!writable) {
    return Status::FailedPrecondition(path + " has schema version " + std::to_string(version) +
                                      " and needs a migration; open it read-write once");
  }
  return Upgrade(db, version, path);
}

}  // namespace kevolve::store
