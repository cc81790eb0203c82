#include "store/store.h"

#include <limits>

#include "core/files.h"
#include "store/program_row.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace kevolve {

using store::Database;
using store::Statement;
using store::Transaction;

static_assert(Store::kSchemaVersion == store::kSchemaVersion);

namespace store {

// The statements on the per-evaluation path, prepared once per connection.
struct Statements {
  Statement insert_program;
  Statement insert_placement;
  Statement upsert_state;
  Statement insert_rejected;
  Statement select_program;
  Statement select_by_hash;
};

}  // namespace store

namespace {

constexpr int kBusyTimeoutMs = 10'000;

// Resets a cached statement when the scope ends, so an early return never leaves it mid-query.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& stmt) : stmt_(stmt) { stmt_.Reset(); }
  ~ResetOnExit() { stmt_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& stmt_;
};

Result<std::unique_ptr<store::Statements>> PrepareStatements(Database& db) {
  auto s = std::make_unique<store::Statements>();
  const std::string select = std::string("SELECT ") + store::kProgramColumns + " FROM programs ";
  KEVOLVE_ASSIGN_OR_RETURN(
      s->insert_program,
      db.Prepare("INSERT INTO programs(code, code_hash, parent_id, generation, island, origin, "
                 "edit, valid, score, failure, reason, metrics_json, features_json, hidden_json, "
                 "artifacts_json, stages_run, duration_ms, created_unix_ms) "
                 "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 "insert program"));
  // after_program_id is the newest program at the time of the placement.
  KEVOLVE_ASSIGN_OR_RETURN(
      s->insert_placement,
      db.Prepare("INSERT INTO placements(program_id, island, reason, after_program_id) "
                 "VALUES(?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM programs))",
                 "insert placement"));
  KEVOLVE_ASSIGN_OR_RETURN(s->upsert_state,
                           db.Prepare("INSERT INTO state(key, value) VALUES(?, ?) "
                                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                      "write state"));
  KEVOLVE_ASSIGN_OR_RETURN(
      s->insert_rejected,
      db.Prepare("INSERT INTO rejected_edits(parent_id, origin, edit, kind, message, "
                 "created_unix_ms) VALUES(?, ?, ?, ?, ?, ?)",
                 "insert rejected edit"));
  KEVOLVE_ASSIGN_OR_RETURN(s->select_program, db.Prepare(select + "WHERE id = ?", "load program"));
  KEVOLVE_ASSIGN_OR_RETURN(
      s->select_by_hash,
      db.Prepare(select + "WHERE code_hash = ? ORDER BY id LIMIT 1", "find program by hash"));
  return s;
}

// Per-connection settings. journal_mode is stored in the file; the others are per connection.
Status Configure(Database& db, bool writable) {
  if (writable) {
    KEVOLVE_ASSIGN_OR_RETURN(std::string mode,
                             db.QueryText("PRAGMA journal_mode = WAL", "set journal mode"));
    if (mode != "wal") {
      return Status::FailedPrecondition(
          "sqlite: set journal mode: the file system refused WAL "
          "mode (got '" +
          mode + "'); put runs on a local disk");
    }
  }
  // See store.h for why NORMAL and not FULL.
  KEVOLVE_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = NORMAL", "set synchronous"));
  return db.Exec("PRAGMA foreign_keys = ON", "enable foreign keys");
}

}  // namespace

Store::Store(std::string path, std::unique_ptr<Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Finish(std::string path, std::unique_ptr<Database> db,
                                             bool writable) {
  KEVOLVE_RETURN_IF_ERROR(Configure(*db, writable));
  KEVOLVE_RETURN_IF_ERROR(store::CheckAndMigrateSchema(*db, writable, path));
  KEVOLVE_ASSIGN_OR_RETURN(auto statements, PrepareStatements(*db));
  std::unique_ptr<Store> s(new Store(std::move(path), std::move(db)));
  s->statements_ = std::move(statements);
  return s;
}

Result<std::unique_ptr<Store>> Store::Create(const std::string& path) {
  if (PathExists(path)) {
    return Status::AlreadyExists("run database " + path + " already exists");
  }
  auto created = CreateFile(path);
  if (!created.ok() && PathExists(path)) {
    // Half a database would make the next Create fail and Open say "not a run database".
    for (const char* suffix : {"", "-wal", "-shm"}) (void)RemoveTree(path + suffix);
  }
  return created;
}

Result<std::unique_ptr<Store>> Store::CreateFile(const std::string& path) {
  KEVOLVE_ASSIGN_OR_RETURN(
      Database opened,
      Database::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, kBusyTimeoutMs));
  auto db = std::make_unique<Database>(std::move(opened));
  KEVOLVE_RETURN_IF_ERROR(Configure(*db, /*writable=*/true));
  {
    KEVOLVE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db, "create schema"));
    KEVOLVE_RETURN_IF_ERROR(store::CreateSchema(*db));
    KEVOLVE_RETURN_IF_ERROR(tx.Commit());
  }
  return Finish(path, std::move(db), /*writable=*/true);
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, Mode mode) {
  if (!PathExists(path)) return Status::NotFound("run database " + path + " does not exist");
  const bool writable = mode == Mode::kReadWrite;
  KEVOLVE_ASSIGN_OR_RETURN(
      Database opened, Database::Open(path, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
                                      kBusyTimeoutMs));
  return Finish(path, std::make_unique<Database>(std::move(opened)), writable);
}

Status Store::PutMeta(const std::string& key, const std::string& value) {
  if (key == "schema_version") {
    return Status::InvalidArgument("meta key 'schema_version' is managed by the store");
  }
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("INSERT INTO meta(key, value) VALUES(?, ?) "
                                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                        "write meta '" + key + "'"));
  stmt.Bind(1, key).Bind(2, value);
  return stmt.Run();
}

Result<std::optional<std::string>> Store::GetMeta(const std::string& key) const {
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT value FROM meta WHERE key = ?",
                                                        "read meta '" + key + "'"));
  stmt.Bind(1, key);
  KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  std::optional<std::string> value = stmt.Text(0);
  stmt.Reset();
  return value;
}

Status Store::WritePlacementsAndState(const std::vector<Placement>& placements,
                                      const StateMap& state) {
  Statement& place = statements_->insert_placement;
  for (const Placement& p : placements) {
    ResetOnExit reset(place);
    place.Bind(1, p.program_id).Bind(2, p.island).Bind(3, p.reason);
    Status s = place.Run();
    if (!s.ok()) {
      return s.WithContext("placement of program " + std::to_string(p.program_id) + " on island " +
                           std::to_string(p.island));
    }
  }
  Statement& upsert = statements_->upsert_state;
  for (const auto& [key, value] : state) {
    ResetOnExit reset(upsert);
    upsert.Bind(1, key).Bind(2, value);
    KEVOLVE_RETURN_IF_ERROR(upsert.Run());
  }
  return Status::Ok();
}

Result<int64_t> Store::CommitProgram(const Program& program,
                                     const std::vector<Placement>& placements,
                                     const StateMap& state,
                                     const std::vector<int64_t>& llm_calls) {
  KEVOLVE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, "commit program"));
  {
    Statement& insert = statements_->insert_program;
    ResetOnExit reset(insert);
    store::BindProgram(insert, program);
    KEVOLVE_RETURN_IF_ERROR(insert.Run());
  }
  const int64_t id = sqlite3_last_insert_rowid(db_->handle());
  // program_id 0 names the program of this commit, whose id is only known now.
  std::vector<Placement> resolved = placements;
  for (Placement& p : resolved) {
    if (p.program_id == 0) p.program_id = id;
  }
  KEVOLVE_RETURN_IF_ERROR(WritePlacementsAndState(resolved, state));
  KEVOLVE_RETURN_IF_ERROR(WriteLlmLinks(llm_calls, "program", id, std::nullopt));
  KEVOLVE_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Status Store::CommitPlacements(const std::vector<Placement>& placements, const StateMap& state) {
  KEVOLVE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, "commit placements"));
  KEVOLVE_RETURN_IF_ERROR(WritePlacementsAndState(placements, state));
  return tx.Commit();
}

Result<int64_t> Store::RecordRejectedEdit(const RejectedEdit& edit, const StateMap& state,
                                          const std::vector<int64_t>& llm_calls) {
  KEVOLVE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, "record rejected edit"));
  {
    Statement& insert = statements_->insert_rejected;
    ResetOnExit reset(insert);
    insert.Bind(1, edit.parent_id)
        .Bind(2, edit.origin)
        .Bind(3, edit.edit)
        .Bind(4, edit.kind)
        .Bind(5, edit.message)
        .Bind(6, edit.created_unix_ms);
    KEVOLVE_RETURN_IF_ERROR(insert.Run());
  }
  const int64_t id = sqlite3_last_insert_rowid(db_->handle());
  KEVOLVE_RETURN_IF_ERROR(WritePlacementsAndState({}, state));
  KEVOLVE_RETURN_IF_ERROR(WriteLlmLinks(llm_calls, "rejected_edit", std::nullopt, id));
  KEVOLVE_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Result<std::vector<Program>> Store::LoadPrograms() const {
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(std::string("SELECT ") + store::kProgramColumns + " FROM programs ORDER BY id",
                   "load programs"));
  std::vector<Program> programs;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    KEVOLVE_ASSIGN_OR_RETURN(Program p, store::ReadProgram(stmt));
    programs.push_back(std::move(p));
  }
  return programs;
}

Result<std::vector<PlacementRecord>> Store::LoadPlacements() const {
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT seq, after_program_id, program_id, island, reason FROM placements "
                   "ORDER BY seq",
                   "load placements"));
  std::vector<PlacementRecord> records;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    records.push_back(
        {stmt.Int(0), stmt.Int(1), {stmt.Int(2), static_cast<int>(stmt.Int(3)), stmt.Text(4)}});
  }
  return records;
}

Result<StateMap> Store::LoadState() const {
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("SELECT key, value FROM state ORDER BY key", "load state"));
  StateMap state;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    state[stmt.Text(0)] = stmt.Text(1);
  }
  return state;
}

Result<std::vector<RejectedEdit>> Store::LoadRejectedEdits() const {
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT id, parent_id, origin, edit, kind, message, created_unix_ms "
                   "FROM rejected_edits ORDER BY id",
                   "load rejected edits"));
  std::vector<RejectedEdit> edits;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    edits.push_back({stmt.Int(0), stmt.Int(1), stmt.Text(2), stmt.Text(3), stmt.Text(4),
                     stmt.Text(5), stmt.Int(6)});
  }
  return edits;
}

Result<Program> Store::LoadProgram(int64_t id) const {
  Statement& stmt = statements_->select_program;
  ResetOnExit reset(stmt);
  stmt.Bind(1, id);
  KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound("program " + std::to_string(id) + " is not in " + path_);
  return store::ReadProgram(stmt);
}

Result<std::optional<Program>> Store::FindByHash(const std::string& hash) const {
  Statement& stmt = statements_->select_by_hash;
  ResetOnExit reset(stmt);
  stmt.Bind(1, hash);
  KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Program>();
  KEVOLVE_ASSIGN_OR_RETURN(Program p, store::ReadProgram(stmt));
  return std::optional<Program>(std::move(p));
}

}  // namespace kevolve
