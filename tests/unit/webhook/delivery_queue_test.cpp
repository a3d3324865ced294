// webhook::DeliveryQueue: which lane sends when. Unit cases for each rule, then a simulation that
// drives the queue the way server/callbacks.cpp does (rows per lane, a receiver that is down then
// up) and checks per-room order, at-least-once, the in-flight limits and the drain after a return.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "webhook/delivery_queue.hpp"

namespace minirtc::webhook {
namespace {

constexpr std::uint32_t kPerUrl = 8;
constexpr std::uint32_t kGlobal = 64;
const RetryPolicy kPolicy{1000, 300'000, 7'200'000};

LaneKey lane(std::string room, std::string url = "http://a/") {
  return {std::move(url), "app", std::move(room)};
}

std::vector<LaneKey> drain(DeliveryQueue& q, std::uint64_t now, std::uint32_t max = kGlobal) {
  std::vector<LaneKey> out;
  while (auto k = q.next(now, max)) out.push_back(*k);
  return out;
}

TEST(DeliveryQueue, ALaneWhoseHeadIsInFlightIsNotHandedOutAgain) {
  DeliveryQueue q(kPerUrl);
  q.add(lane("r1"));
  auto k = q.next(0, kGlobal);
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, lane("r1"));
  EXPECT_FALSE(q.next(0, kGlobal));
  q.add(lane("r1"));  // more rows for the room while its head is out
  EXPECT_FALSE(q.next(0, kGlobal));
  EXPECT_EQ(q.in_flight(), 1u);
  q.delivered(lane("r1"));
  EXPECT_EQ(q.in_flight(), 0u);
  k = q.next(0, kGlobal);  // its next row
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, lane("r1"));
  q.emptied(lane("r1"));
  EXPECT_EQ(q.lanes(), 0u);
  EXPECT_FALSE(q.next(0, kGlobal));
  q.add(lane("r1"));
  EXPECT_TRUE(q.next(0, kGlobal));
}

TEST(DeliveryQueue, AtMostTheLimitPerUrlAndInAll) {
  DeliveryQueue q(kPerUrl);
  for (int i = 0; i < 20; ++i) q.add(lane("a" + std::to_string(i), "http://a/"));
  for (int i = 0; i < 20; ++i) q.add(lane("b" + std::to_string(i), "http://b/"));
  auto out = drain(q, 0);
  ASSERT_EQ(out.size(), 2 * kPerUrl);
  EXPECT_EQ(q.in_flight("http://a/"), kPerUrl);
  EXPECT_EQ(q.in_flight("http://b/"), kPerUrl);
  // Round robin over the URLs: they alternate.
  for (std::size_t i = 0; i + 1 < out.size(); i += 2) EXPECT_NE(out[i].url, out[i + 1].url);
  // A slot freed on a goes to a's next lane, in the order the lanes came.
  q.delivered(out[0]);
  auto k = q.next(0, kGlobal);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->url, "http://a/");
  EXPECT_EQ(k->room_id, "a8");

  DeliveryQueue g(kPerUrl);
  for (int i = 0; i < 20; ++i) g.add(lane("a" + std::to_string(i), "http://a/"));
  for (int i = 0; i < 20; ++i) g.add(lane("b" + std::to_string(i), "http://b/"));
  EXPECT_EQ(drain(g, 0, 5).size(), 5u);  // the global limit
  EXPECT_EQ(g.in_flight(), 5u);
}

TEST(DeliveryQueue, AFailedLaneWaitsItsBackOff) {
  DeliveryQueue q(kPerUrl);
  q.add(lane("r1"));
  ASSERT_TRUE(q.next(10'000, kGlobal));
  auto at = q.failed(lane("r1"), kPolicy, 1, 10'000, 10'050);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, 11'050u);
  EXPECT_EQ(q.waiting(), 1u);
  EXPECT_FALSE(q.next(11'049, kGlobal));
  auto k = q.next(11'050, kGlobal);
  ASSERT_TRUE(k);
  at = q.failed(*k, kPolicy, 2, 10'000, 11'060);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, 13'060u);  // twice as long
  EXPECT_FALSE(q.next(13'059, kGlobal));
  EXPECT_TRUE(q.next(13'060, kGlobal));
}

TEST(DeliveryQueue, NewRowsOfAWaitingLaneWaitBehindItsHead) {
  DeliveryQueue q(kPerUrl);
  q.add(lane("r1"));
  ASSERT_TRUE(q.next(0, kGlobal));
  ASSERT_TRUE(q.failed(lane("r1"), kPolicy, 1, 0, 0));
  q.add(lane("r1"));
  EXPECT_FALSE(q.next(999, kGlobal));
  EXPECT_TRUE(q.next(1000, kGlobal));
}

TEST(DeliveryQueue, ASuccessMakesEveryLaneWaitingOnThatUrlDue) {
  DeliveryQueue q(kPerUrl);
  for (auto r : {"r1", "r2", "r3"}) q.add(lane(r, "http://a/"));
  q.add(lane("other", "http://b/"));
  auto out = drain(q, 0);
  ASSERT_EQ(out.size(), 4u);
  for (const auto& k : out) ASSERT_TRUE(q.failed(k, kPolicy, 5, 0, 0));  // 16 s away
  EXPECT_EQ(q.waiting(), 4u);
  q.add(lane("new", "http://a/"));  // a room with a fresh event: its send succeeds
  auto k = q.next(100, kGlobal);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->room_id, "new");
  q.delivered(*k);
  EXPECT_EQ(q.waiting(), 1u);  // b's lane still waits: b has not answered
  std::set<std::string> rooms;
  for (const auto& d : drain(q, 101)) rooms.insert(d.room_id);
  EXPECT_EQ(rooms, (std::set<std::string>{"new", "r1", "r2", "r3"}));
  // Still bounded by the per-URL limit.
  DeliveryQueue m(kPerUrl);
  for (int i = 0; i < 50; ++i) m.add(lane("w" + std::to_string(i)));
  for (const auto& d : drain(m, 0)) ASSERT_TRUE(m.failed(d, kPolicy, 1, 0, 0));
  for (int round = 0; round < 10 && m.waiting() < 50; ++round)
    for (const auto& d : drain(m, 0)) ASSERT_TRUE(m.failed(d, kPolicy, 1, 0, 0));
  ASSERT_EQ(m.waiting(), 50u);
  m.add(lane("probe"));
  auto p = m.next(1, kGlobal);
  ASSERT_TRUE(p);
  m.delivered(*p);
  EXPECT_EQ(m.waiting(), 0u);
  EXPECT_EQ(m.due(), 51u);
  EXPECT_EQ(drain(m, 2).size(), kPerUrl);
}

TEST(DeliveryQueue, GivenUpAfterTheWindowAndTheLaneGoesOn) {
  DeliveryQueue q(kPerUrl);
  q.add(lane("r1"));
  ASSERT_TRUE(q.next(0, kGlobal));
  const RetryPolicy short_window{1000, 300'000, 5000};
  EXPECT_FALSE(q.failed(lane("r1"), short_window, 4, 0, 4500));  // next try would be past 5 s
  EXPECT_EQ(q.waiting(), 0u);
  EXPECT_TRUE(q.next(4500, kGlobal));  // the lane's next row, at once
}

TEST(DeliveryQueue, ReleaseKeepsTheLaneFirstInLine) {
  DeliveryQueue q(1);
  q.add(lane("r1"));
  q.add(lane("r2"));
  auto k = q.next(0, kGlobal);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->room_id, "r1");
  q.release(*k);  // e.g. its head was dropped (app removed): its next row comes first
  k = q.next(0, kGlobal);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->room_id, "r1");
}

TEST(DeliveryQueue, LanesRebuiltAtStartKeepTheirStoredTime) {
  DeliveryQueue q(kPerUrl);
  q.add(lane("r1"), 5000);
  q.add(lane("r2"), 0);
  auto out = drain(q, 100);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].room_id, "r2");
  EXPECT_EQ(drain(q, 5000).size(), 1u);
}

TEST(DeliveryQueue, CallsOnLanesThatAreNotClaimedChangeNothing) {
  DeliveryQueue q(kPerUrl);
  q.add(lane("r1"));
  q.delivered(lane("r1"));
  q.release(lane("nope"));
  q.emptied(lane("r1"));
  EXPECT_TRUE(q.failed(lane("r1"), kPolicy, 1, 0, 0));  // the decision, no state change
  EXPECT_EQ(q.in_flight(), 0u);
  EXPECT_EQ(q.lanes(), 1u);
  EXPECT_EQ(q.due(), 1u);
  EXPECT_EQ(drain(q, 0).size(), 1u);
}

// The cost of a pump does not grow with the lanes that are not due: 10,000 rooms waiting for a
// retry, or due on a URL with no free slot, are not looked at.
TEST(DeliveryQueue, CostIsTheLanesThatMaySendNotTheLanesQueued) {
  DeliveryQueue q(kPerUrl);
  constexpr int kRooms = 10'000;
  for (int i = 0; i < kRooms; ++i) q.add(lane("w" + std::to_string(i), "http://down/"));
  // Fail each once (as a down receiver would), spread over the first second.
  for (int done = 0; done < kRooms;) {
    for (const auto& k : drain(q, 0)) {
      ASSERT_TRUE(q.failed(k, kPolicy, 3, 0, static_cast<std::uint64_t>(done / 10)));
      ++done;
    }
  }
  ASSERT_EQ(q.waiting(), static_cast<std::size_t>(kRooms));
  q.add(lane("live", "http://up/"));
  auto before = q.visited();
  auto k = q.next(100, kGlobal);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->room_id, "live");
  EXPECT_FALSE(q.next(100, kGlobal));
  EXPECT_EQ(q.visited() - before, 1u);  // the one lane handed out
  q.delivered(*k);
  q.emptied(*q.next(100, kGlobal));
  before = q.visited();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(q.next(3999, kGlobal));  // earliest retry: 4000
  EXPECT_EQ(q.visited(), before);

  // 10,000 due lanes on a URL whose slots are all taken.
  DeliveryQueue busy(kPerUrl);
  for (int i = 0; i < kRooms; ++i) busy.add(lane("d" + std::to_string(i)));
  EXPECT_EQ(drain(busy, 0).size(), kPerUrl);
  before = busy.visited();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(busy.next(0, kGlobal));
  EXPECT_EQ(busy.visited(), before);
  // Retries coming due cost one visit each, once.
  before = q.visited();
  auto woke = drain(q, 4099);  // the first 1,000 rooms' retries (failed at 0..99 ms)
  EXPECT_EQ(woke.size(), kPerUrl);
  EXPECT_EQ(q.visited() - before, 1000u + kPerUrl);
  before = q.visited();
  EXPECT_FALSE(q.next(4099, kGlobal));
  EXPECT_EQ(q.visited(), before);
}

// The queue driven like server/callbacks.cpp drives it: rows per lane (a fake store), a receiver
// down until `up_at`, every attempt taking 5 ms, room r's five events raised at r * 60 ms (so the
// rooms' back-offs are spread over the outage). Checks: each room's rows arrive in order, each at
// least once; never two sends of one lane at once; never more than the limits in flight; once the
// receiver is back, the backlog does not wait for the rooms' back-off.
TEST(DeliveryQueue, AUrlWhoseEveryLaneWaitsIsProbedOncePerInterval) {
  // Three rooms failed together for the 5th time (as after a long outage): their next try is
  // 31 s after their first attempt.
  DeliveryQueue p(kPerUrl, 5000);
  for (int i = 0; i < 3; ++i) p.add(lane("r" + std::to_string(i)));
  auto first = drain(p, 0);
  ASSERT_EQ(first.size(), 3u);
  for (const auto& k : first) ASSERT_TRUE(p.failed(k, kPolicy, 5, 1, 0));  // next try at 31 s
  EXPECT_TRUE(drain(p, 4'999).empty());
  auto probe = drain(p, 5'000);
  ASSERT_EQ(probe.size(), 1u) << "one lane, the one that failed first";
  EXPECT_EQ(probe[0], first[0]);
  // It fails again: the next probe is an interval later, not before.
  ASSERT_TRUE(p.failed(probe[0], kPolicy, 6, 1, 5'000));
  EXPECT_TRUE(drain(p, 9'999).empty());
  auto again = drain(p, 10'000);
  ASSERT_EQ(again.size(), 1u);
  // This one gets its 200: every lane of the URL is due at once.
  p.delivered(again[0]);
  EXPECT_EQ(drain(p, 10'000).size(), 3u);
}

TEST(DeliveryQueue, NoProbeWhileALaneOfTheUrlIsDueOrInFlight) {
  DeliveryQueue q(kPerUrl, 5000);
  q.add(lane("r1"));
  q.add(lane("r2"));
  auto sent = drain(q, 0);
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_TRUE(q.failed(sent[0], kPolicy, 5, 1, 0));  // r2 still in flight: no probe scheduled
  EXPECT_TRUE(drain(q, 6'000).empty());
  q.delivered(sent[1]);  // r2's 200 wakes r1 (and r2 goes on with its next row)
  auto woken = drain(q, 6'000);
  EXPECT_EQ(woken.size(), 2u);
  EXPECT_NE(std::find(woken.begin(), woken.end(), sent[0]), woken.end());
  DeliveryQueue off(kPerUrl, 0);  // probes off: the back-off alone
  off.add(lane("r1"));
  auto k = drain(off, 0);
  auto at = off.failed(k[0], kPolicy, 5, 1, 0);
  ASSERT_TRUE(at);
  EXPECT_TRUE(drain(off, *at - 1).empty());
  EXPECT_EQ(drain(off, *at).size(), 1u);
}

TEST(DeliveryQueue, SimulatedOutageKeepsOrderAndDrainsOnTheReceiversReturn) {
  constexpr int kRooms = 300, kRowsPerRoom = 5;
  constexpr std::uint64_t kUpAt = 20'000, kAttemptMs = 5;
  DeliveryQueue q(kPerUrl);
  std::map<LaneKey, std::deque<int>> store;  // lane → row numbers, head first
  struct Row {
    std::uint32_t attempts = 0;
    std::uint64_t first = 0;
  };
  std::map<std::pair<LaneKey, int>, Row> meta;
  std::map<LaneKey, std::vector<int>> received;
  struct Flight {
    LaneKey lane;
    int row;
    std::uint64_t ends;
  };
  std::vector<Flight> flights;
  std::set<LaneKey> out;
  std::mt19937 rng(7);
  std::uint64_t first_after_up = 0, last = 0;
  for (std::uint64_t now = 0; now < 200'000; now += 1) {
    if (now % 60 == 0 && now / 60 < kRooms)
      for (int i = 0; i < kRowsPerRoom; ++i) {
        auto k = lane("r" + std::to_string(now / 60));
        store[k].push_back(i);
        q.add(k);
      }
    // Finished attempts, in a shuffled order.
    std::shuffle(flights.begin(), flights.end(), rng);
    for (auto it = flights.begin(); it != flights.end();) {
      if (it->ends > now) {
        ++it;
        continue;
      }
      auto& row = meta[{it->lane, it->row}];
      out.erase(it->lane);
      if (now >= kUpAt) {
        received[it->lane].push_back(it->row);
        if (!first_after_up) first_after_up = now;
        last = now;
        store[it->lane].pop_front();
        q.delivered(it->lane);
      } else {
        ++row.attempts;
        if (!row.first) row.first = now - kAttemptMs;
        ASSERT_TRUE(q.failed(it->lane, kPolicy, row.attempts, row.first, now));
      }
      it = flights.erase(it);
    }
    // The pump.
    while (auto k = q.next(now, kGlobal)) {
      ASSERT_TRUE(out.insert(*k).second) << "lane handed out twice: " << k->room_id;
      auto& rows = store[*k];
      if (rows.empty()) {
        out.erase(*k);
        q.emptied(*k);
        continue;
      }
      flights.push_back({*k, rows.front(), now + kAttemptMs});
      ASSERT_LE(q.in_flight("http://a/"), kPerUrl);
    }
    if (now > kUpAt && flights.empty() && q.lanes() == 0) break;
  }
  ASSERT_EQ(q.lanes(), 0u);
  for (int r = 0; r < kRooms; ++r) {
    auto k = lane("r" + std::to_string(r));
    EXPECT_EQ(received[k], (std::vector<int>{0, 1, 2, 3, 4})) << k.room_id;
  }
  // Room r is retried at r*60 ms + 1, 3, 7, 15, 31 s: some room is retried soon after 20 s, and
  // its 200 makes every other room due, so all 1,500 rows go at the rate of 8 requests of 5 ms
  // (~0.94 s). Without the wake, room 200 (first try at 12 s) would wait until 12 + 15 = 27 s, and
  // room 80 (4.8 s) until 4.8 + 31 = 35.8 s.
  EXPECT_LT(first_after_up, kUpAt + 500);
  EXPECT_LT(last, kUpAt + 2'000);
}

}  // namespace
}  // namespace minirtc::webhook
