#pragma once
// Observing the server: one idiom for everything that wants to know what happens in rooms
// (server callbacks, call records, the console's live feed, the cluster's session records). An
// observer implements EventSink and subscribes to the EventBus of the ServerContext; the
// signalling plane publishes there every room event (room/events.hpp: rooms, members,
// publications, subscriptions, mutes, and the media plane's stream started / stopped / failed,
// which reach the rooms as media_started / media_stopped), right after the reply, notifications,
// closes and media effects of the command that caused them. Each event carries its app id, room
// id, time (the injected clock's ms) and the room's sequence number.
//
// Why one interface rather than per-observer callbacks: every observer gets the same events in
// the same order, a subscription ends with its owner (RAII handle), and adding an observer
// touches no code of the others.
//
// Contract for sinks:
//   - on_event runs on the event loop, synchronously, in each room's sequence order;
//   - it returns quickly: no I/O, no waiting (queue the event; write or deliver it elsewhere);
//   - it does not call into the rooms or publish events itself (post to the loop instead);
//   - it may unsubscribe (destroy its Subscription) at any time, also from inside on_event.
// Not thread-safe: one event loop publishes and subscribes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "room/events.hpp"

namespace minirtc::server {

class EventSink {
 public:
  virtual void on_event(const room::Event& event) = 0;

 protected:
  ~EventSink() = default;
};

class EventBus {
 public:
  /// Keeps a sink subscribed while it lives; move-only.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept { *this = std::move(other); }
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }
    void reset();

   private:
    friend class EventBus;
    Subscription(EventBus* bus, EventSink* sink) : bus_(bus), sink_(sink) {}
    EventBus* bus_ = nullptr;
    EventSink* sink_ = nullptr;
  };

  EventBus() = default;
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  /// `sink` gets every event published from now on, until the Subscription is destroyed.
  [[nodiscard]] Subscription subscribe(EventSink& sink);
  /// Hands each event to every sink, in order.
  void publish(std::span<const room::Event> events);

  std::size_t sink_count() const noexcept;
  std::uint64_t published() const noexcept { return published_; }  // events, since start

 private:
  void remove(EventSink* sink);

  std::vector<EventSink*> sinks_;  // nullptr: removed while publishing
  int publishing_ = 0;
  std::uint64_t published_ = 0;
};

}  // namespace minirtc::server
