#include "server/callback_store.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace minirtc::server {

namespace {

// Migrations of component "callbacks": step i brings the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
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
static_assert(std::size(kMigrations) == CallbackStore::kSchemaVersion);

std::string text(sqlite3_stmt* s, int col) {
  const auto* p = sqlite3_column_text(s, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
           : std::string();
}

void bind(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void bind(sqlite3_stmt* s, int i, std::uint64_t v) {
  sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(v));
}

}  // namespace

void CallbackStore::StmtDeleter::operator()(sqlite3_stmt* s) const noexcept {
  sqlite3_finalize(s);
}

Error CallbackStore::error(std::string_view what) const {
  return make_error(fmt::format("callback queue: {}: {}", what, sqlite3_errmsg(db_)));
}

Status CallbackStore::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return make_error(fmt::format("callback queue: {}", m));
  }
  return {};
}

Result<std::unique_ptr<CallbackStore>> CallbackStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto store = std::make_unique<CallbackStore>(Key{}, db);  // owns db even on failure
  if (rc != SQLITE_OK) return make_error(fmt::format("{}: {}", path, sqlite3_errstr(rc)));
  auto fail = [&](const Error& e) {
    return make_error(
        fmt::format("{}: {} (the queue of pending callbacks; repair or move the "
                    "file away to start with an empty queue)",
                    path, e.reason));
  };
  for (const char* pragma : {"PRAGMA busy_timeout=0", "PRAGMA locking_mode=EXCLUSIVE",
                             "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"})
    if (auto st = store->exec(pragma); !st) return fail(st.error());
  {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &raw, nullptr) != SQLITE_OK)
      return fail(store->error("quick check"));
    Stmt s(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return fail(store->error("quick check"));
    if (auto r = text(raw, 0); r != "ok") return fail(make_error("damaged: " + r));
  }
  if (auto st = store->migrate(); !st) return fail(st.error());
  if (auto st = store->prepare(); !st) return fail(st.error());
  return store;
}

CallbackStore::~CallbackStore() {
  insert_.reset();
  head_.reset();
  reschedule_.reset();
  remove_.reset();
  lanes_.reset();
  count_.reset();
  sqlite3_close(db_);
}

Status CallbackStore::migrate() {
  if (auto st = exec("BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_versions("
                     "component TEXT PRIMARY KEY, version INTEGER NOT NULL); COMMIT;");
      !st)
    return st;
  int version = 0;
  {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT version FROM schema_versions WHERE component='callbacks'",
                           -1, &raw, nullptr) != SQLITE_OK)
      return error("schema version");
    Stmt s(raw);
    if (sqlite3_step(raw) == SQLITE_ROW) version = sqlite3_column_int(raw, 0);
  }
  if (version > kSchemaVersion)
    return make_error(
        fmt::format("schema version {} is newer than this binary's {}", version, kSchemaVersion));
  for (int v = version; v < kSchemaVersion; ++v) {
    const auto sql = fmt::format(
        "BEGIN IMMEDIATE; {}; INSERT INTO schema_versions(component, version) "
        "VALUES('callbacks', {}) ON CONFLICT(component) DO UPDATE SET "
        "version=excluded.version; COMMIT;",
        kMigrations[v], v + 1);
    if (auto st = exec(sql.c_str()); !st) {
      (void)exec("ROLLBACK");
      return st;
    }
  }
  return {};
}

Status CallbackStore::prepare() {
  auto p = [&](Stmt& out, const char* sql) -> Status {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) return error(sql);
    out.reset(raw);
    return {};
  };
  constexpr const char* kColumns =
      "seq, url, app_id, room_id, event_id, event_type, event_data, event_time_ms, attempts, "
      "first_attempt_ms, next_at_ms";
  const auto head_sql = fmt::format(
      "SELECT {} FROM callback_queue WHERE url=? AND app_id=? AND room_id=? ORDER BY seq LIMIT 1",
      kColumns);
  for (auto st : {
           p(insert_,
             "INSERT INTO callback_queue(url, app_id, room_id, event_id, event_type, event_data, "
             "event_time_ms) VALUES(?,?,?,?,?,?,?)"),
           p(head_, head_sql.c_str()),
           p(reschedule_,
             "UPDATE callback_queue SET attempts=?, first_attempt_ms=?, next_at_ms=? WHERE seq=?"),
           p(remove_, "DELETE FROM callback_queue WHERE seq=?"),
           p(lanes_, "SELECT DISTINCT url, app_id, room_id FROM callback_queue"),
           p(count_, "SELECT COUNT(*) FROM callback_queue"),
       })
    if (!st) return st;
  return {};
}

Status CallbackStore::enqueue(std::span<const QueuedDelivery> rows) {
  if (rows.empty()) return {};
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st;
  for (const auto& r : rows) {
    auto* s = insert_.get();
    sqlite3_reset(s);
    bind(s, 1, r.url);
    bind(s, 2, r.app_id);
    bind(s, 3, r.room_id);
    bind(s, 4, r.event_id);
    bind(s, 5, r.event_type);
    bind(s, 6, r.event_data);
    bind(s, 7, r.event_time_ms);
    if (sqlite3_step(s) != SQLITE_DONE) {
      auto e = error("insert");
      sqlite3_reset(s);
      (void)exec("ROLLBACK");
      return e;
    }
  }
  sqlite3_reset(insert_.get());
  if (auto st = exec("COMMIT"); !st) {
    (void)exec("ROLLBACK");
    return st;
  }
  return {};
}

Result<std::optional<QueuedDelivery>> CallbackStore::head(const LaneKey& lane) {
  auto* s = head_.get();
  sqlite3_reset(s);
  bind(s, 1, lane.url);
  bind(s, 2, lane.app_id);
  bind(s, 3, lane.room_id);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<QueuedDelivery>();
  if (rc != SQLITE_ROW) return error("read");
  QueuedDelivery d;
  d.seq = sqlite3_column_int64(s, 0);
  d.url = text(s, 1);
  d.app_id = text(s, 2);
  d.room_id = text(s, 3);
  d.event_id = text(s, 4);
  d.event_type = text(s, 5);
  d.event_data = text(s, 6);
  d.event_time_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 7));
  d.attempts = static_cast<std::uint32_t>(sqlite3_column_int64(s, 8));
  d.first_attempt_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 9));
  d.next_at_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 10));
  sqlite3_reset(s);
  return std::optional<QueuedDelivery>(std::move(d));
}

Status CallbackStore::reschedule(std::int64_t seq, std::uint32_t attempts,
                                 std::uint64_t first_attempt_ms, std::uint64_t next_at_ms) {
  auto* s = reschedule_.get();
  sqlite3_reset(s);
  bind(s, 1, std::uint64_t{attempts});
  bind(s, 2, first_attempt_ms);
  bind(s, 3, next_at_ms);
  sqlite3_bind_int64(s, 4, seq);
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return error("update");
  return {};
}

Status CallbackStore::remove(std::int64_t seq) {
  auto* s = remove_.get();
  sqlite3_reset(s);
  sqlite3_bind_int64(s, 1, seq);
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return error("delete");
  return {};
}

Result<std::vector<LaneKey>> CallbackStore::lanes() {
  auto* s = lanes_.get();
  sqlite3_reset(s);
  std::vector<LaneKey> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back({text(s, 0), text(s, 1), text(s, 2)});
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return error("lanes");
  return out;
}

Result<std::uint64_t> CallbackStore::count() {
  auto* s = count_.get();
  sqlite3_reset(s);
  if (sqlite3_step(s) != SQLITE_ROW) return error("count");
  const auto n = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  sqlite3_reset(s);
  return n;
}

}  // namespace minirtc::server
