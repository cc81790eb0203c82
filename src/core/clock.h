// Clock: the only way modules read time, so that deadlines, schedules and retries are tested by
// advancing a ManualClock instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace kevolve {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds since an arbitrary origin; never goes backwards.
  virtual int64_t NowMs() const = 0;
  // Milliseconds since the Unix epoch (for timestamps stored in the database).
  virtual int64_t UnixMs() const = 0;
  // Blocks the calling thread for `ms` milliseconds of this clock's time.
  virtual void SleepMs(int64_t ms) = 0;
};

// The process-wide real clock (steady_clock + system_clock). Thread-safe.
Clock& RealClock();

// A clock that moves only when told to. Thread-safe. SleepMs advances the clock.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 0, int64_t unix_origin_ms = 1'700'000'000'000)
      : now_ms_(start_ms), unix_origin_ms_(unix_origin_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  int64_t UnixMs() const override { return unix_origin_ms_ + now_ms_.load(); }
  void SleepMs(int64_t ms) override { Advance(ms); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_ms_;
  int64_t unix_origin_ms_;
};

}  // namespace kevolve
