#include "store/sqlite.h"

#include <limits>

namespace kevolve::store {

Status SqliteError(sqlite3* db, int rc, std::string_view operation) {
  std::string message = "sqlite: " + std::string(operation) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(message + " (another process holds the database; retry)");
    case SQLITE_FULL:
      return Status::ResourceExhausted(message + " (the disk is full)");
    case SQLITE_CONSTRAINT:
      return Status::InvalidArgument(message);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status::FailedPrecondition(message + " (not a kevolve run database, or damaged)");
    case SQLITE_CANTOPEN:
      return Status::NotFound(message);
    default:
      return Status::Internal(message);
  }
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    operation_ = std::move(other.operation_);
    bind_rc_ = other.bind_rc_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's buffer may go away before Step.
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    const int rc = bind_rc_;
    Reset();
    return SqliteError(db_, rc, operation_ + " (bind)");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(stmt_);
    return false;
  }
  Status error = SqliteError(db_, rc, operation_);
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::Run() {
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Real(int column) const {
  if (IsNull(column)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::Text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  const int bytes = sqlite3_column_bytes(stmt_, column);  // after column_text, as documented
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(bytes));
}

Result<Database> Database::Open(const std::string& path, int flags, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);  // closed even when the open failed, as SQLite requires
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return db;
}

Status Database::Exec(std::string_view sql, std::string_view operation) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, operation);
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql, std::string operation) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "prepare " + operation);
  return Statement(db_.get(), stmt, std::move(operation));
}

Result<std::string> Database::QueryText(std::string_view sql, std::string operation) {
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql, std::move(operation)));
  KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::string();
  std::string text = stmt.Text(0);
  stmt.Reset();
  return text;
}

Result<Transaction> Transaction::Begin(Database& db, std::string_view operation) {
  // IMMEDIATE takes the write lock now, so a busy database fails (after the busy timeout)
  // before any work is done rather than at COMMIT.
  KEVOLVE_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE", "begin " + std::string(operation)));
  return Transaction(&db);
}

Result<Transaction> Transaction::BeginRead(Database& db, std::string_view operation) {
  KEVOLVE_RETURN_IF_ERROR(db.Exec("BEGIN", "begin " + std::string(operation)));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::Commit() {
  Status status = db_->Exec("COMMIT", "commit");
  if (status.ok()) db_ = nullptr;  // on failure the destructor rolls back
  return status;
}

}  // namespace kevolve::store
