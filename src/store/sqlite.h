// Thin RAII wrappers over the SQLite C API, used only inside the store module. Every failure
// becomes a Status whose message names the SQL operation and carries sqlite3_errmsg. Objects are
// movable, not copyable, and not thread-safe: one Database and its statements belong to one
// thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace kevolve::store {

// The Status for SQLite result code `rc` during `operation` on `db` (db may be null).
// BUSY/LOCKED -> Unavailable, FULL -> ResourceExhausted, CONSTRAINT -> InvalidArgument,
// NOTADB/CORRUPT -> FailedPrecondition, CANTOPEN -> NotFound, anything else -> Internal.
Status SqliteError(sqlite3* db, int rc, std::string_view operation);

// A prepared statement. Step() resets the statement itself when it finishes (DONE or an error),
// so a cached statement never keeps a read transaction open; a caller that stops reading rows
// early calls Reset().
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string operation)
      : db_(db), stmt_(stmt), operation_(std::move(operation)) {}
  Statement(Statement&& other) noexcept { *this = std::move(other); }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds by 1-based index. A failed bind is remembered and reported by the next Step.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, int64_t{value}); }
  Statement& Bind(int index, double value);  // NaN is stored as NULL by SQLite
  Statement& Bind(int index, std::string_view text);
  Statement& BindNull(int index);

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion of a statement that returns no rows we need.
  Status Run();
  // Rewinds and clears bindings.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Real(int column) const;       // NULL reads as NaN
  std::string Text(int column) const;  // exact bytes, embedded NULs kept

  const std::string& operation() const { return operation_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string operation_;
  int bind_rc_ = SQLITE_OK;
};

class Database {
 public:
  // Opens `path` with sqlite3_open_v2 `flags`. The busy timeout makes a writer wait for another
  // connection (a `kevolve status` reader, say) instead of failing at once.
  static Result<Database> Open(const std::string& path, int flags, int busy_timeout_ms);

  // Runs one or more statements that return no rows we need (schema, pragmas, BEGIN...).
  Status Exec(std::string_view sql, std::string_view operation);
  Result<Statement> Prepare(std::string_view sql, std::string operation);
  // The first column of the first row of `sql`, as text ("" when NULL or no row).
  Result<std::string> QueryText(std::string_view sql, std::string operation);

  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

// A transaction that rolls back in its destructor unless Commit() succeeded, so an early
// return on error leaves nothing half-written.
class Transaction {
 public:
  // BEGIN IMMEDIATE: takes the write lock now.
  static Result<Transaction> Begin(Database& db, std::string_view operation);
  // BEGIN (deferred): a consistent snapshot for several reads; ending it needs no Commit.
  static Result<Transaction> BeginRead(Database& db, std::string_view operation);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // null once committed or rolled back
};

}  // namespace kevolve::store
