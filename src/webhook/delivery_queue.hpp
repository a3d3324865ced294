#pragma once
// Which callback lane may send now: the scheduling rule of server/callbacks.hpp, without I/O.
//
// A lane is (URL, app, room): its deliveries go out one at a time, in order (the rows themselves
// are on disk, server/callback_store.hpp; this class only knows the lanes). A lane is in one of
// three states:
//   - due: its head may be sent as soon as its URL has a free slot; kept in a FIFO per URL;
//   - waiting: its head failed and is retried at a time (webhook/retry.hpp); kept in one map
//     ordered by that time, and in a list per URL;
//   - in flight: claimed by next(), until the caller says how it ended.
// next() hands out due lanes, round robin over the URLs that have both a due lane and a free slot
// (at most `max_in_flight_per_url` lanes of one URL in flight, at most the caller's global limit
// in all), after moving the waiting lanes whose time has come to their URL's FIFO. So the cost of
// a call is the lanes it hands out plus the lanes that became due since the last call (each once
// per retry): never the lanes still waiting, nor the due lanes of a URL without a free slot. This
// is why it exists: a walk over every lane on every call cost a whole core with 10,000 rooms
// queued and the receiver down (bench/RESULTS.md, "Callbacks and recording").
//
// A 200 from a URL makes every lane waiting on that URL due at once: the receiver is evidently
// back, and a backlog should not wait for each room's own back-off (up to retry_max_delay_ms).
// Their sends still go through the same FIFO and per-URL limit, so the receiver sees at most
// `max_in_flight_per_url` requests at once. The attempts already made still count: a woken
// delivery that fails again waits its next, longer, delay, and the retry window still ends it.
//
// A URL whose every lane waits is probed: `probe_interval_ms` after the failure that left none
// due or in flight, its lane that failed first is tried once, ahead of its back-off, whatever the
// rest of the schedule says (and again after each failed probe). So a receiver back after an
// outage hears from its queue within the probe interval, rather than when the earliest back-off
// ends (which grows to retry_max_delay_ms: 31 s after a 20 s outage of rooms that failed together,
// bench/RESULTS.md); its 200 then wakes the rest. A probe is an attempt like any other (it counts
// towards the lane's back-off); a down receiver sees at most one probe per interval per URL.
//
// Pure and single-threaded: times come in as arguments (milliseconds, the caller's clock),
// decisions go out as return values. The caller must end every claim from next() with exactly one
// of delivered / failed / release / emptied.

#include <compare>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>

#include "webhook/retry.hpp"

namespace minirtc::webhook {

struct LaneKey {
  std::string url, app_id, room_id;
  auto operator<=>(const LaneKey&) const = default;
};

class DeliveryQueue {
 public:
  /// `probe_interval_ms` 0: no probes.
  explicit DeliveryQueue(std::uint32_t max_in_flight_per_url,
                         std::uint64_t probe_interval_ms = kDefaultProbeIntervalMs)
      : per_url_limit_(max_in_flight_per_url == 0 ? 1 : max_in_flight_per_url),
        probe_interval_ms_(probe_interval_ms) {}
  static constexpr std::uint64_t kDefaultProbeIntervalMs = 5000;
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  /// The lane has rows. A lane already known keeps its state (new rows queue behind its head); a
  /// new one is due at `due_at_ms` (0: now; the head's stored time when the queue is rebuilt at
  /// start).
  void add(const LaneKey& lane, std::uint64_t due_at_ms = 0);

  /// Claims the next lane to send from, or nullopt when none may send now: none due, or no URL
  /// with a due lane has a free slot, or `max_in_flight` lanes are in flight in all.
  std::optional<LaneKey> next(std::uint64_t now_ms, std::uint32_t max_in_flight);

  /// The claimed lane's head got its 200 (the caller removed it): the lane is due for its next
  /// row, and every lane waiting on the same URL is due now.
  void delivered(const LaneKey& lane);
  /// The claimed lane's head failed for the `failures`-th time, the first attempt at
  /// `first_attempt_ms`. Returns when to try it again (the lane waits until then), or nullopt:
  /// give it up (the caller removes it; the lane is due for its next row).
  std::optional<std::uint64_t> failed(const LaneKey& lane, const RetryPolicy& policy,
                                      std::uint32_t failures, std::uint64_t first_attempt_ms,
                                      std::uint64_t now_ms);
  /// The claimed lane sent nothing (its head was dropped, or reading it failed): it is due again,
  /// first in its URL's line.
  void release(const LaneKey& lane);
  /// The claimed lane has no rows left: forgotten (add() brings it back).
  void emptied(const LaneKey& lane);

  std::uint32_t in_flight() const noexcept { return in_flight_; }
  std::uint32_t in_flight(const std::string& url) const;
  std::size_t lanes() const noexcept { return lanes_.size(); }
  std::size_t due() const noexcept { return due_; }
  std::size_t waiting() const noexcept { return waiting_.size(); }
  /// Lanes looked at so far by next() (handed out, or moved from waiting to due) and delivered()
  /// (woken): the queue's cost, for tests that it does not grow with the lanes that are not due.
  std::uint64_t visited() const noexcept { return visited_; }

 private:
  enum class State { Unplaced, Due, Waiting, InFlight };  // Unplaced: only inside a call
  struct Url;
  struct Lane {
    const LaneKey* key = nullptr;
    Url* url = nullptr;
    State state = State::Unplaced;
    std::list<Lane*>::iterator in_url;  // in url->due or url->waiting
    std::multimap<std::uint64_t, Lane*>::iterator in_waiting;
  };
  struct Url {
    std::uint32_t in_flight = 0;
    std::size_t lanes = 0;
    bool ready = false;  // in ready_
    std::list<Lane*> due, waiting;
    bool probing = false;  // in probes_
    std::multimap<std::uint64_t, Url*>::iterator probe;
  };

  Lane* claimed(const LaneKey& key);  // nullptr unless in flight
  void make_due(Lane& lane, bool front = false);
  void end_claim(Lane& lane);
  void update_ready(Url& url);
  /// After a failure: when every lane of the URL waits, its probe is due an interval from now.
  void schedule_probe(Url& url, std::uint64_t now_ms);

  std::uint32_t per_url_limit_;
  std::map<LaneKey, Lane> lanes_;
  std::map<std::string, Url, std::less<>> urls_;
  std::multimap<std::uint64_t, Lane*> waiting_;  // retry time → lane
  std::list<Url*> ready_;                        // URLs with a due lane and a free slot
  std::multimap<std::uint64_t, Url*> probes_;    // probe time → URL whose every lane waits
  std::uint64_t probe_interval_ms_;
  std::uint32_t in_flight_ = 0;
  std::size_t due_ = 0;
  std::uint64_t visited_ = 0;
};

}  // namespace minirtc::webhook
