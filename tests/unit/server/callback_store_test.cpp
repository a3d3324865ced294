// The callback queue on disk (server/callback_store.hpp) with a real SQLite file: order per lane,
// rows kept across a reopen, one server per file, a damaged file refused.

#include "server/callback_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  }
  auto s = CallbackStore::open(dir.db());
  ASSERT_TRUE(s) << s.error().reason;
  EXPECT_EQ(*(*s)->count(), 3u);
  EXPECT_EQ((*s)->lanes()->size(), 2u);
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

}  // namespace
}  // namespace minirtc::server
