#pragma once
// The callback queue on disk, so pending callbacks survive a restart or a crash. A row is one
// delivery: one event for one URL, with its EventId (given once, when the event is queued: a
// redelivery after a crash carries the same EventId), its attempts and when to try next. Rows of
// one lane (URL, app, room) are delivered in `seq` order: the head of a lane is its smallest
// `seq`.
//
// The file is opened by the shared database layer (db::Database: WAL, synchronous=NORMAL, a quick
// check at open, per-component migrations in `schema_versions`); this file holds only the
// "callbacks" component's schema (its migrations, in callback_store.cpp) and its queries.
//
// Why a file of its own, `<data_dir>/callbacks.db`, and not a component of `minirtc.db`: the
// queue is written on the event loop, because CallbackService sends nothing that is not committed
// first (callbacks.hpp), and that loop also carries every viewer's media. In callbacks.db the
// loop is the only writer, so a commit never waits for another connection's lock: it is an append
// to the WAL without fsync. In minirtc.db it would share the one write lock with the usage
// records' writer thread (db::BatchWriter), whose transactions hold it for a whole batch of up to
// 5,000 records and through a checkpoint's fsync: an enqueue would wait out that lock (the busy
// timeout is 5 s) with all media stalled behind it. Handing the queue to that writer thread
// instead would make every delivery wait for the writer's next round (up to 200 ms, more while it
// retries a full disk) before it may be sent, and bind the queue to the writer's policy of
// dropping jobs when its queue is full or when the disk still refuses at shutdown, weaker than
// "committed before sent". (SQLite's automatic checkpoint still runs on the loop, in the commit
// that crosses 1,000 pages of WAL; it is what the queue cost before this change too.)
//
// Guarantees, as before:
//   - WAL with synchronous=NORMAL: a process crash (SIGKILL) loses no committed row; a power cut
//     may lose the last commits;
//   - locking_mode=EXCLUSIVE with no busy wait: a second server on the same data directory fails
//     at start ("database is locked") instead of delivering everything twice;
//   - a file that is not a database, or fails the quick check, stops the start with the reason
//     (db::Database::open): the queue is never silently replaced by an empty one.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"
#include "util/result.hpp"
#include "webhook/delivery_queue.hpp"

namespace minirtc::server {

struct QueuedDelivery {
  std::int64_t seq = 0;  // set by the store
  std::string url, app_id, room_id;
  std::string event_id, event_type, event_data;
  std::uint64_t event_time_ms = 0;
  std::uint32_t attempts = 0;
  std::uint64_t first_attempt_ms = 0;  // 0: never tried
  std::uint64_t next_at_ms = 0;
};

using LaneKey = webhook::LaneKey;  // (url, app, room)

struct LaneHead {
  LaneKey lane;
  std::uint64_t next_at_ms = 0;  // of the lane's first row
};

class CallbackStore {
 public:
  /// The queue's file name inside the data dir.
  static constexpr std::string_view kFileName = "callbacks.db";
  /// The component's name in `schema_versions`.
  static constexpr std::string_view kComponent = "callbacks";
  /// The "callbacks" component's migrations, in order (db::Database::migrate).
  static std::span<const std::string_view> migrations();

  /// Opens (creating, migrating) the queue at `path`. Errors name the file and the problem.
  static Result<std::unique_ptr<CallbackStore>> open(const std::string& path);
  explicit CallbackStore(db::Database db) : db_(std::move(db)) {}

  /// All rows in one transaction, in order.
  Status enqueue(std::span<const QueuedDelivery> rows);
  /// The lane's first row.
  Result<std::optional<QueuedDelivery>> head(const LaneKey& lane);
  Status reschedule(std::int64_t seq, std::uint32_t attempts, std::uint64_t first_attempt_ms,
                    std::uint64_t next_at_ms);
  Status remove(std::int64_t seq);
  /// Every lane with rows, with when its first row is due (at start).
  Result<std::vector<LaneHead>> lanes();
  Result<std::uint64_t> count();

 private:
  Result<db::Statement*> statement(std::string_view sql);

  db::Database db_;
};

}  // namespace minirtc::server
