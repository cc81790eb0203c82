// ReplayClient: serves the replies a run recorded, call by call, so a run can be re-run without
// a server (and tests can use real recorded exchanges).
//
// Calls are looked up by (proposal, call): the engine numbers proposals in the order it makes
// them, which is deterministic with one evaluator worker, so a re-run asks for the same calls in
// the same order. The outcome served is the recorded call's last attempt: its content, or its
// failure kind (retries are not played again). Tokens are those recorded; cost is 0 (nothing is
// spent). A call that was never recorded fails with kReplay. Thread-safe.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "llm/llm.h"

namespace kevolve::llm {

class ReplayClient final : public ChatClient {
 public:
  // `recorded`: the attempts of a run, any order.
  explicit ReplayClient(const std::vector<CallRecord>& recorded);

  CallResult Complete(const CallContext& context,
                      const std::vector<ChatMessage>& messages) override;

  size_t recorded_calls() const { return last_attempt_.size(); }

 private:
  std::map<std::pair<int64_t, int>, CallRecord> last_attempt_;
};

}  // namespace kevolve::llm
