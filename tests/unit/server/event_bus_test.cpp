// The observers' bus: every sink gets every event in order; subscriptions end with their handle,
// also from inside a callback.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "server/event_bus.hpp"

namespace minirtc::server {
namespace {

room::Event event(std::uint64_t seq, std::string user = "alice") {
  room::Event e;
  e.kind = room::EventKind::UserJoined;
  e.app_id = "app";
  e.room_id = "r1";
  e.seq = seq;
  e.user_id = std::move(user);
  return e;
}

struct Recorder : EventSink {
  std::vector<std::uint64_t> seqs;
  std::function<void(const room::Event&)> also;
  void on_event(const room::Event& e) override {
    seqs.push_back(e.seq);
    if (also) also(e);
  }
};

TEST(EventBus, EverySinkGetsEveryEventInOrder) {
  EventBus bus;
  Recorder a, b;
  auto sa = bus.subscribe(a);
  auto sb = bus.subscribe(b);
  EXPECT_EQ(bus.sink_count(), 2u);
  const std::vector<room::Event> batch{event(1), event(2), event(3)};
  bus.publish(batch);
  EXPECT_EQ(a.seqs, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(b.seqs, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(bus.published(), 3u);
}

TEST(EventBus, ASubscriptionEndsWithItsHandle) {
  EventBus bus;
  Recorder a;
  {
    auto s = bus.subscribe(a);
    const std::vector<room::Event> one{event(1)};
    bus.publish(one);
    EventBus::Subscription moved = std::move(s);  // moving keeps it
    bus.publish(std::vector<room::Event>{event(2)});
  }
  bus.publish(std::vector<room::Event>{event(3)});
  EXPECT_EQ(a.seqs, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(bus.sink_count(), 0u);
}

TEST(EventBus, ASinkMayUnsubscribeWhileBeingCalled) {
  EventBus bus;
  Recorder quitter, other;
  EventBus::Subscription q = bus.subscribe(quitter);
  auto o = bus.subscribe(other);
  quitter.also = [&](const room::Event&) { q.reset(); };
  bus.publish(std::vector<room::Event>{event(1), event(2)});
  EXPECT_EQ(quitter.seqs, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(other.seqs, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(bus.sink_count(), 1u);
}

}  // namespace
}  // namespace minirtc::server
