// The LLM proposer: turns proposal requests into prompts, asks the ensemble's models for edits
// on its own threads (at most llm.max_in_flight calls at once, each model within its
// max_concurrency), falls back to the next model of the plan when one fails, optionally asks the
// feedback council to score the candidate, and hands back the edit with every attempt recorded.
//
// Deterministic given the requests: the model plan comes from the request's seed and the
// rewards reported through Outcome, and calls are numbered per proposal (the key replay uses).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "engine/backends.h"
#include "llm/llm.h"
#include "llm/openai.h"
#include "prompt/prompt.h"

namespace kevolve::engine {

// Makes the client of one model. `sleep` waits between retries and returns false once the
// proposer is shutting down.
using ClientFactory =
    std::function<std::unique_ptr<llm::ChatClient>(const llm::ModelSpec& spec, llm::SleepFn sleep)>;

// REQUIRES: config.llm.models is not empty and the config is valid. `clock` outlives the result.
std::unique_ptr<Proposer> MakeLlmProposer(const Config& config, prompt::Templates templates,
                                          ClientFactory make_client, Clock& clock);

// The built-in templates with the task's overrides: <task dir>/<prompt.templates_dir>/<name>.txt.
// A missing folder is fine; a file that names no template, or uses an unknown placeholder, is
// InvalidArgument.
Result<prompt::Templates> LoadTemplates(const Config& config);

// Live: OpenAI-compatible clients over libcurl. FailedPrecondition when a key variable is unset.
Result<std::unique_ptr<Proposer>> MakeOpenAiProposer(const Config& config);

// Replay: serves the replies of `recorded` (a run's llm_calls) instead of calling any server.
Result<std::unique_ptr<Proposer>> MakeReplayProposer(const Config& config,
                                                     const std::vector<LlmCall>& recorded);

// Conversions between the llm module's records and the store's rows.
LlmCall ToStoreCall(const llm::CallRecord& record);
llm::CallRecord FromStoreCall(const LlmCall& call);

}  // namespace kevolve::engine
