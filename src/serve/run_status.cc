#include "serve/run_status.h"

#include "config/load.h"

namespace kevolve::serve {

std::string MetaOr(const Store& store, const std::string& key, const std::string& fallback) {
  auto v = store.GetMeta(key);
  return v.ok() && v->has_value() ? **v : fallback;
}

Result<Config> StoredConfig(const Store& store) {
  KEVOLVE_ASSIGN_OR_RETURN(auto yaml, store.GetMeta("config_yaml"));
  if (!yaml) return Status::NotFound(store.path() + " holds no config");
  return ParseConfig(*yaml, store.path() + ":config", MetaOr(store, "task_dir", ""));
}

Result<Json> RunStatusJson(const Store& store) {
  KEVOLVE_ASSIGN_OR_RETURN(StoreSummary s, store.Summarize());
  return RunStatusJson(store, s);
}

Result<Json> RunStatusJson(const Store& store, const StoreSummary& s) {
  KEVOLVE_ASSIGN_OR_RETURN(StateMap state, store.LoadState());
  int64_t target = 0;
  if (auto config = StoredConfig(store); config.ok()) target = config->run.iterations;
  const int64_t evaluations = s.programs > 0 ? s.programs - 1 : 0;  // the initial one excluded
  Json j{{"run", store.path()},
         {"task", MetaOr(store, "task_name", "?")},
         {"strategy", MetaOr(store, "strategy", "?")},
         {"evaluations", evaluations},
         {"target", target},
         {"programs", s.programs},
         {"valid", s.valid},
         {"valid_fraction",
          s.programs > 0 ? static_cast<double>(s.valid) / static_cast<double>(s.programs) : 0.0},
         {"failures", s.failures},
         {"rejected_edits", s.rejected_edits},
         {"rejected_by_kind", s.rejected_by_kind},
         {"duplicates_skipped", state.count("duplicates") ? std::stoll(state["duplicates"]) : 0}};
  KEVOLVE_ASSIGN_OR_RETURN(LlmSummary llm, store.SummarizeLlmCalls());
  if (llm.total.calls > 0) {
    auto usage = [](const LlmUsageRow& u) {
      return Json{{"calls", u.calls},
                  {"tokens_in", u.tokens_in},
                  {"tokens_out", u.tokens_out},
                  {"cost", u.cost},
                  {"latency_ms", u.latency_ms},
                  {"failures", u.failures}};
    };
    Json models = Json::object();
    for (const auto& [name, row] : llm.by_model) models[name] = usage(row);
    j["llm"] = usage(llm.total);
    j["llm"]["models"] = std::move(models);
  }
  if (auto replay_of = store.GetMeta("replay_of"); replay_of.ok() && replay_of->has_value()) {
    j["replay_of"] = **replay_of;
  }
  if (s.best_id) {
    KEVOLVE_ASSIGN_OR_RETURN(Program best, store.LoadProgram(*s.best_id));
    j["best"] = {{"id", best.id},
                 {"score", best.result.combined_score},
                 {"generation", best.generation},
                 {"origin", best.origin},
                 {"metrics", best.result.metrics},
                 {"hidden_metrics", best.result.hidden_metrics}};
  }
  return j;
}

}  // namespace kevolve::serve
