#include "server/callback_store.hpp"

#include <array>

#include <fmt/format.h>

namespace minirtc::server {

namespace {

// Migrations of component "callbacks": step i brings the schema from version i to i + 1. A file
// written by the binaries that opened it themselves is at version 1 with this same schema.
constexpr std::array<std::string_view, 1> kMigrations{
    R"(CREATE TABLE callback_queue(
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         url TEXT NOT NULL, app_id TEXT NOT NULL, room_id TEXT NOT NULL,
         event_id TEXT NOT NULL, event_type TEXT NOT NULL, event_data TEXT NOT NULL,
         event_time_ms INTEGER NOT NULL,
         attempts INTEGER NOT NULL DEFAULT 0,
         first_attempt_ms INTEGER NOT NULL DEFAULT 0,
         next_at_ms INTEGER NOT NULL DEFAULT 0);
       CREATE INDEX callback_queue_lane ON callback_queue(url, app_id, room_id, seq);)",
};

constexpr std::string_view kInsert =
    "INSERT INTO callback_queue(url, app_id, room_id, event_id, event_type, event_data, "
    "event_time_ms) VALUES(?,?,?,?,?,?,?)";
constexpr std::string_view kHead =
    "SELECT seq, url, app_id, room_id, event_id, event_type, event_data, event_time_ms, attempts, "
    "first_attempt_ms, next_at_ms FROM callback_queue WHERE url=? AND app_id=? AND room_id=? "
    "ORDER BY seq LIMIT 1";
constexpr std::string_view kReschedule =
    "UPDATE callback_queue SET attempts=?, first_attempt_ms=?, next_at_ms=? WHERE seq=?";
constexpr std::string_view kRemove = "DELETE FROM callback_queue WHERE seq=?";
// SQLite takes the bare column next_at_ms from the row that gives MIN(seq): the lane's head.
constexpr std::string_view kLanes =
    "SELECT url, app_id, room_id, next_at_ms, MIN(seq) FROM callback_queue "
    "GROUP BY url, app_id, room_id";
constexpr std::string_view kCount = "SELECT COUNT(*) FROM callback_queue";

}  // namespace

std::span<const std::string_view> CallbackStore::migrations() {
  return kMigrations;
}

Result<std::unique_ptr<CallbackStore>> CallbackStore::open(const std::string& path) {
  // The database layer's reason says what is wrong and what to do; this says what the file is.
  auto fail = [](const Error& e) { return with_context(e, "callback queue"); };
  // No busy wait: the lock is held for the connection's life (exclusive), so a second opener
  // would wait in vain.
  auto db = db::Database::open(path, {.busy_timeout_ms = 0, .exclusive = true});
  if (!db) return fail(db.error());
  if (auto st = db->migrate(kComponent, migrations()); !st) return fail(st.error());
  auto store = std::make_unique<CallbackStore>(std::move(*db));
  // Prepared now: a schema the statements do not fit is an error at start, not at first use.
  for (auto sql : {kInsert, kHead, kReschedule, kRemove, kLanes, kCount})
    if (auto s = store->statement(sql); !s) return fail(s.error());
  return store;
}

Result<db::Statement*> CallbackStore::statement(std::string_view sql) {
  return db_.cached(sql);
}

Status CallbackStore::enqueue(std::span<const QueuedDelivery> rows) {
  if (rows.empty()) return {};
  constexpr std::string_view what = "callback queue: enqueue";
  if (auto st = db_.exec("BEGIN IMMEDIATE"); !st) return with_context(st.error(), what);
  auto rollback = [&](Error e) -> Status {
    (void)db_.exec("ROLLBACK");
    return with_context(std::move(e), what);
  };
  auto insert = statement(kInsert);
  if (!insert) return rollback(insert.error());
  for (const auto& r : rows) {
    (*insert)->bind_all(r.url, r.app_id, r.room_id, r.event_id, r.event_type, r.event_data,
                        r.event_time_ms);
    if (auto st = (*insert)->run(); !st)
      return rollback(
          with_context(st.error(), fmt::format("{} {} for {}/{} to {}", r.event_type, r.event_id,
                                               r.app_id, r.room_id, r.url)));
  }
  if (auto st = db_.exec("COMMIT"); !st) return rollback(st.error());
  return {};
}

Result<std::optional<QueuedDelivery>> CallbackStore::head(const LaneKey& lane) {
  auto what = [&] {
    return fmt::format("callback queue: head of lane {}/{} to {}", lane.app_id, lane.room_id,
                       lane.url);
  };
  auto s = statement(kHead);
  if (!s) return with_context(s.error(), what());
  auto& q = **s;
  q.bind_all(lane.url, lane.app_id, lane.room_id);
  auto row = q.step();
  if (!row) {
    q.reset();
    return with_context(row.error(), what());
  }
  if (!*row) {
    q.reset();
    return std::optional<QueuedDelivery>();
  }
  QueuedDelivery d;
  d.seq = q.int64(0);
  d.url = q.text(1);
  d.app_id = q.text(2);
  d.room_id = q.text(3);
  d.event_id = q.text(4);
  d.event_type = q.text(5);
  d.event_data = q.text(6);
  d.event_time_ms = static_cast<std::uint64_t>(q.int64(7));
  d.attempts = static_cast<std::uint32_t>(q.int64(8));
  d.first_attempt_ms = static_cast<std::uint64_t>(q.int64(9));
  d.next_at_ms = static_cast<std::uint64_t>(q.int64(10));
  q.reset();  // ends the read at once
  return std::optional<QueuedDelivery>(std::move(d));
}

Status CallbackStore::reschedule(std::int64_t seq, std::uint32_t attempts,
                                 std::uint64_t first_attempt_ms, std::uint64_t next_at_ms) {
  auto what = [&] { return fmt::format("callback queue: reschedule delivery #{}", seq); };
  auto s = statement(kReschedule);
  if (!s) return with_context(s.error(), what());
  if (auto st = (*s)->bind_all(attempts, first_attempt_ms, next_at_ms, seq).run(); !st)
    return with_context(st.error(), what());
  return {};
}

Status CallbackStore::remove(std::int64_t seq) {
  auto what = [&] { return fmt::format("callback queue: remove delivery #{}", seq); };
  auto s = statement(kRemove);
  if (!s) return with_context(s.error(), what());
  if (auto st = (*s)->bind_all(seq).run(); !st) return with_context(st.error(), what());
  return {};
}

Result<std::vector<LaneHead>> CallbackStore::lanes() {
  constexpr std::string_view what = "callback queue: list lanes";
  auto s = statement(kLanes);
  if (!s) return with_context(s.error(), what);
  auto& q = **s;
  std::vector<LaneHead> out;
  Result<bool> row = false;
  while ((row = q.step()) && *row)
    out.push_back({{q.text(0), q.text(1), q.text(2)}, static_cast<std::uint64_t>(q.int64(3))});
  q.reset();
  if (!row) return with_context(row.error(), what);
  return out;
}

Result<std::uint64_t> CallbackStore::count() {
  constexpr std::string_view what = "callback queue: count deliveries";
  auto s = statement(kCount);
  if (!s) return with_context(s.error(), what);
  auto& q = **s;
  auto row = q.step();
  const auto n = row && *row ? static_cast<std::uint64_t>(q.int64(0)) : 0;
  q.reset();
  if (!row) return with_context(row.error(), what);
  return n;
}

}  // namespace minirtc::server
