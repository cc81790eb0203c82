// A page of programs, one program with its diff and LLM calls, and a program's lineage.
#include <cmath>

#include "serve/api.h"
#include "serve/diff.h"
#include "serve/endpoints.h"

namespace kevolve::serve {
namespace {

Json LlmCallJson(const LlmCall& c) {
  Json j{{"id", c.id},
         {"proposal", c.proposal},
         {"call", c.call},
         {"attempt", c.attempt},
         {"model", c.model},
         {"purpose", c.purpose},
         {"expected_impact", c.expected_impact},
         {"finish_reason", c.finish_reason},
         {"http_status", c.http_status},
         {"failure", c.failure},
         {"error", c.error},
         {"tokens_in", c.tokens_in},
         {"tokens_out", c.tokens_out},
         {"cost", c.cost},
         {"latency_ms", c.latency_ms},
         {"outcome", c.outcome},
         {"program_id", c.program_id ? Json(*c.program_id) : Json(nullptr)},
         {"created_unix_ms", c.created_unix_ms}};
  if (!c.request.empty() || !c.reply.empty()) {
    j["request"] = c.request;
    j["reply"] = c.reply;
    j["content"] = c.content;
    j["reasoning"] = c.reasoning;
  }
  return j;
}

Json DiffJson(const std::vector<DiffLine>& lines) {
  Json out = Json::array();
  for (const DiffLine& l : lines) out.push_back(Json::array({std::string(1, l.op), l.text}));
  return out;
}

}  // namespace

Json LlmCallsJson(const std::vector<LlmCall>& calls) {
  Json out = Json::array();
  for (const LlmCall& c : calls) out.push_back(LlmCallJson(c));
  return out;
}

Result<Json> ProgramsPageJson(const Store& store, const RunDigest& digest, ProgramOrder order,
                              int64_t offset, int64_t limit) {
  std::vector<ProgramBrief> rows;
  if (order == ProgramOrder::kScoreDescending &&
      offset + limit <= static_cast<int64_t>(digest.top.size())) {
    // The best programs are kept in order as they arrive; no sort of the whole run.
    rows.assign(digest.top.begin() + offset, digest.top.begin() + offset + limit);
  } else {
    KEVOLVE_ASSIGN_OR_RETURN(rows, store.ListPrograms(order, offset, limit));
  }
  Json out = Json::array();
  for (const ProgramBrief& b : rows) out.push_back(BriefJson(b));
  return Json{{"total", digest.programs}, {"offset", offset}, {"limit", limit}, {"rows", out}};
}

Result<Json> ProgramJson(const Store& store, int64_t id) {
  KEVOLVE_ASSIGN_OR_RETURN(Program p, store.LoadProgram(id));
  Json j{{"id", p.id},
         {"parent_id", p.parent_id},
         {"generation", p.generation},
         {"island", p.island},
         {"origin", p.origin},
         {"code", p.code},
         {"code_hash", p.code_hash},
         {"edit", p.edit},
         {"edit_summary", EditSummary(p.edit)},
         {"created_unix_ms", p.created_unix_ms},
         {"result", EvalResultToJson(p.result)}};
  if (p.parent_id > 0) {
    KEVOLVE_ASSIGN_OR_RETURN(Program parent, store.LoadProgram(p.parent_id));
    j["parent"] = {{"id", parent.id},
                   {"valid", parent.result.valid},
                   {"score", parent.result.valid ? Json(parent.result.combined_score)
                                                 : Json(nullptr)}};
    j["diff"] = DiffJson(DiffLines(parent.code, p.code));
  }
  KEVOLVE_ASSIGN_OR_RETURN(auto calls, store.LoadLlmCallsOf(id));
  j["llm_calls"] = LlmCallsJson(calls);
  KEVOLVE_ASSIGN_OR_RETURN(auto children, store.LoadChildren({id}, kMaxPageRows));
  Json kids = Json::array();
  for (const ProgramBrief& c : children) kids.push_back(BriefJson(c));
  j["children"] = std::move(kids);
  return j;
}

Result<Json> LineageJson(const Store& store, const RunDigest& digest, int64_t id, int64_t depth) {
  KEVOLVE_ASSIGN_OR_RETURN(auto line, store.LoadAncestry(id, depth));
  KEVOLVE_ASSIGN_OR_RETURN(StoreSummary s, SummaryOf(store, digest));
  Json ancestry = Json::array();
  std::vector<int64_t> ids;
  for (const ProgramBrief& b : line) {
    Json row = BriefJson(b);
    row["edit_summary"] = EditSummary(b.edit);
    ancestry.push_back(std::move(row));
    ids.push_back(b.id);
  }
  // The tree around the line: every child of a program on it (siblings of the next step).
  KEVOLVE_ASSIGN_OR_RETURN(auto children, store.LoadChildren(ids, kMaxTreeChildren + 1));
  const bool children_cut = children.size() > static_cast<size_t>(kMaxTreeChildren);
  if (children_cut) children.pop_back();
  Json tree = Json::array();
  for (const ProgramBrief& c : children) tree.push_back(BriefJson(c));
  return Json{{"id", id},
              {"best_id", s.best_id ? Json(*s.best_id) : Json(nullptr)},
              {"ancestry", std::move(ancestry)},
              {"ancestry_cut", line.back().parent_id > 0},
              {"children", std::move(tree)},
              {"children_cut", children_cut}};
}

}  // namespace kevolve::serve
