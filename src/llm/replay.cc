#include "llm/replay.h"

#include "core/json.h"

namespace kevolve::llm {

ReplayClient::ReplayClient(const std::vector<CallRecord>& recorded) {
  for (const CallRecord& r : recorded) {
    auto key = std::make_pair(r.proposal, r.call);
    auto it = last_attempt_.find(key);
    if (it == last_attempt_.end() || it->second.attempt <= r.attempt) last_attempt_[key] = r;
  }
}

CallResult ReplayClient::Complete(const CallContext& context,
                                  const std::vector<ChatMessage>& messages) {
  Json messages_json = Json::array();
  for (const ChatMessage& m : messages) {
    messages_json.push_back({{"role", m.role}, {"content", m.content}});
  }
  CallRecord record;
  record.proposal = context.proposal;
  record.call = context.call;
  record.purpose = context.purpose;
  CallResult result;
  auto it = last_attempt_.find({context.proposal, context.call});
  if (it == last_attempt_.end()) {
    record.failure = FailureKind::kReplay;
    record.error = "the recorded run has no reply for proposal " +
                   std::to_string(context.proposal) + ", call " + std::to_string(context.call);
    record.request = DumpJson(Json{{"messages", messages_json}});
  } else {
    const CallRecord& recorded = it->second;
    record.model = recorded.model;
    record.reply = recorded.reply;
    record.content = recorded.content;
    record.thinking = recorded.thinking;
    record.finish_reason = recorded.finish_reason;
    record.http_status = recorded.http_status;
    record.failure = recorded.failure;
    record.error = recorded.error;
    record.tokens_in = recorded.tokens_in;
    record.tokens_out = recorded.tokens_out;
    // The request as it would be sent now; a prompt that differs from the recorded one means the
    // re-run has diverged, which the error column says (the recorded reply is served anyway).
    Result<Json> old_request = ParseJson(recorded.request);
    Json request = old_request.ok() && old_request->is_object() ? *old_request : Json::object();
    const bool same = request.contains("messages") && request["messages"] == messages_json;
    request["messages"] = messages_json;
    record.request = DumpJson(request);
    if (!same && record.failure == FailureKind::kNone) {
      record.error = "replayed a reply recorded for a different prompt";
    }
  }
  result.ok = record.failure == FailureKind::kNone;
  result.failure = record.failure;
  result.error = result.ok ? "" : record.error;
  result.content = record.content;
  result.attempts.push_back(std::move(record));
  return result;
}

}  // namespace kevolve::llm
