// The llm_calls table: recording LLM attempts, linking them to what they produced, and the
// usage summary for `kevolve status`.
#include "store/sqlite.h"
#include "store/store.h"

namespace kevolve {

using store::Statement;
using store::Transaction;

namespace {

constexpr const char* kColumns =
    "id, proposal, call, attempt, model, purpose, request, reply, content, reasoning, "
    "expected_impact, finish_reason, http_status, failure, error, tokens_in, tokens_out, cost, "
    "latency_ms, outcome, program_id, rejected_edit_id, created_unix_ms, thinking";

std::optional<int64_t> OptionalInt(const Statement& stmt, int column) {
  if (stmt.IsNull(column)) return std::nullopt;
  return stmt.Int(column);
}

}  // namespace

Result<std::vector<int64_t>> Store::RecordLlmCalls(const std::vector<LlmCall>& calls) {
  std::vector<int64_t> ids;
  if (calls.empty()) return ids;
  KEVOLVE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, "record llm calls"));
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement insert,
      db_->Prepare("INSERT INTO llm_calls(proposal, call, attempt, model, purpose, request, reply, "
                   "content, reasoning, expected_impact, finish_reason, http_status, failure, "
                   "error, tokens_in, tokens_out, cost, latency_ms, created_unix_ms, thinking) "
                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   "insert llm call"));
  for (const LlmCall& c : calls) {
    insert.Reset();
    insert.Bind(1, c.proposal)
        .Bind(2, c.call)
        .Bind(3, c.attempt)
        .Bind(4, c.model)
        .Bind(5, c.purpose)
        .Bind(6, c.request)
        .Bind(7, c.reply)
        .Bind(8, c.content)
        .Bind(9, c.reasoning)
        .Bind(10, c.expected_impact)
        .Bind(11, c.finish_reason)
        .Bind(12, c.http_status)
        .Bind(13, c.failure)
        .Bind(14, c.error)
        .Bind(15, c.tokens_in)
        .Bind(16, c.tokens_out)
        .Bind(17, c.cost)
        .Bind(18, c.latency_ms)
        .Bind(19, c.created_unix_ms)
        .Bind(20, c.thinking);
    KEVOLVE_RETURN_IF_ERROR(insert.Run());
    ids.push_back(sqlite3_last_insert_rowid(db_->handle()));
  }
  KEVOLVE_RETURN_IF_ERROR(tx.Commit());
  return ids;
}

Status Store::WriteLlmLinks(const std::vector<int64_t>& ids, const std::string& outcome,
                            std::optional<int64_t> program_id,
                            std::optional<int64_t> rejected_edit_id) {
  if (ids.empty()) return Status::Ok();
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement update,
      db_->Prepare("UPDATE llm_calls SET outcome = ?, program_id = ?, rejected_edit_id = ? "
                   "WHERE id = ?",
                   "link llm calls"));
  for (int64_t id : ids) {
    update.Reset();
    update.Bind(1, outcome);
    if (program_id) {
      update.Bind(2, *program_id);
    } else {
      update.BindNull(2);
    }
    if (rejected_edit_id) {
      update.Bind(3, *rejected_edit_id);
    } else {
      update.BindNull(3);
    }
    update.Bind(4, id);
    KEVOLVE_RETURN_IF_ERROR(update.Run());
  }
  return Status::Ok();
}

Status Store::LinkLlmCalls(const std::vector<int64_t>& ids, const std::string& outcome) {
  if (ids.empty()) return Status::Ok();
  KEVOLVE_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, "link llm calls"));
  KEVOLVE_RETURN_IF_ERROR(WriteLlmLinks(ids, outcome, std::nullopt, std::nullopt));
  return tx.Commit();
}

Result<std::vector<LlmCall>> Store::QueryLlmCalls(
    const std::string& sql_tail, const std::function<void(Statement&)>& bind, bool with_texts,
    const std::string& operation) const {
  // The brief form selects '' for the four texts that can be large, in the same positions.
  const std::string columns =
      with_texts ? kColumns
                 : "id, proposal, call, attempt, model, purpose, '', '', '', '', expected_impact, "
                   "finish_reason, http_status, failure, error, tokens_in, tokens_out, cost, "
                   "latency_ms, outcome, program_id, rejected_edit_id, created_unix_ms";
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement stmt, db_->Prepare("SELECT " + columns + " FROM llm_calls " + sql_tail, operation));
  bind(stmt);
  std::vector<LlmCall> calls;
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    LlmCall c;
    c.id = stmt.Int(0);
    c.proposal = stmt.Int(1);
    c.call = static_cast<int>(stmt.Int(2));
    c.attempt = static_cast<int>(stmt.Int(3));
    c.model = stmt.Text(4);
    c.purpose = stmt.Text(5);
    c.request = stmt.Text(6);
    c.reply = stmt.Text(7);
    c.content = stmt.Text(8);
    c.reasoning = stmt.Text(9);
    c.expected_impact = stmt.Text(10);
    c.finish_reason = stmt.Text(11);
    c.http_status = static_cast<int>(stmt.Int(12));
    c.failure = stmt.Text(13);
    c.error = stmt.Text(14);
    c.tokens_in = stmt.Int(15);
    c.tokens_out = stmt.Int(16);
    c.cost = stmt.Real(17);
    c.latency_ms = stmt.Int(18);
    c.outcome = stmt.Text(19);
    c.program_id = OptionalInt(stmt, 20);
    c.rejected_edit_id = OptionalInt(stmt, 21);
    c.created_unix_ms = stmt.Int(22);
    c.thinking = stmt.Text(23);
    calls.push_back(std::move(c));
  }
  return calls;
}

Result<std::vector<LlmCall>> Store::LoadLlmCalls() const {
  return QueryLlmCalls("ORDER BY id", [](Statement&) {}, /*with_texts=*/true, "load llm calls");
}

Result<std::vector<LlmCall>> Store::LoadLlmCallsOf(int64_t program_id) const {
  return QueryLlmCalls(
      "WHERE program_id = ? ORDER BY id", [&](Statement& s) { s.Bind(1, program_id); },
      /*with_texts=*/true, "load llm calls of a program");
}

Result<std::vector<LlmCall>> Store::ListLlmCalls(int64_t offset, int64_t limit) const {
  return QueryLlmCalls(
      "ORDER BY id DESC LIMIT ? OFFSET ?", [&](Statement& s) { s.Bind(1, limit).Bind(2, offset); },
      /*with_texts=*/false, "list llm calls");
}

Result<LlmSummary> Store::SummarizeLlmCalls() const {
  KEVOLVE_ASSIGN_OR_RETURN(Transaction snapshot, Transaction::BeginRead(*db_, "summarize llm"));
  LlmSummary summary;
  {
    KEVOLVE_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("SELECT model, COUNT(*), SUM(tokens_in), SUM(tokens_out), SUM(cost), "
                     "SUM(latency_ms) FROM llm_calls GROUP BY model ORDER BY model",
                     "sum llm calls"));
    while (true) {
      KEVOLVE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      LlmUsageRow& m = summary.by_model[stmt.Text(0)];
      m.calls = stmt.Int(1);
      m.tokens_in = stmt.Int(2);
      m.tokens_out = stmt.Int(3);
      m.cost = stmt.Real(4);
      m.latency_ms = stmt.Int(5);
      summary.total.calls += m.calls;
      summary.total.tokens_in += m.tokens_in;
      summary.total.tokens_out += m.tokens_out;
      summary.total.cost += m.cost;
      summary.total.latency_ms += m.latency_ms;
    }
  }
  KEVOLVE_ASSIGN_OR_RETURN(
      Statement failures,
      db_->Prepare("SELECT model, failure, COUNT(*) FROM llm_calls WHERE failure != '' "
                   "GROUP BY model, failure ORDER BY model, failure",
                   "count llm failures"));
  while (true) {
    KEVOLVE_ASSIGN_OR_RETURN(bool row, failures.Step());
    if (!row) break;
    const int64_t n = failures.Int(2);
    summary.by_model[failures.Text(0)].failures[failures.Text(1)] = n;
    summary.total.failures[failures.Text(1)] += n;
  }
  return summary;
}

}  // namespace kevolve
