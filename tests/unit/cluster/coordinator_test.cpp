// The cluster's steps over a store (here the in-memory one, with a clock the test moves): the
// registry and its TTL, the app-list check, room pins and their conflicts after an outage. One
// test defers every answer (as Redis does), so a step's closures are gone when the next runs.

#include <gtest/gtest.h>

#include <deque>

#include "cluster/coordinator.hpp"
#include "cluster/keys.hpp"
#include "cluster/memory_store.hpp"
#include "cluster/signing.hpp"

namespace minirtc::cluster {
namespace {

constexpr std::string_view kApp = "abcdefghijklmnopqrstuvwx";

NodeRecord record(const std::string& id, std::uint32_t sessions = 0) {
  NodeRecord n;
  n.id = id;
  n.public_url = "http://127.0.0.1:8080";
  n.path_prefix = "/" + id;
  n.rtmp_url = "rtmp://127.0.0.1:1935";
  n.sessions = sessions;
  return n;
}

Config config(const std::string& id) {
  Config c;
  c.node_id = id;
  c.secret = "cluster-secret";
  c.node_ttl_ms = 3000;
  c.pin_ttl_ms = 6000;
  return c;
}

/// The value a synchronous store's callback delivered.
template <class T>
struct Got {
  std::optional<Result<T>> value;
  Done<T> cb() {
    return [this](Result<T> r) { value.emplace(std::move(r)); };
  }
  const T& ok() const {
    EXPECT_TRUE(value.has_value());
    EXPECT_TRUE(value->ok()) << value->error().reason;
    return **value;
  }
};

class CoordinatorTest : public ::testing::Test {
 protected:
  MemoryStore store;
  Coordinator n1{store, config("n1")}, n2{store, config("n2")}, n3{store, config("n3")};

  void publish(Coordinator& c, NodeRecord r) {
    Status result = make_error("not called");
    c.publish_record(r, store.now(), [&](Status st) { result = st; });
    ASSERT_TRUE(result.ok()) << result.error().reason;
  }
  std::vector<std::string> live_ids(Coordinator& c) {
    Got<Coordinator::Nodes> got;
    c.read_nodes(store.now(), got.cb());
    std::vector<std::string> ids;
    for (const auto& n : got.ok().live) ids.push_back(n.id);
    return ids;
  }
  std::vector<NodeRecord> live(Coordinator& c) {
    Got<Coordinator::Nodes> got;
    c.read_nodes(store.now(), got.cb());
    return got.ok().live;
  }
  Pin locate(Coordinator& c, std::string_view room) {
    Got<Coordinator::Located> got;
    c.locate_room(std::string(kApp), std::string(room), live(c), store.now(), got.cb());
    EXPECT_EQ(got.ok().owner.id, got.ok().pin.node_id);
    return got.ok().pin;
  }
  PinStatus refresh(Coordinator& c, std::string_view room, const Pin& mine) {
    Got<PinStatus> got;
    c.refresh_pin(std::string(kApp), std::string(room), mine, got.cb());
    return got.ok();
  }
};

TEST_F(CoordinatorTest, EveryNodeSeesEveryRegisteredNode) {
  publish(n1, record("n1"));
  publish(n2, record("n2"));
  publish(n3, record("n3"));
  EXPECT_EQ(live_ids(n2), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(live(n1)[1], record("n2"));
}

TEST_F(CoordinatorTest, ANodeThatStopsRefreshingIsDeadAfterItsTtlAndLeavesTheIndex) {
  publish(n1, record("n1"));
  publish(n2, record("n2"));
  store.advance(2000);
  publish(n1, record("n1"));  // n1 keeps refreshing, n2 does not
  EXPECT_EQ(live_ids(n1), (std::vector<std::string>{"n1", "n2"}));
  store.advance(1000);
  EXPECT_EQ(live_ids(n1), (std::vector<std::string>{"n1"}));
  Got<std::vector<std::string>> index;
  store.set_members(keys::node_index(), index.cb());
  EXPECT_EQ(index.ok(), (std::vector<std::string>{"n1"}));
}

TEST_F(CoordinatorTest, AWithdrawnNodeIsGoneAtOnce) {
  publish(n1, record("n1"));
  publish(n2, record("n2"));
  Status st = make_error("not called");
  n2.withdraw_record([&](Status s) { st = s; });
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(live_ids(n1), (std::vector<std::string>{"n1"}));
}

TEST_F(CoordinatorTest, ARecordSignedWithAnotherSecretOrForgedIsRefused) {
  publish(n1, record("n1"));
  auto other = config("n2");
  other.secret = "not the cluster's";
  Coordinator stranger(store, other);
  publish(stranger, record("n2"));
  // A record under n3's name signed by n1 (valid signature, wrong sender).
  store.put(
      keys::node("n3"),
      sign_node_message("cluster-secret", "n1", store.now(), encode_node_record(record("n3"))),
      3000, [](Status) {});
  store.set_add(keys::node_index(), "n3", [](Status) {});
  Got<Coordinator::Nodes> got;
  n1.read_nodes(store.now(), got.cb());
  ASSERT_EQ(got.ok().live.size(), 1u);
  EXPECT_EQ(got.ok().live[0].id, "n1");
  EXPECT_EQ(got.ok().rejected.size(), 2u);
}

TEST_F(CoordinatorTest, AStoreOutageIsAnErrorNotAnEmptyCluster) {
  publish(n1, record("n1"));
  store.set_down(true);
  Got<Coordinator::Nodes> got;
  n1.read_nodes(store.now(), got.cb());
  ASSERT_TRUE(got.value.has_value());
  EXPECT_FALSE(got.value->ok());
}

TEST_F(CoordinatorTest, TheFirstNodeSetsTheAppFingerprintAndOthersMustMatchIt) {
  using Apps = std::vector<std::pair<std::string, std::string>>;
  const auto fp = app_fingerprint("cluster-secret", Apps{{"app1", "key1"}});
  Status first = make_error("x"), same = make_error("x"), differs;
  n1.check_apps(fp, [&](Status s) { first = s; });
  n2.check_apps(fp, [&](Status s) { same = s; });
  n3.check_apps(app_fingerprint("cluster-secret", Apps{{"app1", "another key"}}),
                [&](Status s) { differs = s; });
  EXPECT_TRUE(first.ok());
  EXPECT_TRUE(same.ok());
  ASSERT_FALSE(differs.ok());
  EXPECT_NE(differs.error().reason.find("same apps"), std::string::npos);
}

TEST_F(CoordinatorTest, ANewRoomIsPinnedToTheLeastLoadedNodeWhoeverAsks) {
  publish(n1, record("n1", 50));
  publish(n2, record("n2", 10));
  publish(n3, record("n3", 30));
  const auto pin = locate(n1, "room-a");
  EXPECT_EQ(pin.node_id, "n2");
  EXPECT_EQ(pin.since_ms, store.now());
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), encode_pin(pin));
  EXPECT_EQ(store.ttl_left(keys::room_pin(kApp, "room-a")), 6000u);
}

TEST_F(CoordinatorTest, ARoomStaysOnItsNodeWhenLoadsChange) {
  publish(n1, record("n1", 50));
  publish(n2, record("n2", 10));
  const auto first = locate(n1, "room-a");
  publish(n2, record("n2", 500));  // n2 is now the busiest
  EXPECT_EQ(locate(n1, "room-a"), first);
  EXPECT_EQ(locate(n2, "room-a"), first);
}

TEST_F(CoordinatorTest, TwoNodesPinningOneNewRoomAtOnceAgreeOnOneOwner) {
  publish(n1, record("n1"));
  publish(n2, record("n2"));
  // Each believes it is the least loaded (its snapshot says so), both try to pin.
  auto n1_view = live(n1), n2_view = live(n2);
  n1_view[1].sessions = 100;  // n1 thinks n2 is busy
  n2_view[0].sessions = 100;  // n2 thinks n1 is busy
  Got<Coordinator::Located> a, b;
  n1.locate_room(std::string(kApp), "room-a", n1_view, store.now(), a.cb());
  n2.locate_room(std::string(kApp), "room-a", n2_view, store.now() + 1, b.cb());
  EXPECT_EQ(a.ok().pin.node_id, "n1");
  EXPECT_EQ(b.ok().pin, a.ok().pin);
}

/// The memory store with every answer deferred to run(), each callback destroyed once it ran: as
/// with Redis, a step's callback (and what it captured) is gone when the next step's answer
/// comes. Under ASan a closure that kept a reference into an earlier one is a use after free.
class DeferredStore final : public Store {
 public:
  explicit DeferredStore(MemoryStore& inner) : inner_(inner) {}
  /// Runs the queued answers (and those they queue) until none is left; how many ran.
  std::size_t run() {
    std::size_t n = 0;
    while (!queue_.empty()) {
      auto answer = std::move(queue_.front());
      queue_.pop_front();
      answer();
      ++n;
    }
    return n;
  }

  void get(std::string key, Done<std::optional<std::string>> done) override {
    inner_.get(std::move(key), later(std::move(done)));
  }
  void put(std::string key, std::string value, std::uint64_t ttl_ms, DoneStatus done) override {
    inner_.put(std::move(key), std::move(value), ttl_ms, later(std::move(done)));
  }
  void put_if_absent(std::string key, std::string value, std::uint64_t ttl_ms,
                     Done<bool> done) override {
    inner_.put_if_absent(std::move(key), std::move(value), ttl_ms, later(std::move(done)));
  }
  void replace_if(std::string key, std::string expected, std::string value, std::uint64_t ttl_ms,
                  Done<bool> done) override {
    inner_.replace_if(std::move(key), std::move(expected), std::move(value), ttl_ms,
                      later(std::move(done)));
  }
  void remove_if(std::string key, std::string expected, Done<bool> done) override {
    inner_.remove_if(std::move(key), std::move(expected), later(std::move(done)));
  }
  void remove(std::string key, DoneStatus done) override {
    inner_.remove(std::move(key), later(std::move(done)));
  }
  void set_add(std::string key, std::string member, DoneStatus done) override {
    inner_.set_add(std::move(key), std::move(member), later(std::move(done)));
  }
  void set_remove(std::string key, std::string member, DoneStatus done) override {
    inner_.set_remove(std::move(key), std::move(member), later(std::move(done)));
  }
  void set_members(std::string key, Done<std::vector<std::string>> done) override {
    inner_.set_members(std::move(key), later(std::move(done)));
  }
  void hash_put(std::string key, std::string field, std::string value, std::uint64_t ttl_ms,
                DoneStatus done) override {
    inner_.hash_put(std::move(key), std::move(field), std::move(value), ttl_ms,
                    later(std::move(done)));
  }
  void hash_remove(std::string key, std::vector<std::string> fields, DoneStatus done) override {
    inner_.hash_remove(std::move(key), std::move(fields), later(std::move(done)));
  }
  void hash_all(std::string key, Done<Fields> done) override {
    inner_.hash_all(std::move(key), later(std::move(done)));
  }
  void expire(std::string key, std::uint64_t ttl_ms, Done<bool> done) override {
    inner_.expire(std::move(key), ttl_ms, later(std::move(done)));
  }

 private:
  template <class R>
  std::function<void(R)> later(std::function<void(R)> done) {
    return [this, done = std::move(done)](R r) mutable {
      queue_.emplace_back(
          [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    };
  }
  MemoryStore& inner_;
  std::deque<std::function<void()>> queue_;
};

// Found by bench/cluster.mjs: a node that placed a new room read the chosen node's record
// through a reference into the pin read's callback, which was gone by the time the write was
// answered (SIGSEGV under concurrent joins on a real Redis).
TEST(CoordinatorDeferred, ARoomPlacedWhenTheStoreAnswersLaterNamesItsNode) {
  MemoryStore memory;
  DeferredStore store(memory);
  Coordinator n1{store, config("n1")};
  std::vector<Got<Coordinator::Located>> got(20);
  for (std::size_t i = 0; i < got.size(); ++i)
    n1.locate_room(std::string(kApp), "room-" + std::to_string(i),
                   {record("n1", 50), record("n2", 10), record("n3", 30)}, memory.now(),
                   got[i].cb());
  EXPECT_EQ(store.run(), 2 * got.size());  // per room: the pin read, then its write
  for (const auto& g : got) {
    EXPECT_EQ(g.ok().pin.node_id, "n2");
    EXPECT_EQ(g.ok().owner.id, "n2");
    EXPECT_EQ(g.ok().owner.path_prefix, "/n2");
  }
}

TEST_F(CoordinatorTest, ASnapshotThatMissesALiveOwnerDoesNotMoveItsRoom) {
  // After a Redis restart a node may read the registry before every node wrote its record
  // again: its view lacks the room's node, whose record is back by the time it asks.
  publish(n1, record("n1"));
  publish(n2, record("n2"));
  const auto pin = locate(n1, "room-a");
  ASSERT_EQ(pin.node_id, "n1");
  std::vector<NodeRecord> partial{record("n2")};  // n2's stale view: only itself
  Got<Coordinator::Located> got;
  n2.locate_room(std::string(kApp), "room-a", partial, store.now(), got.cb());
  EXPECT_EQ(got.ok().pin, pin);
  EXPECT_EQ(got.ok().owner.id, "n1");
  EXPECT_EQ(got.ok().owner.public_url, record("n1").public_url);
  // Once n1's record really expired, the same view moves it.
  store.advance(3000);
  publish(n2, record("n2"));
  Got<Coordinator::Located> moved;
  n2.locate_room(std::string(kApp), "room-a", partial, store.now(), moved.cb());
  EXPECT_EQ(moved.ok().pin.node_id, "n2");
}

TEST_F(CoordinatorTest, FindRoomNamesALiveOwnerAndNeverPins) {
  publish(n1, record("n1"));
  publish(n2, record("n2", 10));
  auto find = [&](Coordinator& c) {
    Got<std::optional<Coordinator::Located>> got;
    c.find_room(std::string(kApp), "room-a", store.now(), got.cb());
    return got.ok();
  };
  EXPECT_FALSE(find(n2));  // no pin: none is written
  EXPECT_FALSE(store.peek(keys::room_pin(kApp, "room-a")));
  const auto pin = locate(n1, "room-a");
  ASSERT_EQ(pin.node_id, "n1");
  auto found = find(n2);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->pin, pin);
  EXPECT_EQ(found->owner, record("n1"));
  // Its node dead (the pin still there): not an owner, and the pin is left alone.
  store.advance(3000);
  publish(n2, record("n2", 10));
  EXPECT_FALSE(find(n2));
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), encode_pin(pin));
}

TEST_F(CoordinatorTest, ARoomOfADeadNodeIsPinnedAgainToALiveOne) {
  publish(n1, record("n1", 0));
  publish(n2, record("n2", 10));
  EXPECT_EQ(locate(n1, "room-a").node_id, "n1");
  store.advance(3000);  // n1's record expires (its pin, 6 s, not yet)
  publish(n2, record("n2", 10));
  const auto moved = locate(n2, "room-a");
  EXPECT_EQ(moved.node_id, "n2");
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), encode_pin(moved));
}

TEST_F(CoordinatorTest, TheOwnerRefreshKeepsThePinAliveAndItExpiresWithoutIt) {
  publish(n1, record("n1"));
  const auto pin = locate(n1, "room-a");
  store.advance(5000);
  EXPECT_EQ(refresh(n1, "room-a", pin).action, PinRefresh::Refresh);
  EXPECT_EQ(store.ttl_left(keys::room_pin(kApp, "room-a")), 6000u);
  store.advance(6000);
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), std::nullopt);
}

TEST_F(CoordinatorTest, AfterRedisRestartsEmptyTheOwnerWritesItsPinBack) {
  publish(n1, record("n1"));
  const auto pin = locate(n1, "room-a");
  store.flush();
  const auto st = refresh(n1, "room-a", pin);
  EXPECT_EQ(st.action, PinRefresh::Write);
  EXPECT_EQ(st.owner, pin);
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), encode_pin(pin));
}

TEST_F(CoordinatorTest, DuringAnOutageARefreshFailsAndChangesNothing) {
  publish(n1, record("n1"));
  const auto pin = locate(n1, "room-a");
  store.set_down(true);
  Got<PinStatus> got;
  n1.refresh_pin(std::string(kApp), "room-a", pin, got.cb());
  ASSERT_TRUE(got.value.has_value());
  EXPECT_FALSE(got.value->ok());
  store.set_down(false);
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), encode_pin(pin));
}

TEST_F(CoordinatorTest, AfterAnOutageTwoClaimantsAgreeTheOlderClaimKeepsTheRoom) {
  // n1 held the room since t0; cut off from Redis, its pin expired and n2 pinned the room at t1.
  const Pin older{"n1", store.now()};
  store.advance(10'000);
  const Pin newer{"n2", store.now()};
  store.put(keys::room_pin(kApp, "room-a"), encode_pin(newer), 6000, [](Status) {});

  // n2 refreshes first: the pin is its own, nothing to decide yet.
  EXPECT_EQ(refresh(n2, "room-a", newer).action, PinRefresh::Refresh);
  // n1 is back: it finds n2's pin, and its older claim wins: it takes the pin back.
  const auto back = refresh(n1, "room-a", older);
  EXPECT_EQ(back.action, PinRefresh::Take);
  EXPECT_EQ(back.owner, older);
  // n2's next refresh finds n1's pin, and yields: it moves its sessions to n1.
  const auto lost = refresh(n2, "room-a", newer);
  EXPECT_EQ(lost.action, PinRefresh::Yield);
  EXPECT_EQ(lost.owner, older);
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), encode_pin(older));
}

TEST_F(CoordinatorTest, AClaimantThatLosesNeverOverwritesTheWinner) {
  const Pin winner{"n2", 5000};
  const Pin loser{"n1", 9000};
  store.put(keys::room_pin(kApp, "room-a"), encode_pin(winner), 6000, [](Status) {});
  EXPECT_EQ(refresh(n1, "room-a", loser).action, PinRefresh::Yield);
  EXPECT_EQ(store.peek(keys::room_pin(kApp, "room-a")), encode_pin(winner));
}

TEST(PinRule, TheEarlierClaimWinsAndEqualTimesGoToTheSmallerIdWhicheverNodeAsks) {
  const Pin a{"n1", 100}, b{"n2", 50}, c{"n3", 50};
  EXPECT_EQ(pin_winner(a, b), b);
  EXPECT_EQ(pin_winner(b, a), b);
  EXPECT_EQ(pin_winner(b, c), b);
  EXPECT_EQ(pin_winner(c, b), b);
  EXPECT_EQ(decide_refresh(a, b), PinRefresh::Yield);
  EXPECT_EQ(decide_refresh(b, a), PinRefresh::Take);
  EXPECT_EQ(decide_refresh(a, std::nullopt), PinRefresh::Write);
  EXPECT_EQ(decide_refresh(a, Pin{"n1", 7}), PinRefresh::Refresh);
}

TEST_F(CoordinatorTest, GarbageInAPinIsReplacedNotTrusted) {
  publish(n1, record("n1"));
  store.put(keys::room_pin(kApp, "room-a"), "not a pin", 6000, [](Status) {});
  EXPECT_EQ(locate(n1, "room-a").node_id, "n1");
  EXPECT_TRUE(decode_pin(*store.peek(keys::room_pin(kApp, "room-a"))).ok());
}

// ---- Session records (docs/cluster.md "Node loss")

SessionRecord session_of(const std::string& node, const std::string& user) {
  SessionRecord r;
  r.app_id = std::string(kApp);
  r.room_id = "r1";
  r.node_id = node;
  r.member.user_id = user;
  r.member.session_token = "token-of-" + user;
  r.member.grant.join = true;
  r.member.publications = {{StreamKind::Main}};
  return r;
}

TEST_F(CoordinatorTest, SessionRecordsWrittenByOneNodeAreReadByAnother) {
  Status st = make_error("not called");
  n1.save_sessions(std::string(kApp), "r1", {session_of("n1", "alice"), session_of("n1", "bob")},
                   {}, store.now(), [&](Status s) { st = s; });
  ASSERT_TRUE(st.ok()) << st.error().reason;
  EXPECT_EQ(store.ttl_left(keys::room_sessions(kApp, "r1")), config("n1").session_ttl_ms);

  Got<Coordinator::Sessions> got;
  n2.load_sessions(std::string(kApp), "r1", store.now(), got.cb());
  const auto& s = got.ok();
  ASSERT_EQ(s.records.size(), 2u);
  EXPECT_TRUE(s.rejected.empty());
  EXPECT_EQ(s.records[0], session_of("n1", "alice"));
  EXPECT_EQ(s.records[1].member.user_id, "bob");
}

TEST_F(CoordinatorTest, SessionRecordsGoneAreDeletedAndTheHashLivesWhileKept) {
  n1.save_sessions(std::string(kApp), "r1", {session_of("n1", "alice"), session_of("n1", "bob")},
                   {}, store.now(), [](Status) {});
  n1.save_sessions(std::string(kApp), "r1", {}, {"bob"}, store.now(), [](Status) {});
  EXPECT_EQ(store.peek_hash(keys::room_sessions(kApp, "r1")).size(), 1u);
  // The owner keeps them alive; when it stops (it died), they expire after session_ttl_ms.
  for (int i = 0; i < 40; i++) {
    store.advance(1000);
    Got<bool> kept;
    n1.keep_sessions(std::string(kApp), "r1", kept.cb());
    EXPECT_TRUE(kept.ok());
  }
  EXPECT_EQ(store.peek_hash(keys::room_sessions(kApp, "r1")).size(), 1u);
  store.advance(config("n1").session_ttl_ms);
  EXPECT_TRUE(store.peek_hash(keys::room_sessions(kApp, "r1")).empty());
  Got<bool> gone;  // the owner learns they are gone (as after Redis restarted empty)
  n1.keep_sessions(std::string(kApp), "r1", gone.cb());
  EXPECT_FALSE(gone.ok());
}

TEST_F(CoordinatorTest, ForgedMisplacedOrOldSessionRecordsAreRefused) {
  store.advance(10 * 3600 * 1000);  // a clock far enough from 0 to sign in the past
  const auto key = keys::room_sessions(kApp, "r1");
  auto put = [&](const std::string& field, const std::string& value) {
    store.hash_put(key, field, value, 0, [](Status) {});
  };
  put("alice", sign_node_message("another-secret", "n1", store.now(),
                                 encode_session_record(session_of("n1", "alice"))));
  put("bob", sign_node_message("cluster-secret", "n3", store.now(),  // signed by n3, names n1
                               encode_session_record(session_of("n1", "bob"))));
  put("carol", sign_node_message("cluster-secret", "n1", store.now(),  // stored under carol
                                 encode_session_record(session_of("n1", "dave"))));
  put("erin", sign_node_message("cluster-secret", "n1",
                                store.now() - config("n1").max_session_record_age_ms - 1,
                                encode_session_record(session_of("n1", "erin"))));
  put("frank", sign_node_message("cluster-secret", "n1", store.now(), "{not json"));
  put("gina", sign_node_message("cluster-secret", "n1", store.now(),
                                encode_session_record(session_of("n1", "gina"))));
  Got<Coordinator::Sessions> got;
  n2.load_sessions(std::string(kApp), "r1", store.now(), got.cb());
  ASSERT_EQ(got.ok().records.size(), 1u);
  EXPECT_EQ(got.ok().records[0].member.user_id, "gina");
  EXPECT_EQ(got.ok().rejected.size(), 5u);
}

TEST_F(CoordinatorTest, SessionStepsReportAnUnreachableStore) {
  store.set_down(true);
  Status st;
  n1.save_sessions(std::string(kApp), "r1", {session_of("n1", "alice")}, {"bob"}, store.now(),
                   [&](Status s) { st = s; });
  EXPECT_FALSE(st.ok());
  Got<Coordinator::Sessions> got;
  n2.load_sessions(std::string(kApp), "r1", store.now(), got.cb());
  ASSERT_TRUE(got.value.has_value());
  EXPECT_FALSE(got.value->ok());
}

}  // namespace
}  // namespace minirtc::cluster
