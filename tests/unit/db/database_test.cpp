// The embedded database with real SQLite files: WAL, per-component migrations, the errors at
// open (corrupt, not a database, locked by another process), the batched writer.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "db/batch_writer.hpp"
#include "db/database.hpp"

namespace minirtc::db {
namespace {

namespace fs = std::filesystem;

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/minirtc-db-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    path = (dir / "minirtc.db").string();
  }
  void TearDown() override { fs::remove_all(dir); }

  Database must_open(OpenOptions options = {}) {
    auto db = Database::open(path, options);
    EXPECT_TRUE(db.ok()) << (db ? "" : db.error().reason);
    return std::move(*db);
  }
  static std::int64_t count(Database& db, const std::string& table) {
    auto q = db.prepare("SELECT count(*) FROM " + table);
    EXPECT_TRUE(q.ok());
    EXPECT_TRUE(*q->step());
    return q->int64(0);
  }

  fs::path dir;
  std::string path;
};

constexpr std::array<std::string_view, 2> kUsageV2{
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, user TEXT NOT NULL)",
    "ALTER TABLE sessions ADD COLUMN room TEXT NOT NULL DEFAULT ''",
};

TEST_F(DbTest, OpensInWalModeAndKeepsDataAcrossOpens) {
  {
    Database db = must_open();
    auto mode = db.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.ok());
    ASSERT_TRUE(*mode->step());
    EXPECT_EQ(mode->text(0), "wal");
    ASSERT_TRUE(db.exec("CREATE TABLE t (x INTEGER, s TEXT)").ok());
    auto ins = db.prepare("INSERT INTO t VALUES (?, ?)");
    ASSERT_TRUE(ins.ok());
    ASSERT_TRUE(ins->bind_all(42, std::string_view("forty-two")).run().ok());
  }
  Database db = must_open();
  auto q = db.prepare("SELECT x, s FROM t");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->step());
  EXPECT_EQ(q->int64(0), 42);
  EXPECT_EQ(q->text(1), "forty-two");
}

TEST_F(DbTest, ComponentsMigrateIndependently) {
  Database db = must_open();
  const std::array<std::string_view, 1> usage_v1{kUsageV2[0]};
  const std::array<std::string_view, 1> callbacks{
      "CREATE TABLE pending (id INTEGER PRIMARY KEY, body TEXT)"};
  ASSERT_TRUE(db.migrate("usage", usage_v1).ok());
  ASSERT_TRUE(db.migrate("callbacks", callbacks).ok());
  EXPECT_EQ(*db.schema_version("usage"), 1);
  EXPECT_EQ(*db.schema_version("callbacks"), 1);
  EXPECT_EQ(*db.schema_version("recordings"), 0);
  ASSERT_TRUE(db.exec("INSERT INTO sessions(user) VALUES('alice')").ok());

  // A newer binary adds a step to usage only: it runs once, the data stays.
  ASSERT_TRUE(db.migrate("usage", kUsageV2).ok());
  ASSERT_TRUE(db.migrate("usage", kUsageV2).ok());  // again: nothing to do
  EXPECT_EQ(*db.schema_version("usage"), 2);
  EXPECT_EQ(*db.schema_version("callbacks"), 1);
  EXPECT_EQ(count(db, "sessions"), 1);
  EXPECT_TRUE(db.exec("SELECT room FROM sessions").ok());
}

TEST_F(DbTest, AnOlderBinaryRefusesANewerSchema) {
  Database db = must_open();
  ASSERT_TRUE(db.migrate("usage", kUsageV2).ok());
  const std::array<std::string_view, 1> older{kUsageV2[0]};
  Status st = db.migrate("usage", older);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().reason.find("usage schema is at version 2, newer than this binary"),
            std::string::npos)
      << st.error().reason;
}

TEST_F(DbTest, AFailingMigrationLeavesTheVersionAndSchemaAsTheyWere) {
  Database db = must_open();
  const std::array<std::string_view, 2> broken{
      "CREATE TABLE a (x)",
      "CREATE TABLE a (x)",  // fails: already there
  };
  Status st = db.migrate("usage", broken);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().reason.find("usage migration 2"), std::string::npos) << st.error().reason;
  EXPECT_EQ(*db.schema_version("usage"), 0);
  EXPECT_FALSE(db.exec("SELECT * FROM a").ok());  // the first step was rolled back too
}

TEST_F(DbTest, AFileThatIsNotADatabaseIsAnErrorNotAnEmptyDatabase) {
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(8192, 'x');
  }
  auto db = Database::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().reason.find(path), std::string::npos);
  EXPECT_NE(db.error().reason.find("not a database"), std::string::npos) << db.error().reason;
  EXPECT_EQ(fs::file_size(path), 8192u);  // left as it was
}

TEST_F(DbTest, ADamagedDatabaseIsAnError) {
  {
    Database db = must_open();
    ASSERT_TRUE(db.exec("CREATE TABLE t (x TEXT); CREATE INDEX tx ON t(x)").ok());
    ASSERT_TRUE(db.exec("BEGIN").ok());
    for (int i = 0; i < 2000; ++i)
      ASSERT_TRUE(db.exec("INSERT INTO t VALUES (hex(randomblob(40)))").ok());
    ASSERT_TRUE(db.exec("COMMIT; PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  const auto size = fs::file_size(path);
  ASSERT_GT(size, 16 * 4096u);
  {
    // Scribble over pages in the middle (the header stays valid).
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(3 * 4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto db = Database::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().reason.find("damaged"), std::string::npos) << db.error().reason;
}

TEST_F(DbTest, AFileLockedByAnotherProcessIsAnErrorAfterTheBusyTimeout) {
  must_open();  // create it in WAL mode
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Another process takes the write lock and keeps it until told.
    auto other =
        Database::open(path, {.busy_timeout_ms = 1000, .read_only = false, .check = false});
    char c = other && other->exec("BEGIN EXCLUSIVE").ok() ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    (void)!read(release[0], &c, 1);
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto db = Database::open(path, {.busy_timeout_ms = 200, .read_only = false, .check = true});
  (void)!write(release[1], "x", 1);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().reason.find("locked"), std::string::npos) << db.error().reason;
  EXPECT_NE(db.error().reason.find("another minirtc"), std::string::npos);
  // Once the other process is gone the file opens.
  EXPECT_TRUE(Database::open(path).ok());
}

TEST_F(DbTest, AnExclusiveHandleKeepsTheFileToItselfUntilClosed) {
  {
    Database first = must_open({.busy_timeout_ms = 0, .exclusive = true});
    ASSERT_TRUE(first.exec("CREATE TABLE t (x INTEGER)").ok());  // then idle: no transaction open
    auto second = Database::open(path, {.busy_timeout_ms = 0});
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().reason.find("locked"), std::string::npos) << second.error().reason;
    EXPECT_FALSE(fs::exists(path + "-shm"));  // WAL without shared memory
    ASSERT_TRUE(first.exec("INSERT INTO t VALUES (1)").ok());
  }
  Database again = must_open();
  EXPECT_EQ(count(again, "t"), 1);
}

TEST_F(DbTest, CachedStatementsAreReused) {
  Database db = must_open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (x INTEGER)").ok());
  for (int i = 0; i < 3; ++i) {
    auto s = db.cached("INSERT INTO t VALUES (?)");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->bind(1, std::int64_t{i}).run().ok());
  }
  auto a = db.cached("INSERT INTO t VALUES (?)");
  auto b = db.cached("INSERT INTO t VALUES (?)");
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(count(db, "t"), 3);
}

// ---- The batched writer

TEST_F(DbTest, WriterCommitsQueuedJobsInBatchesAndOnFlush) {
  {
    Database setup = must_open();
    ASSERT_TRUE(setup.exec("CREATE TABLE t (x INTEGER)").ok());
  }
  BatchWriter writer(must_open(), {.interval_ms = 60000, .max_batch = 100, .max_queued = 1000});
  for (int i = 0; i < 250; ++i)
    ASSERT_TRUE(writer.submit([i](Database& db) -> Status {
      auto s = db.cached("INSERT INTO t VALUES (?)");
      if (!s) return s.error();
      return (*s)->bind(1, std::int64_t{i}).run();
    }));
  ASSERT_TRUE(writer.flush());
  const auto st = writer.stats();
  EXPECT_EQ(st.written, 250u);
  EXPECT_EQ(st.batches, 3u);  // at most 100 a transaction
  EXPECT_EQ(st.queued, 0u);
  Database reader = must_open({.busy_timeout_ms = 5000, .read_only = true, .check = false});
  EXPECT_EQ(count(reader, "t"), 250);
}

TEST_F(DbTest, WriterSkipsAJobThatFailsForGoodAndKeepsTheOthers) {
  {
    Database setup = must_open();
    ASSERT_TRUE(setup.exec("CREATE TABLE t (x INTEGER UNIQUE)").ok());
  }
  BatchWriter writer(must_open(), {.interval_ms = 60000, .max_batch = 100, .max_queued = 1000});
  auto insert = [](int v) {
    return [v](Database& db) -> Status {
      auto s = db.cached("INSERT INTO t VALUES (?)");
      if (!s) return s.error();
      return (*s)->bind(1, std::int64_t{v}).run();
    };
  };
  writer.submit(insert(1));
  writer.submit([](Database& db) -> Status {
    // Writes a row, then fails: its row must not stay.
    if (auto st = db.exec("INSERT INTO t VALUES (7)"); !st) return st;
    return db.exec("INSERT INTO t VALUES (1)");  // UNIQUE violation
  });
  writer.submit(insert(2));
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(writer.stats().written, 2u);
  EXPECT_EQ(writer.stats().failed, 1u);
  Database reader = must_open();
  EXPECT_EQ(count(reader, "t"), 2);
  auto q = reader.prepare("SELECT count(*) FROM t WHERE x = 7");
  ASSERT_TRUE(*q->step());
  EXPECT_EQ(q->int64(0), 0);
}

TEST_F(DbTest, WriterHoldsBatchesWhileTheFileIsLockedThenWritesThem) {
  {
    Database setup = must_open();
    ASSERT_TRUE(setup.exec("CREATE TABLE t (x INTEGER)").ok());
  }
  Database blocker = must_open();
  BatchWriter writer(must_open({.busy_timeout_ms = 20, .read_only = false, .check = true}),
                     {.interval_ms = 20, .max_batch = 100, .max_queued = 1000});
  ASSERT_TRUE(blocker.exec("BEGIN EXCLUSIVE").ok());
  for (int i = 0; i < 5; ++i)
    writer.submit([](Database& db) { return db.exec("INSERT INTO t VALUES (1)"); });
  EXPECT_FALSE(writer.flush(300));  // held back, not lost
  EXPECT_GT(writer.stats().retries, 0u);
  EXPECT_NE(writer.stats().last_error.find("locked"), std::string::npos);
  ASSERT_TRUE(blocker.exec("COMMIT").ok());
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(writer.stats().written, 5u);
  EXPECT_EQ(count(blocker, "t"), 5);
}

TEST_F(DbTest, WriterRefusesJobsBeyondItsQueueBound) {
  BatchWriter writer(must_open(), {.interval_ms = 60000, .max_batch = 100, .max_queued = 2});
  // The writer thread may already be waiting: nothing is taken before the interval or a flush.
  EXPECT_TRUE(writer.submit([](Database&) { return Status{}; }));
  EXPECT_TRUE(writer.submit([](Database&) { return Status{}; }));
  EXPECT_FALSE(writer.submit([](Database&) { return Status{}; }));
  EXPECT_EQ(writer.stats().dropped, 1u);
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(writer.stats().written, 2u);
}

TEST_F(DbTest, WriterWritesWhatIsQueuedWhenDestroyed) {
  {
    Database setup = must_open();
    ASSERT_TRUE(setup.exec("CREATE TABLE t (x INTEGER)").ok());
    BatchWriter writer(must_open(), {.interval_ms = 60000, .max_batch = 100, .max_queued = 100});
    for (int i = 0; i < 10; ++i)
      writer.submit([](Database& db) { return db.exec("INSERT INTO t VALUES (1)"); });
  }
  Database db = must_open();
  EXPECT_EQ(count(db, "t"), 10);
}

}  // namespace
}  // namespace minirtc::db
