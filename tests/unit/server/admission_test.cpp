// The door admission rule (server/admission.hpp), checked over every combination of small
// limits and counts against the properties it promises, plus the table that applies it.

#include "server/admission.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/connection_table.hpp"

namespace minirtc::server {
namespace {

bool admits(Verdict v) {
  return v == Verdict::Admit || v == Verdict::AdmitEvictingOldest;
}

TEST(Admission, ExamplesOfTheRule) {
  const DoorLimits door{10, 2, 3};  // 10 slots, 2 reserved, 3 strangers per address
  EXPECT_EQ(admit(door, {0, 0, 0}, false), Verdict::Admit);
  EXPECT_EQ(admit(door, {0, 7, 2}, false), Verdict::Admit);
  EXPECT_EQ(admit(door, {0, 7, 3}, false), Verdict::RefusePerIp);
  EXPECT_EQ(admit(door, {0, 7, 3}, true), Verdict::Admit);  // authenticated: no per-IP limit
  // Strangers hold their share (8): the next one takes the oldest one's slot, though 2 are free.
  EXPECT_EQ(admit(door, {0, 8, 0}, false), Verdict::AdmitEvictingOldest);
  EXPECT_EQ(admit(door, {0, 8, 0}, true), Verdict::Admit);
  // Full door: a stranger makes room for anyone; a door full of real users refuses.
  EXPECT_EQ(admit(door, {9, 1, 0}, true), Verdict::AdmitEvictingOldest);
  EXPECT_EQ(admit(door, {9, 1, 0}, false), Verdict::AdmitEvictingOldest);
  EXPECT_EQ(admit(door, {10, 0, 0}, true), Verdict::RefuseDoorFull);
  EXPECT_EQ(admit(door, {10, 0, 0}, false), Verdict::RefuseDoorFull);
  // No per-address limit when it is 0.
  EXPECT_EQ(admit({10, 2, 0}, {0, 5, 5}, false), Verdict::Admit);
}

TEST(Admission, EveryCombinationKeepsThePromises) {
  int cases = 0;
  for (std::uint32_t max = 0; max <= 6; ++max)
    for (std::uint32_t reserved = 0; reserved <= 7; ++reserved)
      for (std::uint32_t per_ip = 0; per_ip <= 4; ++per_ip)
        for (std::uint32_t auth = 0; auth <= max; ++auth)
          for (std::uint32_t unauth = 0; auth + unauth <= max; ++unauth)
            for (std::uint32_t from_ip = 0; from_ip <= unauth; ++from_ip)
              for (bool authenticated : {false, true}) {
                ++cases;
                const DoorLimits l{max, reserved, per_ip};
                const DoorCounts c{auth, unauth, from_ip};
                const Verdict v = admit(l, c, authenticated);
                SCOPED_TRACE(testing::Message()
                             << "max=" << max << " reserved=" << reserved << " per_ip=" << per_ip
                             << " auth=" << auth << " unauth=" << unauth << " from_ip=" << from_ip
                             << " authenticated=" << authenticated << " -> " << verdict_name(v));
                const std::uint32_t share = reserved < max ? max - reserved : 0;
                const bool over_ip = !authenticated && per_ip > 0 && from_ip >= per_ip;
                // The per-address limit: strangers only, and only it.
                EXPECT_EQ(v == Verdict::RefusePerIp, over_ip);
                if (over_ip) continue;
                // Eviction needs a stranger to evict.
                EXPECT_TRUE(v != Verdict::AdmitEvictingOldest || unauth > 0);
                // Refused only when no stranger can make room.
                EXPECT_EQ(v == Verdict::RefuseDoorFull, !admits(v));
                EXPECT_TRUE(admits(v) || unauth == 0);
                // After the verdict: the door's limit holds, and strangers stay within their
                // share (they never exceed it by a newcomer).
                std::uint32_t a = auth, u = unauth;
                if (v == Verdict::AdmitEvictingOldest) --u;
                if (admits(v)) ++(authenticated ? a : u);
                EXPECT_LE(a + u, max);
                EXPECT_LE(u, std::max(share, unauth));
                // No needless eviction: a newcomer that fits is simply admitted.
                const bool fits = auth + unauth < max && (authenticated || unauth < share);
                EXPECT_EQ(v == Verdict::Admit, fits);
                // A real user is refused only by a door full of real users.
                EXPECT_TRUE(!authenticated || (v == Verdict::RefuseDoorFull) == (auth == max));
              }
  EXPECT_GT(cases, 5000);
}

class FakeConnection : public Closable {
 public:
  void close(std::string_view reason) override { closes.emplace_back(reason); }
  std::vector<std::string> closes;
};

ConnectionTable table_with(DoorLimits rtmp, DoorLimits http = {100, 0, 0},
                           DoorLimits flv = {100, 0, 0}) {
  ConnectionTable t;
  t.set_limits({rtmp, http, flv});
  return t;
}

TEST(ConnectionTable, CountsPerDoorAndState) {
  auto t = table_with({10, 2, 0});
  auto a = t.admit(Door::Rtmp, "10.0.0.1");
  auto b = t.admit(Door::Http, "10.0.0.1");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(t.counts(Door::Rtmp).unauthenticated, 1u);
  EXPECT_EQ(t.counts(Door::Http).unauthenticated, 1u);
  t.authenticate(a.id);
  t.authenticate(a.id);  // once only
  EXPECT_EQ(t.counts(Door::Rtmp).unauthenticated, 0u);
  EXPECT_EQ(t.counts(Door::Rtmp).authenticated, 1u);
  EXPECT_TRUE(t.is_authenticated(a.id));
  t.release(a.id);
  t.release(a.id);  // unknown ids are ignored
  EXPECT_EQ(t.counts(Door::Rtmp).authenticated, 0u);
  EXPECT_EQ(t.size(), 1u);
}

TEST(ConnectionTable, PerAddressLimitCountsStrangersOnly) {
  auto t = table_with({100, 0, 2});
  auto a = t.admit(Door::Rtmp, "10.0.0.1");
  auto b = t.admit(Door::Rtmp, "10.0.0.1");
  auto c = t.admit(Door::Rtmp, "10.0.0.1");
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(c);
  EXPECT_EQ(c.verdict, Verdict::RefusePerIp);
  EXPECT_TRUE(t.admit(Door::Rtmp, "10.0.0.2"));  // another address
  EXPECT_TRUE(t.admit(Door::Http, "10.0.0.1"));  // another door
  t.authenticate(a.id);  // an authenticated connection frees its address's share
  EXPECT_TRUE(t.admit(Door::Rtmp, "10.0.0.1"));
}

TEST(ConnectionTable, NewcomerEvictsTheOldestStranger) {
  auto t = table_with({4, 1, 0});  // strangers may hold 3
  std::vector<std::shared_ptr<FakeConnection>> conns;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto c = std::make_shared<FakeConnection>();
    auto a = t.admit(Door::Rtmp, "10.0.0." + std::to_string(i));
    ASSERT_EQ(a.verdict, Verdict::Admit);
    t.bind(a.id, c);
    conns.push_back(c);
    ids.push_back(a.id);
  }
  t.authenticate(ids[1]);  // a real user: never evicted
  auto d = t.admit(Door::Rtmp, "10.0.0.9");
  ASSERT_EQ(d.verdict, Verdict::Admit);  // 2 strangers, 1 real user: room
  auto e = t.admit(Door::Rtmp, "10.0.0.9");
  ASSERT_EQ(e.verdict, Verdict::AdmitEvictingOldest);
  EXPECT_EQ(conns[0]->closes.size(), 1u);  // the oldest stranger
  EXPECT_TRUE(conns[1]->closes.empty());
  EXPECT_TRUE(conns[2]->closes.empty());
  EXPECT_EQ(t.counts(Door::Rtmp).unauthenticated, 3u);
  EXPECT_EQ(t.counts(Door::Rtmp).authenticated, 1u);
  t.release(ids[0]);  // the evicted connection's own release later is a no-op
  EXPECT_EQ(t.counts(Door::Rtmp).unauthenticated, 3u);
  EXPECT_EQ(t.open().size(), 2u);  // bound and open: conns[1] and conns[2]
}

TEST(ConnectionTable, DoorFullOfRealUsersRefuses) {
  auto t = table_with({2, 1, 0});
  for (int i = 0; i < 2; ++i) {
    auto a = t.admit(Door::Rtmp, "10.0.0.1");
    ASSERT_TRUE(a);
    t.authenticate(a.id);
  }
  EXPECT_EQ(t.admit(Door::Rtmp, "10.0.0.1").verdict, Verdict::RefuseDoorFull);
}

TEST(ConnectionTable, MoveToTheFlvDoorAuthenticatesOrStays) {
  auto t = table_with({100, 0, 0}, {100, 0, 1}, {1, 0, 0});
  auto a = t.admit(Door::Http, "10.0.0.1");
  auto b = t.admit(Door::Http, "10.0.0.2");
  EXPECT_FALSE(t.admit(Door::Http, "10.0.0.1"));  // per address at the HTTP door
  EXPECT_EQ(t.move(a.id, Door::Flv), Verdict::Admit);
  EXPECT_EQ(t.counts(Door::Flv).authenticated, 1u);
  EXPECT_EQ(t.counts(Door::Http).unauthenticated, 1u);
  EXPECT_TRUE(t.admit(Door::Http, "10.0.0.1"));                 // its HTTP share is free again
  EXPECT_EQ(t.move(b.id, Door::Flv), Verdict::RefuseDoorFull);  // FLV door full
  EXPECT_EQ(t.counts(Door::Http).unauthenticated, 2u);          // b stays at HTTP
}

}  // namespace
}  // namespace minirtc::server
