#pragma once
// Call records in the embedded database: the `usage` component's schema (its migrations), the
// writer job for finished records, and the admin queries.
//
// Arithmetic of a usage query over [from_ms, to_ms) (optionally one room):
//   - participant time: each session's overlap with the range, summed (a session from 10:00 to
//     10:30 counts 10 minutes in [10:20, 11:00)); published / subscribed time the same over
//     publications / subscriptions;
//   - bytes: counted whole for the publications / subscriptions that ended inside the range
//     (bytes are known only at the end; a record is never split);
//   - sessions: those that overlap the range.
// Records are written when they close, so a call still running is not in the figures yet.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/batch_writer.hpp"
#include "db/database.hpp"
#include "usage/ledger.hpp"

namespace minirtc::usage {

/// The `usage` component's migrations, in order (db::Database::migrate).
std::span<const std::string_view> migrations();

/// A writer job that stores the records (one transaction with the rest of its batch).
db::BatchWriter::Job write_job(Records records);
/// Stores the records now (tests, tools).
Status write(db::Database& db, const Records& records);

struct UsageQuery {
  std::string app_id;
  std::optional<std::string> room_id;
  std::uint64_t from_ms = 0;
  std::uint64_t to_ms = 0;
};

struct Totals {
  std::string room_id;  // per-room rows only
  std::uint64_t sessions = 0;
  std::uint64_t participant_ms = 0;
  std::uint64_t published_ms = 0;
  std::uint64_t subscribed_ms = 0;
  std::uint64_t published_bytes = 0;
  std::uint64_t subscribed_bytes = 0;
};

/// Totals of the app (or its one room) over the range.
Result<Totals> totals(db::Database& db, const UsageQuery& query);
/// The same per room, rooms in name order.
Result<std::vector<Totals>> totals_by_room(db::Database& db, const UsageQuery& query);

struct SessionPage {
  std::vector<SessionRecord> sessions;
  std::optional<std::int64_t> next;  // cursor of the next page, if any
};
/// Sessions overlapping the range in the order they ended (record id), `limit` a page from
/// `cursor` (0: the first page; `next` of a page: the one after).
Result<SessionPage> sessions(db::Database& db, const UsageQuery& query, std::size_t limit,
                             std::int64_t cursor);

}  // namespace minirtc::usage
