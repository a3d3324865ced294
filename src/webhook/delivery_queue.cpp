// The rule is described in delivery_queue.hpp. Invariants kept here: a lane is in exactly one of
// its URL's `due` list (state Due), its URL's `waiting` list and `waiting_` (state Waiting), or
// neither (InFlight); a URL is in `ready_` (flag `ready`) only while it has a due lane and a free
// slot, at most once; in `probes_` (flag `probing`) at most once; `due_` counts the due lanes.
#include "webhook/delivery_queue.hpp"

namespace minirtc::webhook {

void DeliveryQueue::add(const LaneKey& key, std::uint64_t due_at_ms) {
  auto [it, inserted] = lanes_.try_emplace(key);
  if (!inserted) return;  // known: its state holds, the new rows wait behind its head
  Lane& lane = it->second;
  lane.key = &it->first;
  auto u = urls_.find(key.url);
  if (u == urls_.end()) u = urls_.emplace(key.url, Url{}).first;
  lane.url = &u->second;
  ++lane.url->lanes;
  if (due_at_ms == 0) return make_due(lane);
  lane.state = State::Waiting;
  lane.in_url = lane.url->waiting.insert(lane.url->waiting.end(), &lane);
  lane.in_waiting = waiting_.emplace(due_at_ms, &lane);
}

std::optional<LaneKey> DeliveryQueue::next(std::uint64_t now_ms, std::uint32_t max_in_flight) {
  // Probes whose time has come: a URL still without a due or in-flight lane tries the lane that
  // failed first.
  while (!probes_.empty() && probes_.begin()->first <= now_ms) {
    Url& url = *probes_.begin()->second;
    probes_.erase(probes_.begin());
    url.probing = false;
    ++visited_;
    if (url.due.empty() && url.in_flight == 0 && !url.waiting.empty())
      make_due(*url.waiting.front());
  }
  // Lanes whose retry time has come join their URL's line.
  while (!waiting_.empty() && waiting_.begin()->first <= now_ms) {
    ++visited_;
    make_due(*waiting_.begin()->second);
  }
  while (in_flight_ < max_in_flight && !ready_.empty()) {
    Url& url = *ready_.front();
    ready_.pop_front();
    url.ready = false;
    if (url.due.empty() || url.in_flight >= per_url_limit_) continue;  // not kept so: defensive
    Lane& lane = *url.due.front();
    url.due.pop_front();
    --due_;
    lane.state = State::InFlight;
    ++url.in_flight;
    ++in_flight_;
    ++visited_;
    update_ready(url);  // back of the line: one lane per URL per turn
    return *lane.key;
  }
  return std::nullopt;
}

void DeliveryQueue::delivered(const LaneKey& key) {
  Lane* lane = claimed(key);
  if (!lane) return;
  end_claim(*lane);
  make_due(*lane);
  // The receiver answered: whoever waits on it need not wait out their back-off.
  Url& url = *lane->url;
  while (!url.waiting.empty()) {
    ++visited_;
    make_due(*url.waiting.front());
  }
}

std::optional<std::uint64_t> DeliveryQueue::failed(const LaneKey& key, const RetryPolicy& policy,
                                                   std::uint32_t failures,
                                                   std::uint64_t first_attempt_ms,
                                                   std::uint64_t now_ms) {
  const auto at = next_attempt_ms(policy, failures, first_attempt_ms, now_ms);
  Lane* lane = claimed(key);
  if (!lane) return at;
  end_claim(*lane);
  if (!at) {
    make_due(*lane);  // given up: the lane's next row
    return at;
  }
  lane->state = State::Waiting;  // was Unplaced
  lane->in_url = lane->url->waiting.insert(lane->url->waiting.end(), lane);
  lane->in_waiting = waiting_.emplace(*at, lane);
  schedule_probe(*lane->url, now_ms);
  return at;
}

void DeliveryQueue::schedule_probe(Url& url, std::uint64_t now_ms) {
  if (probe_interval_ms_ == 0 || url.probing || !url.due.empty() || url.in_flight != 0) return;
  url.probing = true;
  url.probe = probes_.emplace(now_ms + probe_interval_ms_, &url);
}

void DeliveryQueue::release(const LaneKey& key) {
  Lane* lane = claimed(key);
  if (!lane) return;
  end_claim(*lane);
  make_due(*lane, /*front=*/true);
}

void DeliveryQueue::emptied(const LaneKey& key) {
  auto it = lanes_.find(key);
  if (it == lanes_.end() || it->second.state != State::InFlight) return;
  Lane& lane = it->second;
  end_claim(lane);
  const auto url = urls_.find(it->first.url);  // before the erase: `key` may be the lane's own
  lanes_.erase(it);
  if (--url->second.lanes == 0 && url->second.in_flight == 0 && !url->second.ready) {
    if (url->second.probing) probes_.erase(url->second.probe);
    urls_.erase(url);
  }
}

std::uint32_t DeliveryQueue::in_flight(const std::string& url) const {
  auto it = urls_.find(url);
  return it == urls_.end() ? 0 : it->second.in_flight;
}

DeliveryQueue::Lane* DeliveryQueue::claimed(const LaneKey& key) {
  auto it = lanes_.find(key);
  return it == lanes_.end() || it->second.state != State::InFlight ? nullptr : &it->second;
}

void DeliveryQueue::make_due(Lane& lane, bool front) {
  Url& url = *lane.url;
  if (lane.state == State::Due || lane.state == State::InFlight) return;
  if (lane.state == State::Waiting) {
    waiting_.erase(lane.in_waiting);
    url.waiting.erase(lane.in_url);
  }
  lane.state = State::Due;
  lane.in_url =
      front ? url.due.insert(url.due.begin(), &lane) : url.due.insert(url.due.end(), &lane);
  ++due_;
  update_ready(url);
}

void DeliveryQueue::end_claim(Lane& lane) {
  Url& url = *lane.url;
  --url.in_flight;
  --in_flight_;
  lane.state = State::Unplaced;  // the caller places it
  update_ready(url);
}

void DeliveryQueue::update_ready(Url& url) {
  if (url.ready || url.due.empty() || url.in_flight >= per_url_limit_) return;
  url.ready = true;
  ready_.push_back(&url);
}

}  // namespace minirtc::webhook
