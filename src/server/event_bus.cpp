#include "server/event_bus.hpp"

#include <algorithm>
#include <utility>

namespace minirtc::server {

EventBus::Subscription& EventBus::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    bus_ = std::exchange(other.bus_, nullptr);
    sink_ = std::exchange(other.sink_, nullptr);
  }
  return *this;
}

void EventBus::Subscription::reset() {
  if (bus_ != nullptr) bus_->remove(sink_);
  bus_ = nullptr;
  sink_ = nullptr;
}

EventBus::Subscription EventBus::subscribe(EventSink& sink) {
  sinks_.push_back(&sink);
  return Subscription(this, &sink);
}

void EventBus::remove(EventSink* sink) {
  auto it = std::find(sinks_.begin(), sinks_.end(), sink);
  if (it == sinks_.end()) return;
  if (publishing_ > 0)
    *it = nullptr;  // compacted when the publish is over
  else
    sinks_.erase(it);
}

void EventBus::publish(std::span<const room::Event> events) {
  ++publishing_;
  for (const room::Event& event : events) {
    ++published_;
    // By index: a sink subscribed from inside on_event is appended and called for this event too.
    for (std::size_t i = 0; i < sinks_.size(); ++i)
      if (sinks_[i] != nullptr) sinks_[i]->on_event(event);
  }
  if (--publishing_ == 0) std::erase(sinks_, nullptr);
}

std::size_t EventBus::sink_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(sinks_.begin(), sinks_.end(), [](const EventSink* s) { return s != nullptr; }));
}

}  // namespace minirtc::server
