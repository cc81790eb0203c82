// The run database schema and its versioned migrations. Internal to the store module.
//
// meta(key, value)          run facts: schema_version, run id, config, task dir, strategy...
// programs(...)             one row per evaluated program, id = commit order (1-based)
// placements(seq, ...)      migration copies; after_program_id orders them against programs
// state(key, value)         engine state committed with each program (rng, counters)
// rejected_edits(...)       edits that failed to apply and were never evaluated
// llm_calls(...)            (version 2) every HTTP attempt of an LLM call: request, reply,
//                           model, tokens, cost, latency, failure kind, and the program or
//                           rejected edit it led to; (version 3) the model's thinking
//
// A later schema adds a Migration{from_version, sql} to Migrations() and bumps kSchemaVersion;
// Open upgrades older files in one transaction, and CreateSchema applies the same migrations to a
// new file, so every file of one version has the same tables.
#pragma once

#include "core/status.h"
#include "store/sqlite.h"

namespace kevolve::store {

inline constexpr int kSchemaVersion = 3;

// Creates every table and index of the current schema and records kSchemaVersion in meta.
// REQUIRES: an empty database, inside a transaction.
Status CreateSchema(Database& db);

// Reads meta.schema_version and upgrades the file to kSchemaVersion when it is older and
// `writable`. FailedPrecondition: not a kevolve database, written by a newer kevolve, too old to
// migrate, or older but opened read-only.
Status CheckAndMigrateSchema(Database& db, bool writable, const std::string& path);

}  // namespace kevolve::store
