#pragma once
// The callback queue on disk: one SQLite file, `<data_dir>/callbacks.db`, so pending callbacks
// survive a restart or a crash. A row is one delivery: one event for one URL, with its EventId
// (given once, when the event is queued: a redelivery after a crash carries the same EventId),
// its attempts and when to try next. Rows of one lane (URL, app, room) are delivered in `seq`
// order: the head of a lane is its smallest `seq`.
//
// WAL journal with synchronous=NORMAL: a commit is a write into the log, not an fsync, so a
// process crash (SIGKILL) loses no committed row and queuing costs the event loop microseconds;
// a power cut may lose the last commits. locking_mode=EXCLUSIVE: a second server on the same data
// directory fails at start ("database is locked") instead of delivering everything twice. A file
// that is not a database, or fails SQLite's quick check, stops the start with the reason: the
// queue is never silently replaced by an empty one.
//
// Schema versions are per component (table `schema_versions`, component "callbacks"), each
// migration a step in callback_store.cpp applied in one transaction.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

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

struct LaneKey {
  std::string url, app_id, room_id;
  auto operator<=>(const LaneKey&) const = default;
};

class CallbackStore {
 public:
  static constexpr int kSchemaVersion = 1;

  static Result<std::unique_ptr<CallbackStore>> open(const std::string& path);
  class Key {
    Key() = default;
    friend class CallbackStore;
  };
  CallbackStore(Key, sqlite3* db) : db_(db) {}
  ~CallbackStore();
  CallbackStore(const CallbackStore&) = delete;
  CallbackStore& operator=(const CallbackStore&) = delete;

  /// All rows in one transaction, in order.
  Status enqueue(std::span<const QueuedDelivery> rows);
  /// The lane's first row.
  Result<std::optional<QueuedDelivery>> head(const LaneKey& lane);
  Status reschedule(std::int64_t seq, std::uint32_t attempts, std::uint64_t first_attempt_ms,
                    std::uint64_t next_at_ms);
  Status remove(std::int64_t seq);
  /// Every lane with rows (at start).
  Result<std::vector<LaneKey>> lanes();
  Result<std::uint64_t> count();

 private:
  Status exec(const char* sql);
  Status prepare();
  Status migrate();
  Error error(std::string_view what) const;

  struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const noexcept;
  };
  using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;
  sqlite3* db_;
  Stmt insert_, head_, reschedule_, remove_, lanes_, count_;
};

}  // namespace minirtc::server
