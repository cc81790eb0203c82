// FakeBackend: an in-process EvalBackend for engine tests. Evaluations run synchronously at
// Submit through a scoring function and finish in submission order (or newest first), so a test
// controls exactly what the controller sees.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "engine/backends.h"

namespace kevolve::testing {

class FakeBackend final : public engine::EvalBackend {
 public:
  using ScoreFn = std::function<EvalResult(const std::string& code)>;

  FakeBackend(ScoreFn score, int slots, bool newest_first = false)
      : score_(std::move(score)), slots_(slots), newest_first_(newest_first) {}

  void Submit(int64_t ticket, const std::string& code, uint64_t) override {
    submitted_codes.push_back(code);
    done_.push_back(engine::EvalDone{ticket, score_(code)});
  }
  std::optional<engine::EvalDone> WaitNext(int64_t) override {
    if (done_.empty()) return std::nullopt;
    engine::EvalDone d;
    if (newest_first_) {
      d = std::move(done_.back());
      done_.pop_back();
    } else {
      d = std::move(done_.front());
      done_.pop_front();
    }
    return d;
  }
  size_t InFlight() const override { return done_.size(); }
  int Slots() const override { return slots_; }

  std::vector<std::string> submitted_codes;

 private:
  ScoreFn score_;
  int slots_;
  bool newest_first_;
  std::deque<engine::EvalDone> done_;
};

}  // namespace kevolve::testing
