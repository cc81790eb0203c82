// DeviceLeases: one holder per device, first come first served, cancellable waits.
#include "eval/devices.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace kevolve::eval {
namespace {

TEST(DeviceLeasesTest, APreferredFreeDeviceIsTakenAndReleasedOnDestruction) {
  DeviceLeases leases({"0", "1"});
  {
    std::optional<DeviceLeases::Lease> a = leases.Acquire(1, nullptr);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->device(), "1");
    std::optional<DeviceLeases::Lease> b = leases.Acquire(1, nullptr);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->device(), "0");  // the preferred one is held: the other free one
  }
  const std::vector<DeviceUse> use = leases.Usage();
  ASSERT_EQ(use.size(), 2u);
  EXPECT_EQ(use[0].leases, 1);
  EXPECT_EQ(use[1].leases, 1);
  std::optional<DeviceLeases::Lease> again = leases.Acquire(0, nullptr);
  ASSERT_TRUE(again.has_value());  // both were released
  EXPECT_EQ(again->device(), "0");
}

TEST(DeviceLeasesTest, AWaiterGetsTheDeviceWhenItIsReleasedAndCountsItsWait) {
  DeviceLeases leases({"7"});
  std::optional<DeviceLeases::Lease> first = leases.Acquire(0, nullptr);
  ASSERT_TRUE(first.has_value());
  std::atomic<bool> got{false};
  std::optional<DeviceLeases::Lease> second;
  std::thread waiter([&] {
    second = leases.Acquire(0, nullptr);
    got.store(true);
  });
  while (leases.Waiting() < 1) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(got.load()) << "the device was given twice";
  first.reset();
  waiter.join();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->device(), "7");
  EXPECT_GE(second->waited_ms(), 100);
}

TEST(DeviceLeasesTest, WaitersAreServedInTheOrderTheyCame) {
  DeviceLeases leases({"0"});
  std::optional<DeviceLeases::Lease> held = leases.Acquire(0, nullptr);
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&, i] {
      std::optional<DeviceLeases::Lease> lease = leases.Acquire(0, nullptr);
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
    });
    // Arrive one after the other: the next starts once this one is in line.
    while (leases.Waiting() < static_cast<size_t>(i + 1)) std::this_thread::yield();
  }
  held.reset();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(DeviceLeasesTest, CancellingEndsTheWaitAndLetsTheNextWaiterThrough) {
  DeviceLeases leases({"0"});
  std::optional<DeviceLeases::Lease> held = leases.Acquire(0, nullptr);
  std::atomic<bool> cancel{false};
  std::optional<DeviceLeases::Lease> cancelled;
  std::optional<DeviceLeases::Lease> next;
  std::thread first([&] {
    cancelled = leases.Acquire(0, &cancel);
  });
  while (leases.Waiting() < 1) std::this_thread::yield();  // first in line
  std::thread second([&] {
    next = leases.Acquire(0, nullptr);
  });
  while (leases.Waiting() < 2) std::this_thread::yield();
  const int64_t start_ms = RealClock().NowMs();
  cancel.store(true);
  first.join();
  EXPECT_LT(RealClock().NowMs() - start_ms, 500);
  EXPECT_FALSE(cancelled.has_value());
  held.reset();  // the cancelled waiter was first in line: the second must not wait behind it
  second.join();
  EXPECT_TRUE(next.has_value());
}

}  // namespace
}  // namespace kevolve::eval
