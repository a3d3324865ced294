// The callback queue on disk (server/callback_store.hpp) with a real SQLite file: order per lane,
// rows kept across a reopen and across a SIGKILL of the process that committed them, one server
// per file, a damaged file refused, the schema of the files written before the queue moved onto
// db::Database opened as it is, a newer schema refused.

#include "server/callback_store.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace minirtc::server {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path =
      fs::temp_directory_path() / ("cbstore-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string db() const { return (path / "callbacks.db").string(); }
};

QueuedDelivery row(std::string room, std::string id) {
  QueuedDelivery d;
  d.url = "http://h/";
  d.app_id = "app";
  d.room_id = std::move(room);
  d.event_id = std::move(id);
  d.event_type = "UserJoined";
  d.event_data = "{}";
  d.event_time_ms = 42;
  return d;
}

TEST(CallbackStore, LanesKeepTheirOrderAndSurviveAReopen) {
  TempDir dir;
  {
    auto s = CallbackStore::open(dir.db());
    ASSERT_TRUE(s) << s.error().reason;
    std::vector<QueuedDelivery> rows{row("r1", "a"), row("r2", "b"), row("r1", "c")};
    ASSERT_TRUE((*s)->enqueue(rows));
    auto h = (*s)->head({"http://h/", "app", "r1"});
    ASSERT_TRUE(h && *h);
    EXPECT_EQ((*h)->event_id, "a");
    ASSERT_TRUE((*s)->reschedule((*h)->seq, 2, 100, 5000));
    // A later row's time is not the lane's: lanes() reports the head's.
    auto c = (*s)->head({"http://h/", "app", "r2"});
    ASSERT_TRUE(c && *c);
    ASSERT_TRUE((*s)->reschedule((*c)->seq + 1, 0, 0, 7));  // row "c", second in lane r1
  }
  auto s = CallbackStore::open(dir.db());
  ASSERT_TRUE(s) << s.error().reason;
  EXPECT_EQ(*(*s)->count(), 3u);
  auto lanes = (*s)->lanes();
  ASSERT_TRUE(lanes) << lanes.error().reason;
  ASSERT_EQ(lanes->size(), 2u);
  for (const auto& l : *lanes) {
    EXPECT_EQ(l.lane.url, "http://h/");
    EXPECT_EQ(l.next_at_ms, l.lane.room_id == "r1" ? 5000u : 0u) << l.lane.room_id;
  }
  auto h = (*s)->head({"http://h/", "app", "r1"});
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->event_id, "a");
  EXPECT_EQ((*h)->attempts, 2u);
  EXPECT_EQ((*h)->first_attempt_ms, 100u);
  EXPECT_EQ((*h)->next_at_ms, 5000u);
  EXPECT_EQ((*h)->event_time_ms, 42u);
  ASSERT_TRUE((*s)->remove((*h)->seq));
  EXPECT_EQ((**(*s)->head({"http://h/", "app", "r1"})).event_id, "c");
  EXPECT_FALSE(*(*s)->head({"http://h/", "app", "nope"}));
}

TEST(CallbackStore, OneOpenerPerFile) {
  TempDir dir;
  auto first = CallbackStore::open(dir.db());
  ASSERT_TRUE(first) << first.error().reason;
  auto second = CallbackStore::open(dir.db());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().reason.find("locked"), std::string::npos) << second.error().reason;
}

TEST(CallbackStore, ADamagedFileIsAnErrorNeverReplaced) {
  TempDir dir;
  {
    std::ofstream f(dir.db(), std::ios::binary);
    for (int i = 0; i < 200; ++i) f << "not a database at all ";
  }
  const auto size = fs::file_size(dir.db());
  auto s = CallbackStore::open(dir.db());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().reason.find("not a database"), std::string::npos) << s.error().reason;
  EXPECT_EQ(fs::file_size(dir.db()), size);
}

TEST(CallbackStore, CommittedRowsSurviveASigkill) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Enqueue, say so, then wait to be killed: no close, no destructor runs.
    auto s = CallbackStore::open(dir.db());
    std::vector<QueuedDelivery> rows{row("r1", "a"), row("r1", "b")};
    const char c = s && (*s)->enqueue(rows).ok() ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    for (;;) pause();
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto s = CallbackStore::open(dir.db());
  ASSERT_TRUE(s) << s.error().reason;
  EXPECT_EQ(*(*s)->count(), 2u);
  EXPECT_EQ((**(*s)->head({"http://h/", "app", "r1"})).event_id, "a");
}

TEST(CallbackStore, OpensTheFilesOfTheFormerOpenerAsTheyAre) {
  TempDir dir;
  {
    // What callbacks.db looked like when callback_store.cpp opened it itself: the same
    // schema_versions table and the callbacks schema at version 1, with a row.
    auto raw = db::Database::open(dir.db());
    ASSERT_TRUE(raw) << raw.error().reason;
    ASSERT_TRUE(
        raw->exec("CREATE TABLE schema_versions(component TEXT PRIMARY KEY, "
                  "version INTEGER NOT NULL); "
                  "INSERT INTO schema_versions VALUES('callbacks', 1)"));
    ASSERT_TRUE(raw->exec(std::string(CallbackStore::migrations()[0])));
    ASSERT_TRUE(
        raw->exec("INSERT INTO callback_queue(url, app_id, room_id, event_id, event_type, "
                  "event_data, event_time_ms, attempts) "
                  "VALUES('http://h/', 'app', 'r1', 'old', 'RoomCreated', '{}', 7, 3)"));
  }
  auto s = CallbackStore::open(dir.db());
  ASSERT_TRUE(s) << s.error().reason;
  auto h = (*s)->head({"http://h/", "app", "r1"});
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->event_id, "old");
  EXPECT_EQ((*h)->attempts, 3u);
}

TEST(CallbackStore, ANewerSchemaIsRefused) {
  TempDir dir;
  {
    auto raw = db::Database::open(dir.db());
    ASSERT_TRUE(raw) << raw.error().reason;
    ASSERT_TRUE(
        raw->exec("CREATE TABLE schema_versions(component TEXT PRIMARY KEY, "
                  "version INTEGER NOT NULL); "
                  "INSERT INTO schema_versions VALUES('callbacks', 99)"));
  }
  auto s = CallbackStore::open(dir.db());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().reason.find("newer than this binary"), std::string::npos) << s.error().reason;
  EXPECT_NE(s.error().reason.find("callbacks.db"), std::string::npos) << s.error().reason;
}

TEST(CallbackStore, AFailedWriteNamesTheDeliveryAndTheStep) {
  TempDir dir;
  {
    // Triggers that refuse the writes on one event id: each step then fails with SQLite's own
    // reason, and the store puts the row and the step in front of it.
    auto raw = db::Database::open(dir.db());
    ASSERT_TRUE(raw) << raw.error().reason;
    ASSERT_TRUE(raw->migrate(CallbackStore::kComponent, CallbackStore::migrations()));
    ASSERT_TRUE(
        raw->exec("INSERT INTO callback_queue(url, app_id, room_id, event_id, event_type, "
                  "event_data, event_time_ms) "
                  "VALUES('http://h/', 'app', 'r1', 'bad', 'UserJoined', '{}', 7)"));
    for (const char* op : {"INSERT", "UPDATE", "DELETE"})
      ASSERT_TRUE(raw->exec(fmt::format(
          "CREATE TRIGGER no_{0} BEFORE {0} ON callback_queue WHEN {1}.event_id = 'bad' "
          "BEGIN SELECT RAISE(ABORT, 'refused'); END",
          op, std::string_view(op) == "INSERT" ? "NEW" : "OLD")));
  }
  auto s = CallbackStore::open(dir.db());
  ASSERT_TRUE(s) << s.error().reason;
  std::vector<QueuedDelivery> rows{row("r2", "ok"), row("r2", "bad")};
  auto st = (*s)->enqueue(rows);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().reason,
            "callback queue: enqueue: UserJoined bad for app/r2 to http://h/: refused");
  EXPECT_EQ(*(*s)->count(), 1u);  // the transaction was rolled back: "ok" is not there either
  auto h = (*s)->head({"http://h/", "app", "r1"});
  ASSERT_TRUE(h && *h);
  const auto seq = (*h)->seq;
  st = (*s)->reschedule(seq, 1, 2, 3);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().reason,
            fmt::format("callback queue: reschedule delivery #{}: refused", seq));
  st = (*s)->remove(seq);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().reason, fmt::format("callback queue: remove delivery #{}: refused", seq));
}

}  // namespace
}  // namespace minirtc::server
