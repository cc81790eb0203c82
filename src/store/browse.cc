// Store reads for a dashboard: pages of programs, a streaming scan, ancestry, children and
// migration counts. Each holds at most one page of rows in memory, whatever the run's size.
#include <cmath>
#include <limits>

#include "store/program_row.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace kevolve {

using store::Statement;
using store::Transaction;

namespace {

// The brief columns, in the order ReadBrief reads them.
constexpr const char* kBriefColumns =
    "id, parent_id, generation, island, origin, valid, score, failure, duration_ms, "
    "created_unix_ms";
constexpr int kBriefColumnCount = 10;

ProgramBrief ReadBrief(const Statement& stmt) {
  ProgramBrief b;
  b.id = stmt.Int(0);
  b.parent_id = stmt.Int(1);
  b.generation = stmt.Int(2);
  b.island = static_cast<int>(stmt.Int(3));
  b.origin = stmt.Text(4);
  b.valid = stmt.Int(5) != 0;
  b.score = stmt.Real(6);
  b.failure = stmt.Text(7);
  b.duration_ms = stmt.Int(8);
  b.created_unix_ms = stmt.Int(9);
  return b;
}

Result<std::vector<ProgramBrief>> ReadBriefs(Statement& stmt) {
  std::vector<ProgramBrief> rows;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return rows;
    rows.push_back(ReadBrief(stmt));
  }
}

// Decodes a JSON column of numbers, naming the program when it is damaged.
Status DecodeColumn(const Statement& stmt, int column, int64_t id, const char* what,
                    std::map<std::string, double>& out) {
  auto decoded = store::DecodeNumbers(stmt.Text(column));
  if (!decoded.ok()) {
    return decoded.status().WithContext("program " + std::to_string(id) + " " + what);
  }
  out = std::move(decoded).value();
  return Status::Ok();
}

}  // namespace

Result<std::vector<ProgramBrief>> Store::ListPrograms(ProgramOrder order, int64_t offset,
                                                      int64_t limit) const {
  // NaN is stored as NULL; "score IS NULL" sorts those rows after every number.
  const char* order_by = order == ProgramOrder::kId
                             ? "ORDER BY id"
                             : "ORDER BY valid DESC, score IS NULL, score DESC, id";
  KEVOLVE_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare(std::string("SELECT ") + kBriefColumns +
                                            " FROM programs " + order_by + " LIMIT ? OFFSET ?",
                                        "list programs"));
  stmt.Bind(1, limit).Bind(2, offset);
  return ReadBriefs(stmt);
}

Status Store::ScanPrograms(const ProgramScan& scan,
                           const std::function<void(const ProgramBrief&)>& visit) const {
  KEVOLVE_ASSIGN_OR_RETURN(Transaction snapshot, Transaction::BeginRead(*db_, "scan programs"));
  std::string sql = std::string("SELECT ") + kBriefColumns;
  sql += scan.features ? ", features_json" : ", ''";
  sql += scan.hidden_metrics ? ", hidden_json" : ", ''";
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt, db_->Prepare(sql + " FROM programs WHERE id > ? ORDER BY id", "scan programs"));
  stmt.Bind(1, scan.after_id);
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::Ok();
    ProgramBrief b = ReadBrief(stmt);
    if (scan.features) {
      KEVOLVE_RETURN_IF_ERROR(DecodeColumn(stmt, kBriefColumnCount, b.id, "features", b.features));
    }
    if (scan.hidden_metrics) {
      KEVOLVE_RETURN_IF_ERROR(
          DecodeColumn(stmt, kBriefColumnCount + 1, b.id, "hidden metrics", b.hidden_metrics));
    }
    visit(b);
  }
}

Result<std::vector<ProgramBrief>> Store::LoadAncestry(int64_t id, int64_t max_depth) const {
  // Parent links point to lower ids (a parent commits first), so the walk always ends.
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(std::string("WITH RECURSIVE line(pid, depth) AS ("
                               "SELECT ?1, 0 UNION ALL SELECT p.parent_id, line.depth + 1 "
                               "FROM programs p JOIN line ON p.id = line.pid "
                               "WHERE p.parent_id > 0 AND p.parent_id < p.id AND line.depth + 1 < ?2) "
                               "SELECT ") +
                       kBriefColumns + ", edit FROM line JOIN programs ON programs.id = line.pid "
                                       "ORDER BY line.depth",
                   "load ancestry"));
  stmt.Bind(1, id).Bind(2, max_depth);
  std::vector<ProgramBrief> rows;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    rows.push_back(ReadBrief(stmt));
    rows.back().edit = stmt.Text(kBriefColumnCount);
  }
  if (rows.empty()) return Status::NotFound("program " + std::to_string(id) + " is not in " + path_);
  return rows;
}

Result<std::vector<ProgramBrief>> Store::LoadChildren(const std::vector<int64_t>& parent_ids,
                                                      int64_t limit) const {
  if (parent_ids.empty()) return std::vector<ProgramBrief>();
  std::string placeholders;
  for (size_t i = 0; i < parent_ids.size(); ++i) placeholders += i == 0 ? "?" : ", ?";
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(std::string("SELECT ") + kBriefColumns + " FROM programs WHERE parent_id IN (" +
                       placeholders + ") ORDER BY id LIMIT ?",
                   "load children"));
  int index = 1;
  for (int64_t parent : parent_ids) stmt.Bind(index++, parent);
  stmt.Bind(index, limit);
  return ReadBriefs(stmt);
}

Result<PlacementCounts> Store::CountPlacements() const {
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT programs.island, placements.island, COUNT(*) FROM placements "
                   "JOIN programs ON programs.id = placements.program_id "
                   "GROUP BY programs.island, placements.island",
                   "count placements"));
  PlacementCounts counts;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return counts;
    counts[{static_cast<int>(stmt.Int(0)), static_cast<int>(stmt.Int(1))}] = stmt.Int(2);
  }
}

}  // namespace kevolve
