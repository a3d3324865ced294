// Call records: room events become session / publication / subscription records (the ledger),
// stored in a real SQLite file and summed over time ranges (the usage arithmetic).

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "usage/ledger.hpp"
#include "usage/store.hpp"

namespace minirtc::usage {
namespace {

namespace fs = std::filesystem;
using room::Event;
using room::EventKind;

constexpr std::uint64_t kT0 = 1'700'000'000'000;
constexpr std::uint64_t kMin = 60'000;

Event ev(EventKind kind, std::uint64_t t, std::string user = "", std::string publisher = "") {
  Event e;
  e.kind = kind;
  e.app_id = "app";
  e.room_id = "r1";
  e.time_ms = t;
  e.user_id = std::move(user);
  e.publisher = std::move(publisher);
  return e;
}

TEST(Ledger, SessionsAndStreamsCloseIntoRecords) {
  Ledger ledger([](const StreamId& id, const std::string& viewer) {
    // The media plane's figures, all still attached at the close: the publisher sent 1000 bytes
    // at 640x360, the viewer of alice got 600.
    return viewer.empty() ? MediaFigures{{{1, 1000}}, 640, 360}
                          : MediaFigures{{{2, id.user_id == "alice" ? 600u : 0u}}, 640, 360};
  });
  Records out;
  ledger.on_event(ev(EventKind::UserJoined, kT0, "alice"), out);
  Event bob = ev(EventKind::UserJoined, kT0 + kMin, "bob");
  bob.visible = false;
  ledger.on_event(bob, out);
  ledger.on_event(ev(EventKind::PublicationStarted, kT0 + kMin, "alice"), out);
  ledger.on_event(ev(EventKind::SubscriptionStarted, kT0 + 2 * kMin, "bob", "alice"), out);
  EXPECT_TRUE(out.sessions.empty());
  EXPECT_TRUE(out.streams.empty());
  EXPECT_EQ(ledger.open_sessions(), 2u);
  EXPECT_EQ(ledger.open_streams(), 2u);

  ledger.on_event(ev(EventKind::SubscriptionEnded, kT0 + 3 * kMin, "bob", "alice"), out);
  ledger.on_event(ev(EventKind::PublicationEnded, kT0 + 4 * kMin, "alice"), out);
  Event left = ev(EventKind::UserLeft, kT0 + 5 * kMin, "alice");
  left.leave_reason = room::LeaveReason::Kicked;
  ledger.on_event(left, out);

  ASSERT_EQ(out.streams.size(), 2u);
  const StreamRecord& sub = out.streams[0];
  EXPECT_EQ(sub.type, StreamRecord::Type::Subscription);
  EXPECT_EQ(sub.user_id, "bob");
  EXPECT_EQ(sub.publisher, "alice");
  EXPECT_EQ(sub.start_ms, kT0 + 2 * kMin);
  EXPECT_EQ(sub.end_ms, kT0 + 3 * kMin);
  EXPECT_EQ(sub.bytes, 600u);
  const StreamRecord& pub = out.streams[1];
  EXPECT_EQ(pub.type, StreamRecord::Type::Publication);
  EXPECT_EQ(pub.bytes, 1000u);
  EXPECT_EQ(pub.width, 640u);
  EXPECT_EQ(pub.height, 360u);
  ASSERT_EQ(out.sessions.size(), 1u);
  EXPECT_EQ(out.sessions[0].user_id, "alice");
  EXPECT_EQ(out.sessions[0].join_ms, kT0);
  EXPECT_EQ(out.sessions[0].leave_ms, kT0 + 5 * kMin);
  EXPECT_EQ(out.sessions[0].leave_reason, "kicked");

  // Shutdown closes what is still open: bob, invisible.
  ledger.close_all(kT0 + 6 * kMin, out);
  ASSERT_EQ(out.sessions.size(), 2u);
  EXPECT_EQ(out.sessions[1].user_id, "bob");
  EXPECT_FALSE(out.sessions[1].visible);
  EXPECT_EQ(out.sessions[1].leave_reason, "server_stopped");
  EXPECT_EQ(ledger.open_sessions(), 0u);
}

/// The media plane of the ledger tests: what is still attached to each stream, by viewer ("" =
/// the publisher), and the streams' resolution.
struct FakeMedia {
  std::map<std::pair<std::string, std::string>, std::vector<Carried>> attached;  // (user, viewer)
  std::uint32_t width = 0, height = 0;
  Ledger::Figures figures() {
    return [this](const StreamId& id, const std::string& viewer) {
      MediaFigures f;
      if (auto it = attached.find({id.user_id, viewer}); it != attached.end())
        f.attached = it->second;
      f.width = width;
      f.height = height;
      return f;
    };
  }
};

StreamId stream_of(std::string user, StreamKind kind = StreamKind::Main) {
  return StreamId{"app", "r1", std::move(user), kind};
}

Departure publisher_left(std::uint64_t who, std::uint64_t bytes, std::uint32_t w = 0,
                         std::uint32_t h = 0) {
  return {.publisher = true, .viewer = {}, .carried = {who, bytes}, .width = w, .height = h};
}

Departure viewer_left(std::string_view viewer, std::uint64_t who, std::uint64_t bytes,
                      std::uint32_t w = 0, std::uint32_t h = 0) {
  return {.publisher = false, .viewer = viewer, .carried = {who, bytes}, .width = w, .height = h};
}

TEST(Ledger, WhatLeftBeforeTheRecordClosedIsCounted) {
  // A pusher that stopped (its stream long gone from the hub when the room ends the
  // publication), then a player that left before its subscription ended.
  FakeMedia media;  // nothing attached any more, no resolution known at the close
  Ledger ledger(media.figures());
  Records out;
  ledger.on_event(ev(EventKind::PublicationStarted, kT0, "cam"), out);
  ledger.on_event(ev(EventKind::SubscriptionStarted, kT0, "bob", "cam"), out);
  // The pusher reconnected once: two publishes, both counted; the resolution of the last.
  ledger.on_departure(stream_of("cam"), publisher_left(11, 4000, 640, 360));
  ledger.on_departure(stream_of("cam"), publisher_left(12, 2500, 320, 240));
  // bob's player twice; someone else's player and a console preview count for nobody.
  ledger.on_departure(stream_of("cam"), viewer_left("bob", 21, 1500, 320, 240));
  ledger.on_departure(stream_of("cam"), viewer_left("bob", 22, 500));  // resolution unknown: kept
  ledger.on_departure(stream_of("cam"), viewer_left("carol", 23, 9999));
  ledger.on_departure(stream_of("cam"), viewer_left("console-1", 24, 9999));
  // Another stream of the same user (screen) and another user's stream are other records.
  ledger.on_departure(stream_of("cam", StreamKind::Screen), publisher_left(13, 9999));
  ledger.on_departure(stream_of("dan"), publisher_left(14, 9999));

  ledger.on_event(ev(EventKind::SubscriptionEnded, kT0 + kMin, "bob", "cam"), out);
  ledger.on_event(ev(EventKind::PublicationEnded, kT0 + kMin, "cam"), out);
  ASSERT_EQ(out.streams.size(), 2u);
  EXPECT_EQ(out.streams[0].type, StreamRecord::Type::Subscription);
  EXPECT_EQ(out.streams[0].bytes, 2000u);
  EXPECT_EQ(out.streams[0].width, 320u);  // the stream's, seen when its first player left
  EXPECT_EQ(out.streams[0].height, 240u);
  EXPECT_EQ(out.streams[1].type, StreamRecord::Type::Publication);
  EXPECT_EQ(out.streams[1].bytes, 6500u);
  EXPECT_EQ(out.streams[1].width, 320u);
  EXPECT_EQ(out.streams[1].height, 240u);
  EXPECT_EQ(ledger.counted_attachments(), 0u);
}

TEST(Ledger, AnAttachmentStillThereAtTheCloseIsCountedOnce) {
  // An unsubscribe or unpublish ends the record before the connection is closed; a kick may
  // close the stream first. Both orders count each byte once.
  FakeMedia media;
  media.width = 1280;
  media.height = 720;
  Ledger ledger(media.figures());
  Records out;
  ledger.on_event(ev(EventKind::PublicationStarted, kT0, "cam"), out);
  ledger.on_departure(stream_of("cam"), publisher_left(11, 300));  // an earlier connection
  media.attached[{"cam", ""}] = {{12, 1000}};
  ledger.on_event(ev(EventKind::PublicationEnded, kT0 + kMin, "cam"), out);
  ASSERT_EQ(out.streams.size(), 1u);
  EXPECT_EQ(out.streams[0].bytes, 1300u);
  EXPECT_EQ(out.streams[0].width, 1280u);
  EXPECT_EQ(ledger.counted_attachments(), 1u);
  // Its connection closes a moment later, having sent 40 bytes more: no record is open.
  media.attached.clear();
  ledger.on_departure(stream_of("cam"), publisher_left(12, 1040));
  EXPECT_EQ(ledger.counted_attachments(), 0u);

  // A new publication opens before the old connection's departure: it gets only what came after
  // the old record closed, and at its own close only the growth of what is still there.
  ledger.on_event(ev(EventKind::PublicationStarted, kT0 + 2 * kMin, "cam"), out);
  media.attached[{"cam", ""}] = {{31, 5000}};
  ledger.on_event(ev(EventKind::PublicationEnded, kT0 + 3 * kMin, "cam"), out);
  ledger.on_event(ev(EventKind::PublicationStarted, kT0 + 3 * kMin, "cam"), out);
  media.attached[{"cam", ""}] = {{31, 5600}};
  ledger.on_event(ev(EventKind::PublicationEnded, kT0 + 4 * kMin, "cam"), out);
  ledger.on_event(ev(EventKind::PublicationStarted, kT0 + 4 * kMin, "cam"), out);
  media.attached.clear();
  ledger.on_departure(stream_of("cam"), publisher_left(31, 5650));
  ledger.on_event(ev(EventKind::PublicationEnded, kT0 + 5 * kMin, "cam"), out);
  ASSERT_EQ(out.streams.size(), 4u);
  EXPECT_EQ(out.streams[1].bytes, 5000u);
  EXPECT_EQ(out.streams[2].bytes, 600u);
  EXPECT_EQ(out.streams[3].bytes, 50u);
  EXPECT_EQ(ledger.counted_attachments(), 0u);

  // Shutdown forgets what was counted for attachments still there.
  ledger.on_event(ev(EventKind::SubscriptionStarted, kT0 + 5 * kMin, "bob", "cam"), out);
  media.attached[{"cam", "bob"}] = {{41, 10}, {42, 20}};
  ledger.close_all(kT0 + 6 * kMin, out);
  ASSERT_EQ(out.streams.size(), 5u);
  EXPECT_EQ(out.streams[4].bytes, 30u);
  EXPECT_EQ(ledger.counted_attachments(), 0u);
}

TEST(Ledger, BytesBeforeTheRecordOpensCountForNobody) {
  FakeMedia media;
  Ledger ledger(media.figures());
  Records out;
  ledger.on_departure(stream_of("cam"), publisher_left(11, 300, 640, 360));
  ledger.on_event(ev(EventKind::PublicationStarted, kT0, "cam"), out);
  ledger.on_event(ev(EventKind::PublicationEnded, kT0 + kMin, "cam"), out);
  ASSERT_EQ(out.streams.size(), 1u);
  EXPECT_EQ(out.streams[0].bytes, 0u);
  EXPECT_EQ(out.streams[0].width, 0u);
}

TEST(Ledger, AReplacedUserIsTwoSessions) {
  Ledger ledger;
  Records out;
  ledger.on_event(ev(EventKind::UserJoined, kT0, "alice"), out);
  Event replaced = ev(EventKind::UserLeft, kT0 + kMin, "alice");
  replaced.leave_reason = room::LeaveReason::Replaced;
  ledger.on_event(replaced, out);
  ledger.on_event(ev(EventKind::UserJoined, kT0 + kMin, "alice"), out);
  ledger.on_event(ev(EventKind::UserLeft, kT0 + 3 * kMin, "alice"), out);
  ASSERT_EQ(out.sessions.size(), 2u);
  EXPECT_EQ(out.sessions[0].leave_reason, "replaced");
  EXPECT_EQ(out.sessions[1].join_ms, kT0 + kMin);
  EXPECT_EQ(out.sessions[1].leave_reason, "left");
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/minirtc-usage-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    auto opened = db::Database::open((dir / "minirtc.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().reason;
    db.emplace(std::move(*opened));
    ASSERT_TRUE(db->migrate("usage", migrations()).ok());
  }
  void TearDown() override {
    db.reset();
    fs::remove_all(dir);
  }
  void session(std::string room, std::string user, std::uint64_t join, std::uint64_t leave) {
    Records r;
    r.sessions.push_back(
        {"app", std::move(room), std::move(user), true, false, join, leave, "left"});
    ASSERT_TRUE(write(*db, r).ok());
  }
  void stream(StreamRecord::Type type, std::string room, std::uint64_t start, std::uint64_t end,
              std::uint64_t bytes) {
    Records r;
    StreamRecord s;
    s.type = type;
    s.app_id = "app";
    s.room_id = std::move(room);
    s.user_id = "u";
    s.start_ms = start;
    s.end_ms = end;
    s.bytes = bytes;
    r.streams.push_back(s);
    ASSERT_TRUE(write(*db, r).ok());
  }
  fs::path dir;
  std::optional<db::Database> db;
};

TEST_F(StoreTest, UsageSumsTheOverlapWithTheRange) {
  using T = StreamRecord::Type;
  session("r1", "alice", kT0, kT0 + 30 * kMin);            // 10:00-10:30
  session("r1", "bob", kT0 + 20 * kMin, kT0 + 50 * kMin);  // 10:20-10:50
  session("r2", "carol", kT0 + 70 * kMin, kT0 + 80 * kMin);
  session("r1", "old", kT0 - 60 * kMin, kT0 - 30 * kMin);  // before the range
  stream(T::Publication, "r1", kT0, kT0 + 30 * kMin, 5000);
  stream(T::Subscription, "r1", kT0 + 20 * kMin, kT0 + 25 * kMin, 700);
  stream(T::Subscription, "r1", kT0 + 25 * kMin, kT0 + 90 * kMin, 900);  // ends after the range

  // [10:20, 11:00): alice 10 min, bob 30 min; carol is outside.
  UsageQuery q{"app", std::nullopt, kT0 + 20 * kMin, kT0 + 60 * kMin};
  auto t = totals(*db, q);
  ASSERT_TRUE(t.ok()) << t.error().reason;
  EXPECT_EQ(t->sessions, 2u);
  EXPECT_EQ(t->participant_ms, 40 * kMin);
  EXPECT_EQ(t->published_ms, 10 * kMin);
  EXPECT_EQ(t->subscribed_ms, 5 * kMin + 35 * kMin);
  EXPECT_EQ(t->published_bytes, 5000u);  // ended inside the range
  EXPECT_EQ(t->subscribed_bytes, 700u);  // the 900 are counted where that subscription ended

  // The whole day, per room.
  UsageQuery day{"app", std::nullopt, kT0 - 120 * kMin, kT0 + 24 * 60 * kMin};
  auto rooms = totals_by_room(*db, day);
  ASSERT_TRUE(rooms.ok());
  ASSERT_EQ(rooms->size(), 2u);
  EXPECT_EQ((*rooms)[0].room_id, "r1");
  EXPECT_EQ((*rooms)[0].sessions, 3u);
  EXPECT_EQ((*rooms)[0].participant_ms, (30 + 30 + 30) * kMin);
  EXPECT_EQ((*rooms)[0].subscribed_bytes, 1600u);
  EXPECT_EQ((*rooms)[1].room_id, "r2");
  EXPECT_EQ((*rooms)[1].participant_ms, 10 * kMin);

  // One room; another app sees nothing.
  UsageQuery r2{"app", std::string("r2"), day.from_ms, day.to_ms};
  EXPECT_EQ(totals(*db, r2)->participant_ms, 10 * kMin);
  UsageQuery other{"other", std::nullopt, day.from_ms, day.to_ms};
  EXPECT_EQ(totals(*db, other)->sessions, 0u);
}

TEST_F(StoreTest, SessionsArePaginated) {
  for (int i = 0; i < 5; ++i)
    session("r1", "u" + std::to_string(i), kT0 + i * kMin, kT0 + (i + 1) * kMin);
  UsageQuery q{"app", std::nullopt, kT0, kT0 + 60 * kMin};
  auto p1 = sessions(*db, q, 2, 0);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->sessions.size(), 2u);
  EXPECT_EQ(p1->sessions[0].user_id, "u0");
  ASSERT_TRUE(p1->next.has_value());
  auto p2 = sessions(*db, q, 2, *p1->next);
  ASSERT_EQ(p2->sessions.size(), 2u);
  EXPECT_EQ(p2->sessions[0].user_id, "u2");
  auto p3 = sessions(*db, q, 2, *p2->next);
  ASSERT_EQ(p3->sessions.size(), 1u);
  EXPECT_EQ(p3->sessions[0].user_id, "u4");
  EXPECT_FALSE(p3->next.has_value());
}

TEST_F(StoreTest, AFailedWriteNamesTheRecord) {
  // A trigger that refuses every row: the write fails at the step, whose own reason is SQLite's.
  ASSERT_TRUE(db->exec("CREATE TEMP TRIGGER no_sessions BEFORE INSERT ON usage_sessions "
                       "BEGIN SELECT RAISE(ABORT, 'refused'); END;"
                       "CREATE TEMP TRIGGER no_streams BEFORE INSERT ON usage_streams "
                       "BEGIN SELECT RAISE(ABORT, 'refused'); END")
                  .ok());
  Records r;
  r.sessions.push_back({"app", "r1", "alice", true, false, kT0, kT0 + kMin, "left"});
  auto st = write(*db, r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "usage store: insert session app/r1/alice: refused");

  Records s;
  StreamRecord sub;
  sub.type = StreamRecord::Type::Subscription;
  sub.app_id = "app";
  sub.room_id = "r1";
  sub.user_id = "bob";
  sub.publisher = "alice";
  s.streams.push_back(sub);
  st = write(*db, s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "usage store: insert subscription app/r1/bob of alice: refused");
}

TEST_F(StoreTest, AFailedQueryNamesTheTableAndApp) {
  ASSERT_TRUE(db->exec("DROP TABLE usage_streams").ok());
  auto t = totals(*db, UsageQuery{"app", std::nullopt, kT0, kT0 + kMin});
  ASSERT_FALSE(t.ok());
  const std::string& why = t.error().reason;
  EXPECT_EQ(why.rfind("usage store: stream totals of app app: database ", 0), 0u) << why;
  EXPECT_NE(why.find("no such table: usage_streams"), std::string::npos) << why;
}

TEST_F(StoreTest, RecordsWrittenThroughTheBatchedWriterSurviveReopening) {
  {
    auto w = db::Database::open((dir / "minirtc.db").string());
    ASSERT_TRUE(w.ok());
    db::BatchWriter writer(std::move(*w));
    Records r;
    r.sessions.push_back({"app", "r1", "alice", true, false, kT0, kT0 + kMin, "left"});
    writer.submit(write_job(std::move(r)));
  }
  db.reset();
  auto again = db::Database::open((dir / "minirtc.db").string());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->migrate("usage", migrations()).ok());
  UsageQuery q{"app", std::nullopt, kT0, kT0 + kMin};
  EXPECT_EQ(totals(*again, q)->participant_ms, kMin);
}

}  // namespace
}  // namespace minirtc::usage
