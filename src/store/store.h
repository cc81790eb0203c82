// Store: the run database, one SQLite file per run and the single source of truth for resume.
//
// Every finished evaluation is committed in its own transaction together with the placements
// and engine state that go with it, so a crash (kill -9 at any moment) loses at most the
// evaluations still in flight, and the file always holds a consistent prefix of the run.
//
// Durability: WAL journal with synchronous=NORMAL. In WAL mode a committed transaction is in
// the WAL file once COMMIT returns, so a killed process loses nothing that committed and the
// file is never corrupted. NORMAL skips the fsync per commit; only an OS crash or power loss can
// roll back the last few commits (still a consistent prefix, which resume handles like evaluations
// in flight). FULL would add an fsync (milliseconds on common disks) to every evaluation, more
// than the whole per-program engine budget (0.5 ms of CPU) when evaluations are cheap replays.
//
// Thread safety: none. A Store belongs to one thread; other readers (kevolve status) open
// their own Store on the same file (WAL lets them read while the run writes).
// Errors: every Status names the SQL operation and carries SQLite's message.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/placement.h"
#include "core/program.h"
#include "core/status.h"

namespace kevolve {

namespace store {
class Database;
class Statement;
struct Statements;
}  // namespace store

using StateMap = std::map<std::string, std::string>;

// A placement as committed: `seq` orders placements among themselves; `after_program_id` is the
// last program committed before it (0 = none), so replay inserts programs 1..after_program_id,
// then applies this placement.
struct PlacementRecord {
  int64_t seq = 0;
  int64_t after_program_id = 0;
  Placement placement;
};

// An edit that failed to apply and so was never evaluated.
struct RejectedEdit {
  int64_t id = 0;  // assigned by the store
  int64_t parent_id = 0;
  std::string origin;   // "mutator:<kind>", "model:<name>"
  std::string edit;     // the proposed edit text
  std::string kind;     // why it was rejected: "no_match", "no_change", "outside_block"...
  std::string message;  // the message sent back for a repair
  int64_t created_unix_ms = 0;
};

// One HTTP attempt of an LLM call (see llm_calls in store/schema.h). Written when the proposal's
// calls come back; linked to what they produced when the proposal resolves.
struct LlmCall {
  int64_t id = 0;  // assigned by the store
  int64_t proposal = 0;
  int call = 0;
  int attempt = 0;
  std::string model;
  std::string purpose;  // explore | exploit | crossover | repair | feedback
  std::string request;
  std::string reply;
  std::string content;
  std::string reasoning;  // the <reasoning> part of the answer
  std::string expected_impact;
  std::string thinking;  // a reasoning model's thinking, apart from its answer
  std::string finish_reason;
  int http_status = 0;
  std::string failure;  // "" = the attempt succeeded
  std::string error;
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  double cost = 0;
  int64_t latency_ms = 0;
  std::string outcome;  // program | rejected_edit | duplicate | no_proposal | "" (not resolved)
  std::optional<int64_t> program_id;
  std::optional<int64_t> rejected_edit_id;
  int64_t created_unix_ms = 0;
};

// What the LLM calls of a run cost, per model and in total.
struct LlmUsageRow {
  int64_t calls = 0;  // HTTP attempts
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  double cost = 0;
  int64_t latency_ms = 0;
  std::map<std::string, int64_t> failures;  // by failure kind
};
struct LlmSummary {
  LlmUsageRow total;
  std::map<std::string, LlmUsageRow> by_model;
};

// A program without its code and texts: what the lists, charts and trees of a run need.
struct ProgramBrief {
  int64_t id = 0;
  int64_t parent_id = 0;
  int64_t generation = 0;
  int island = 0;
  std::string origin;
  bool valid = false;
  double score = 0;     // NaN when the row holds none (an invalid program)
  std::string failure;  // FailureName; "none" when valid
  int64_t duration_ms = 0;
  int64_t created_unix_ms = 0;
  std::string edit;                              // LoadAncestry only
  std::map<std::string, double> features;        // ScanPrograms with ProgramScan::features
  std::map<std::string, double> hidden_metrics;  // ScanPrograms with ProgramScan::hidden_metrics
};

enum class ProgramOrder { kId, kScoreDescending };

// Which programs ScanPrograms visits, and what it decodes beside the brief columns (JSON
// columns cost a parse per row).
struct ProgramScan {
  int64_t after_id = 0;  // only programs with a larger id (rows never change once committed)
  bool features = false;
  bool hidden_metrics = false;
};

// Migration copies counted by (home island of the program, island that received the copy).
using PlacementCounts = std::map<std::pair<int, int>, int64_t>;

struct StoreSummary {
  int64_t programs = 0;  // committed evaluations
  int64_t valid = 0;
  std::map<std::string, int64_t> failures;  // invalid programs by FailureName
  // The run's best: the valid program the engine last recorded as best (state "best_id"),
  // else (older runs) the valid program with the highest finite score.
  std::optional<int64_t> best_id;
  double best_score = 0;                    // its score (meaningful when best_id is set)
  int64_t placements = 0;
  int64_t rejected_edits = 0;
  int64_t first_unix_ms = 0;  // when the first and the latest program were committed (0: none)
  int64_t last_unix_ms = 0;
  std::map<std::string, int64_t> rejected_by_kind;
};

class Store {
 public:
  static constexpr int kSchemaVersion = 3;
  enum class Mode { kReadWrite, kReadOnly };

  // Creates a new run database at `path` with the current schema. AlreadyExists if the file
  // exists; NotFound if its folder does not.
  static Result<std::unique_ptr<Store>> Create(const std::string& path);
  // Opens an existing run database, checking its schema version (and upgrading an older one
  // when read-write). NotFound: no such file. FailedPrecondition: not a kevolve run database,
  // or a schema this kevolve cannot read.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, Mode mode = Mode::kReadWrite);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  // Run facts (run id, config yaml, task dir, created time, strategy...). Keys are free-form;
  // "schema_version" belongs to the store and is refused (InvalidArgument).
  Status PutMeta(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> GetMeta(const std::string& key) const;

  // One transaction: the program row with its whole EvalResult, the placements made with it
  // and the engine state entries (upserted). program.id is ignored; returns the id assigned
  // (1-based, commit order). On any error nothing is written. A placement naming an unknown
  // program is InvalidArgument; program_id 0 names the program being committed (so a program
  // and its own copies on other islands land in one transaction).
  // `llm_calls`: ids of recorded calls that produced the program; they are linked to it
  // (outcome "program") in the same transaction.
  Result<int64_t> CommitProgram(const Program& program, const std::vector<Placement>& placements,
                                const StateMap& state,
                                const std::vector<int64_t>& llm_calls = {});
  // One transaction: placements (ordered after the last committed program) and state entries.
  Status CommitPlacements(const std::vector<Placement>& placements, const StateMap& state);
  // One transaction: the rejected edit and state entries, and the recorded LLM calls that
  // proposed it linked to it (outcome "rejected_edit"). Returns the edit's id.
  Result<int64_t> RecordRejectedEdit(const RejectedEdit& edit, const StateMap& state = {},
                                     const std::vector<int64_t>& llm_calls = {});

  // One transaction: the attempts, in order. Returns their ids. call.id, outcome and the links
  // are ignored (set later by CommitProgram, RecordRejectedEdit or LinkLlmCalls).
  Result<std::vector<int64_t>> RecordLlmCalls(const std::vector<LlmCall>& calls);
  // Marks recorded calls with an outcome that is no program nor rejected edit ("duplicate",
  // "no_proposal"). One transaction.
  Status LinkLlmCalls(const std::vector<int64_t>& ids, const std::string& outcome);
  // Every recorded attempt, in id order.
  Result<std::vector<LlmCall>> LoadLlmCalls() const;
  // Calls, tokens, cost and failures, per model and in total.
  Result<LlmSummary> SummarizeLlmCalls() const;

  // The replay log for resume, in commit order.
  Result<std::vector<Program>> LoadPrograms() const;
  Result<std::vector<PlacementRecord>> LoadPlacements() const;
  Result<StateMap> LoadState() const;
  Result<std::vector<RejectedEdit>> LoadRejectedEdits() const;

  Result<Program> LoadProgram(int64_t id) const;  // NotFound if absent
  // The first (lowest id) program whose code_hash is `hash`, if any.
  Result<std::optional<Program>> FindByHash(const std::string& hash) const;

  // Aggregates for `kevolve status`.
  Result<StoreSummary> Summarize() const;
  // Summarize without the pass over every program: programs, valid, failures and the commit
  // times stay 0, and best_id is set only when the engine recorded one (state "best_id"), with
  // its score. For readers that count programs themselves as they arrive.
  Result<StoreSummary> SummarizeBesidePrograms() const;
  // Reads for a dashboard (store/browse.cc): none holds more than a page of rows in memory.
  // One page of programs. kScoreDescending puts invalid programs last, ties by id.
  Result<std::vector<ProgramBrief>> ListPrograms(ProgramOrder order, int64_t offset,
                                                 int64_t limit) const;
  // Calls `visit` for every program after scan.after_id in id order, one row at a time, inside
  // one read snapshot.
  Status ScanPrograms(const ProgramScan& scan,
                      const std::function<void(const ProgramBrief&)>& visit) const;
  // The program `id`, its parent, its parent's parent... (at most `max_depth` rows), with edits.
  // NotFound when `id` is not in the run.
  Result<std::vector<ProgramBrief>> LoadAncestry(int64_t id, int64_t max_depth) const;
  // Programs whose parent is one of `parent_ids`, in id order, at most `limit`.
  Result<std::vector<ProgramBrief>> LoadChildren(const std::vector<int64_t>& parent_ids,
                                                 int64_t limit) const;
  Result<PlacementCounts> CountPlacements() const;
  // The recorded attempts that produced program `program_id`, with their whole texts.
  Result<std::vector<LlmCall>> LoadLlmCallsOf(int64_t program_id) const;
  // One page of attempts, newest first, without their texts (request, reply, content,
  // reasoning are empty).
  Result<std::vector<LlmCall>> ListLlmCalls(int64_t offset, int64_t limit) const;

  // PRAGMA integrity_check; FailedPrecondition listing the first problems when not "ok".
  Status CheckIntegrity() const;

 private:
  Store(std::string path, std::unique_ptr<store::Database> db);
  static Result<std::unique_ptr<Store>> CreateFile(const std::string& path);
  static Result<std::unique_ptr<Store>> Finish(std::string path,
                                               std::unique_ptr<store::Database> db, bool writable);
  // Every llm_calls row `sql_tail` ("WHERE ... ORDER BY ...", `bind` fills its parameters)
  // selects; `with_texts` false leaves the four large texts empty.
  Result<std::vector<LlmCall>> QueryLlmCalls(const std::string& sql_tail,
                                             const std::function<void(store::Statement&)>& bind,
                                             bool with_texts, const std::string& operation) const;
  Status WritePlacementsAndState(const std::vector<Placement>& placements, const StateMap& state);
  // Inside an open transaction: sets outcome and links of the calls `ids`.
  Status WriteLlmLinks(const std::vector<int64_t>& ids, const std::string& outcome,
                       std::optional<int64_t> program_id, std::optional<int64_t> rejected_edit_id);

  std::string path_;
  std::unique_ptr<store::Database> db_;
  // Prepared once; reading through them changes only SQLite cursor state, hence mutable.
  mutable std::unique_ptr<store::Statements> statements_;
};

}  // namespace kevolve
