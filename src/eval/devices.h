// Exclusive use of the GPUs of evaluator.devices by the cascade stages that ask for it
// (evaluator.stages[].device: exclusive). Compile and check stages run as wide as the worker
// pool; a timing stage holds one device while it runs, one holder per device, and several
// devices serve several timing stages at once (docs/architecture.md, "Devices").
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kevolve::eval {

// What one device did over the life of a DeviceLeases (for events and benchmarks).
struct DeviceUse {
  std::string device;    // the evaluator.devices entry, e.g. "0"
  int64_t leases = 0;    // exclusive holds granted
  int64_t held_ms = 0;   // total time held
};

class DeviceLeases {
 public:
  // One lease of one device; releases it when destroyed, however the stage ended (a killed or
  // timed-out holder frees its device as soon as the sandbox has reaped it).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;  // releases what this one held first
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    const std::string& device() const;
    int64_t waited_ms() const { return waited_ms_; }  // time spent waiting for it

   private:
    friend class DeviceLeases;
    Lease(DeviceLeases* owner, size_t index, int64_t start_ms, int64_t waited_ms)
        : owner_(owner), index_(index), start_ms_(start_ms), waited_ms_(waited_ms) {}
    DeviceLeases* owner_;
    size_t index_;
    int64_t start_ms_;
    int64_t waited_ms_;
  };

  // REQUIRES: devices non-empty, entries distinct.
  explicit DeviceLeases(std::vector<std::string> devices);
  DeviceLeases(const DeviceLeases&) = delete;
  DeviceLeases& operator=(const DeviceLeases&) = delete;

  // Waits until a device is free and takes it. Waiters are served first come, first served;
  // `preferred` (an index into the devices, taken modulo their count) is taken when it is free,
  // so that with as many workers as devices each worker keeps its own. Returns nullopt when
  // `cancel` (may be null; checked every 50 ms) turns true before a device came free.
  // Thread-safe. REQUIRES: every Lease is destroyed before this object.
  std::optional<Lease> Acquire(size_t preferred, const std::atomic<bool>* cancel);

  // Per device, in evaluator.devices order. Thread-safe.
  std::vector<DeviceUse> Usage() const;
  // Stages waiting for a device now. Thread-safe.
  size_t Waiting() const;
  size_t size() const { return devices_.size(); }

 private:
  void Release(size_t index, int64_t start_ms);
  std::optional<size_t> FreeDevice(size_t preferred) const;  // REQUIRES: mu_ held

  const std::vector<std::string> devices_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<bool> busy_;             // guarded by mu_
  std::vector<DeviceUse> use_;         // guarded by mu_
  std::deque<uint64_t> waiting_;       // tickets of waiters, oldest first; guarded by mu_
  uint64_t next_ticket_ = 0;           // guarded by mu_
};

}  // namespace kevolve::eval
