#include "eval/devices.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/clock.h"

namespace kevolve::eval {
namespace {
constexpr int64_t kCancelPollMs = 50;
}  // namespace

DeviceLeases::Lease::Lease(Lease&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      index_(other.index_),
      start_ms_(other.start_ms_),
      waited_ms_(other.waited_ms_) {}

DeviceLeases::Lease& DeviceLeases::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release(index_, start_ms_);
    owner_ = std::exchange(other.owner_, nullptr);
    index_ = other.index_;
    start_ms_ = other.start_ms_;
    waited_ms_ = other.waited_ms_;
  }
  return *this;
}

DeviceLeases::Lease::~Lease() {
  if (owner_ != nullptr) owner_->Release(index_, start_ms_);
}

const std::string& DeviceLeases::Lease::device() const { return owner_->devices_[index_]; }

DeviceLeases::DeviceLeases(std::vector<std::string> devices)
    : devices_(std::move(devices)), busy_(devices_.size(), false) {
  for (const std::string& d : devices_) use_.push_back(DeviceUse{d, 0, 0});
}

std::optional<size_t> DeviceLeases::FreeDevice(size_t preferred) const {
  const size_t n = devices_.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t index = (preferred + k) % n;
    if (!busy_[index]) return index;
  }
  return std::nullopt;
}

std::optional<DeviceLeases::Lease> DeviceLeases::Acquire(size_t preferred,
                                                         const std::atomic<bool>* cancel) {
  const int64_t asked_ms = RealClock().NowMs();
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t ticket = next_ticket_++;
  waiting_.push_back(ticket);
  for (;;) {
    if (cancel != nullptr && cancel->load()) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
      lock.unlock();
      freed_.notify_all();  // the next in line may be the one a free device waits for
      return std::nullopt;
    }
    if (waiting_.front() == ticket) {
      if (const std::optional<size_t> index = FreeDevice(preferred % devices_.size())) {
        waiting_.pop_front();
        busy_[*index] = true;
        ++use_[*index].leases;
        const int64_t now_ms = RealClock().NowMs();
        lock.unlock();
        freed_.notify_all();  // the next in line may find another free device
        return Lease(this, *index, now_ms, now_ms - asked_ms);
      }
    }
    freed_.wait_for(lock, std::chrono::milliseconds(kCancelPollMs));
  }
}

void DeviceLeases::Release(size_t index, int64_t start_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    busy_[index] = false;
    use_[index].held_ms += RealClock().NowMs() - start_ms;
  }
  freed_.notify_all();
}

size_t DeviceLeases::Waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

std::vector<DeviceUse> DeviceLeases::Usage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return use_;
}

}  // namespace kevolve::eval
