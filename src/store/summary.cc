// Store::Summarize and Store::CheckIntegrity: whole-file queries for status and diagnostics.
#include <limits>

#include "store/sqlite.h"
#include "store/store.h"

namespace kevolve {

using store::Statement;
using store::Transaction;

namespace {

// Runs `sql` (rows of name, count) into `out`.
Status CountBy(store::Database& db, const char* sql, const char* operation,
               std::map<std::string, int64_t>& out) {
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql, operation));
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::Ok();
    out[stmt.Text(0)] = stmt.Int(1);
  }
}

// The best as the engine recorded it (state "best_id"): with noise-aware selection a higher
// score within the noise does not replace the best. With `fallback`, runs that recorded none get
// the population's order, score descending, then the older program. NaN is stored as NULL and
// infinities fall outside the bounds, so neither can be "best".
Status FindBest(store::Database& db, bool fallback, StoreSummary& summary) {
  const char* sql =
      fallback ? "SELECT id, score FROM programs WHERE valid = 1 AND score BETWEEN ?1 AND ?2 "
                 "ORDER BY id = (SELECT CAST(value AS INTEGER) FROM state "
                 "WHERE key = 'best_id') DESC, score DESC, id ASC LIMIT 1"
               : "SELECT id, score FROM programs WHERE valid = 1 AND score BETWEEN ?1 AND ?2 "
                 "AND id = (SELECT CAST(value AS INTEGER) FROM state WHERE key = 'best_id')";
  KEVOLVE_ASSIGN_OR_RETURN(Statement best, db.Prepare(sql, "find best program"));
  best.Bind(1, -std::numeric_limits<double>::max()).Bind(2, std::numeric_limits<double>::max());
  KEVOLVE_ASSIGN_OR_RETURN(bool found, best.Step());
  if (found) {
    summary.best_id = best.Int(0);
    summary.best_score = best.Real(1);
    best.Reset();
  }
  return Status::Ok();
}

// Placements and rejected edits, counted.
Status CountOtherTables(store::Database& db, StoreSummary& summary) {
  {
    KEVOLVE_ASSIGN_OR_RETURN(Statement stmt,
                             db.Prepare("SELECT (SELECT COUNT(*) FROM placements), "
                                        "(SELECT COUNT(*) FROM rejected_edits)",
                                        "count placements and rejected edits"));
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) {
      summary.placements = stmt.Int(0);
      summary.rejected_edits = stmt.Int(1);
      stmt.Reset();
    }
  }
  return CountBy(db,
                 "SELECT kind, COUNT(*) FROM rejected_edits GROUP BY kind ORDER BY kind",
                 "count rejected edits", summary.rejected_by_kind);
}

}  // namespace

Result<StoreSummary> Store::Summarize() const {
  // One snapshot, so the counts agree with each other while a run is writing.
  KEVOLVE_ASSIGN_OR_RETURN(Transaction snapshot, Transaction::BeginRead(*db_, "summarize"));
  StoreSummary summary;
  {
    KEVOLVE_ASSIGN_OR_RETURN(Statement stmt,
                             db_->Prepare("SELECT COUNT(*), COALESCE(SUM(valid), 0), "
                                          "COALESCE(MIN(created_unix_ms), 0), "
                                          "COALESCE(MAX(created_unix_ms), 0) FROM programs",
                                          "count programs"));
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) {
      summary.programs = stmt.Int(0);
      summary.valid = stmt.Int(1);
      summary.first_unix_ms = stmt.Int(2);
      summary.last_unix_ms = stmt.Int(3);
      stmt.Reset();
    }
  }
  KEVOLVE_RETURN_IF_ERROR(CountBy(*db_,
                                  "SELECT failure, COUNT(*) FROM programs WHERE valid = 0 "
                                  "GROUP BY failure ORDER BY failure",
                                  "count failures", summary.failures));
  KEVOLVE_RETURN_IF_ERROR(CountOtherTables(*db_, summary));
  KEVOLVE_RETURN_IF_ERROR(FindBest(*db_, /*fallback=*/true, summary));
  return summary;
}

Result<StoreSummary> Store::SummarizeBesidePrograms() const {
  KEVOLVE_ASSIGN_OR_RETURN(Transaction snapshot, Transaction::BeginRead(*db_, "summarize"));
  StoreSummary summary;
  KEVOLVE_RETURN_IF_ERROR(CountOtherTables(*db_, summary));
  KEVOLVE_RETURN_IF_ERROR(FindBest(*db_, /*fallback=*/false, summary));
  return summary;
}

Status Store::CheckIntegrity() const {
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("PRAGMA integrity_check(20)", "integrity check"));
  std::string problems;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const std::string line = stmt.Text(0);
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
  }
  if (!problems.empty()) {
    return Status::FailedPrecondition(path_ + " failed its integrity check: " + problems);
  }
  return Status::Ok();
}

}  // namespace kevolve
