#pragma once
// Call records in the server: an EventSink that follows the room events with a usage::Ledger,
// and queues finished records on the database's batched writer (off the event loop). Bytes and
// resolution come from the media hub at two moments (usage/ledger.hpp): when a publisher or
// viewer leaves a stream (the hub's on_departure, which this recorder takes while it lives) and,
// for what is still attached, when a record closes. Nothing runs per packet. It also answers the
// admin usage API from a read connection of its own:
//
//   GET /v1/admin/apps/{appId}/usage?from=MS&to=MS[&roomId=R][&by=room]
//       {"appId", "from", "to", "sessions", "participantMinutes", "publishedMinutes",
//        "subscribedMinutes", "publishedBytes", "subscribedBytes"} (by=room: {"rooms": [...]})
//   GET /v1/admin/apps/{appId}/usage/sessions?from=MS&to=MS[&roomId=R][&limit=N][&cursor=C]
//       [&format=csv]   {"sessions": [...], "next": C|null}, or CSV with a header line
//
// `from` defaults to 0, `to` to now; limit 1..1000 (default 100). Records are written when they
// close (leave, unpublish, unsubscribe); what is open at shutdown is closed then and written.

#include <memory>
#include <string>
#include <string_view>

#include "api/request.hpp"
#include "db/batch_writer.hpp"
#include "db/database.hpp"
#include "http/query.hpp"
#include "server/event_bus.hpp"
#include "usage/ledger.hpp"
#include "util/result.hpp"

namespace minirtc::media {
class Hub;
}

namespace minirtc::server {

class UsageRecorder final : public EventSink {
 public:
  /// Opens (migrating) `<data_dir>/minirtc.db`; errors name the file and the problem. Takes the
  /// hub's on_departure until destroyed.
  static Result<std::unique_ptr<UsageRecorder>> open(const std::string& data_dir, EventBus& bus,
                                                     media::Hub& hub);
  ~UsageRecorder();

  void on_event(const room::Event& event) override;
  /// Closes the records still open (server stopping) and waits for the writer.
  void close_all(std::uint64_t now_ms);

  /// GET /v1/admin/apps/{app_id}/usage (`sessions` false) or .../usage/sessions (true); the
  /// router has checked the method, the admin key and the query's syntax.
  api::Reply handle(std::string_view app_id, bool sessions, const http::Query& query,
                    std::uint64_t now_ms);

  db::WriterStats writer_stats() const { return writer_.stats(); }

 private:
  UsageRecorder(db::Database reader, db::Database writer, EventBus& bus, media::Hub& hub);
  void submit(usage::Records&& records);

  media::Hub& hub_;
  db::Database reader_;
  db::BatchWriter writer_;
  usage::Ledger ledger_;
  EventBus::Subscription subscription_;
};

}  // namespace minirtc::server
