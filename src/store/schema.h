// The run database schema and its versioned migrations. Internal to the store module.
//
// meta(key, value)          run facts: schema_version, run id, config, task dir, strategy...
// programs(...)             one row per evaluated program, id = commit order (1-based)
// placements(seq, ...)      migration copies; after_program_id orders them against programs
// state(key, value)         engine state committed with each program (rng, counters)
// rejected_edits(...)       edits that failed to apply and were never evaluated
//
// A later schema (llm_calls, events tables) adds a Migration{from_version, sql} to
// kMigrations and bumps kSchemaVersion; Open upgrades older files in one transaction.
#pragma once

#include "core/status.h"
#include "store/sqlite.h"

namespace kevolve::store {

inline constexpr int kSchemaVersion = 1;

// Creates every table and index of the current schema and records kSchemaVersion in meta.
// REQUIRES: an empty database, inside a transaction.
Status CreateSchema(Database& db);

// Reads meta.schema_version and upgrades the file to kSchemaVersion when it is older and
// `writable`. FailedPrecondition: not a kevolve database, written by a newer kevolve, too old to
// migrate, or older but opened read-only.
Status CheckAndMigrateSchema(Database& db, bool writable, const std::string& path);

}  // namespace kevolve::store
