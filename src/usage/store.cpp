#include "usage/store.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>

#include <fmt/format.h>

namespace minirtc::usage {

namespace {

constexpr std::array<std::string_view, 1> kMigrations{
    // 1: sessions and streams (publications and subscriptions), by app and time.
    "CREATE TABLE usage_sessions ("
    " id INTEGER PRIMARY KEY, app TEXT NOT NULL, room TEXT NOT NULL, user TEXT NOT NULL,"
    " visible INTEGER NOT NULL, media_only INTEGER NOT NULL,"
    " join_ms INTEGER NOT NULL, leave_ms INTEGER NOT NULL, leave_reason TEXT NOT NULL);"
    "CREATE INDEX usage_sessions_by_app ON usage_sessions(app, leave_ms);"
    "CREATE TABLE usage_streams ("
    " id INTEGER PRIMARY KEY, type TEXT NOT NULL CHECK (type IN ('publication','subscription')),"
    " app TEXT NOT NULL, room TEXT NOT NULL, user TEXT NOT NULL, publisher TEXT NOT NULL,"
    " screen INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
    " bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL);"
    "CREATE INDEX usage_streams_by_app ON usage_streams(app, end_ms);",
};

// The overlap of [a, b) with the query's [?1, ?2), never negative.
constexpr std::string_view kSessionOverlap = "MAX(0, MIN(leave_ms, ?2) - MAX(join_ms, ?1))";
constexpr std::string_view kStreamOverlap = "MAX(0, MIN(end_ms, ?2) - MAX(start_ms, ?1))";

std::int64_t ms(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

Status bind_and_fold(db::Statement& q, const UsageQuery& query,
                     const std::function<void(db::Statement&)>& row) {
  q.bind(1, ms(query.from_ms)).bind(2, ms(query.to_ms)).bind(3, query.app_id);
  if (query.room_id) q.bind(4, *query.room_id);
  for (;;) {
    auto r = q.step();
    if (!r) return r.error();
    if (!*r) return {};
    row(q);
  }
}

std::string where(const UsageQuery& q, std::string_view start, std::string_view end) {
  // Records overlapping the range (an instant one at its start included).
  std::string w = "app = ?3 AND " + std::string(end) + " >= ?1 AND " + std::string(start) + " < ?2";
  if (q.room_id) w += " AND room = ?4";
  return w;
}

}  // namespace

std::span<const std::string_view> migrations() {
  return kMigrations;
}

Status write(db::Database& db, const Records& records) {
  for (const auto& s : records.sessions) {
    auto q = db.cached(
        "INSERT INTO usage_sessions(app, room, user, visible, media_only, join_ms, leave_ms,"
        " leave_reason) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    auto what = [&] {
      return fmt::format("usage store: insert session {}/{}/{}", s.app_id, s.room_id, s.user_id);
    };
    if (!q) return with_context(q.error(), what());
    (*q)->bind_all(s.app_id, s.room_id, s.user_id, s.visible ? 1 : 0, s.media_only ? 1 : 0,
                   ms(s.join_ms), ms(s.leave_ms), s.leave_reason);
    if (auto st = (*q)->run(); !st) return with_context(st.error(), what());
  }
  for (const auto& r : records.streams) {
    auto q = db.cached(
        "INSERT INTO usage_streams(type, app, room, user, publisher, screen, start_ms, end_ms,"
        " bytes, width, height) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const std::string_view type =
        r.type == StreamRecord::Type::Publication ? "publication" : "subscription";
    auto what = [&] {
      return fmt::format("usage store: insert {} {}/{}/{} of {}", type, r.app_id, r.room_id,
                         r.user_id, r.publisher);
    };
    if (!q) return with_context(q.error(), what());
    (*q)->bind_all(type, r.app_id, r.room_id, r.user_id, r.publisher, r.screen ? 1 : 0,
                   ms(r.start_ms), ms(r.end_ms), ms(r.bytes), std::int64_t{r.width},
                   std::int64_t{r.height});
    if (auto st = (*q)->run(); !st) return with_context(st.error(), what());
  }
  return {};
}

db::BatchWriter::Job write_job(Records records) {
  return [records = std::move(records)](db::Database& db) { return write(db, records); };
}

namespace {

Result<std::vector<Totals>> query_totals(db::Database& db, const UsageQuery& query, bool by_room) {
  const std::string group = by_room ? " GROUP BY room" : "";
  const std::string key = by_room ? "room" : "''";
  std::map<std::string, Totals> rows;
  auto fail = [&](const Error& e, std::string_view table) -> Error {
    return with_context(e, fmt::format("usage store: {} totals of app {}", table, query.app_id));
  };
  auto sessions =
      db.prepare("SELECT " + key + ", count(*), SUM(" + std::string(kSessionOverlap) +
                 ") FROM usage_sessions WHERE " + where(query, "join_ms", "leave_ms") + group);
  if (!sessions) return fail(sessions.error(), "session");
  if (auto st = bind_and_fold(*sessions, query,
                              [&](db::Statement& q) {
                                Totals& t = rows[q.text(0)];
                                t.sessions = static_cast<std::uint64_t>(q.int64(1));
                                t.participant_ms = static_cast<std::uint64_t>(q.int64(2));
                              });
      !st)
    return fail(st.error(), "session");
  auto streams = db.prepare(
      "SELECT " + key + ", type, SUM(" + std::string(kStreamOverlap) +
      "), SUM(CASE WHEN end_ms >= ?1 AND end_ms < ?2 THEN bytes ELSE 0 END) FROM usage_streams"
      " WHERE " +
      where(query, "start_ms", "end_ms") + (by_room ? " GROUP BY room, type" : " GROUP BY type"));
  if (!streams) return fail(streams.error(), "stream");
  if (auto st = bind_and_fold(*streams, query,
                              [&](db::Statement& q) {
                                Totals& t = rows[q.text(0)];
                                const bool pub = q.text(1) == "publication";
                                (pub ? t.published_ms : t.subscribed_ms) =
                                    static_cast<std::uint64_t>(q.int64(2));
                                (pub ? t.published_bytes : t.subscribed_bytes) =
                                    static_cast<std::uint64_t>(q.int64(3));
                              });
      !st)
    return fail(st.error(), "stream");
  std::vector<Totals> out;
  for (auto& [room, t] : rows) {
    t.room_id = by_room ? room : std::string();
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Result<Totals> totals(db::Database& db, const UsageQuery& query) {
  auto rows = query_totals(db, query, false);
  if (!rows) return rows.error();
  Totals t;
  if (!rows->empty()) t = rows->front();
  if (query.room_id) t.room_id = *query.room_id;
  return t;
}

Result<std::vector<Totals>> totals_by_room(db::Database& db, const UsageQuery& query) {
  return query_totals(db, query, true);
}

Result<SessionPage> sessions(db::Database& db, const UsageQuery& query, std::size_t limit,
                             std::int64_t cursor) {
  auto q = db.prepare(
      "SELECT id, app, room, user, visible, media_only, join_ms, leave_ms, leave_reason"
      " FROM usage_sessions WHERE " +
      where(query, "join_ms", "leave_ms") + " AND id > ?5 ORDER BY id LIMIT ?6");
  auto fail = [&](const Error& e) -> Error {
    return with_context(e, fmt::format("usage store: sessions of app {}", query.app_id));
  };
  if (!q) return fail(q.error());
  q->bind(5, cursor).bind(6, static_cast<std::int64_t>(limit) + 1);
  SessionPage page;
  std::int64_t last_id = 0;
  if (auto st = bind_and_fold(*q, query,
                              [&](db::Statement& r) {
                                if (page.sessions.size() == limit) {
                                  page.next = last_id;
                                  return;
                                }
                                last_id = r.int64(0);
                                SessionRecord s;
                                s.app_id = r.text(1);
                                s.room_id = r.text(2);
                                s.user_id = r.text(3);
                                s.visible = r.int64(4) != 0;
                                s.media_only = r.int64(5) != 0;
                                s.join_ms = static_cast<std::uint64_t>(r.int64(6));
                                s.leave_ms = static_cast<std::uint64_t>(r.int64(7));
                                s.leave_reason = r.text(8);
                                page.sessions.push_back(std::move(s));
                              });
      !st)
    return fail(st.error());
  return page;
}

}  // namespace minirtc::usage
