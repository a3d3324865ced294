#pragma once
// Callbacks to app servers (webhooks): room, user, stream, mute and recording events posted to
// the URLs of each app's `callback_urls`, in the envelope of webhook/envelope.hpp.
//
// Delivery is at least once and in order per room: an event is queued on disk (server/
// callback_store.hpp) with its EventId before anything is sent, once per URL; each lane (URL,
// app, room) sends its oldest delivery and only after a 200 the next one. A failed attempt (no
// 200 within callbacks.timeout_ms, a refused connection, an answer longer than
// callbacks.max_response_bytes) is retried by webhook/retry.hpp's rule, then given up and
// counted; a 200 from a URL makes every lane waiting on it for a retry due at once (the receiver
// is back). Which lane sends when is webhook/delivery_queue.hpp's rule, so a pump costs the lanes
// that may send, not the lanes queued. Events raised during one handler are written in one
// transaction, right after it.
//
// Nothing here blocks signalling or media: sends are asynchronous on the server's loop, at most
// callbacks.max_in_flight at once (kMaxInFlightPerUrl per URL, so one hanging receiver cannot
// hold every slot), each bounded in time and bytes (server/callback_http.hpp).
//
// What the configuration says at delivery time decides: a delivery whose app is gone (removed by
// SIGHUP) or whose URL the app no longer lists is dropped and counted (reason "app_removed",
// "url_removed"), and the current callback key signs. Beyond callbacks.max_queued pending
// deliveries new events are dropped and counted ("queue_full").

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/json/object.hpp>

#include "server/callback_http.hpp"
#include "server/callback_store.hpp"
#include "server/context.hpp"
#include "server/event_bus.hpp"
#include "webhook/delivery_queue.hpp"
#include "webhook/events.hpp"

namespace minirtc::server {

struct CallbackEvent {
  webhook::EventType type = webhook::EventType::RoomCreated;
  std::string app_id;
  std::string room_id;
  boost::json::object data;  // EventData besides roomId (added here)
  std::uint64_t time_ms = 0;
};

/// Subscribed to the server's EventBus: room events become callbacks (webhook/room_events.hpp).
class CallbackService final : public EventSink {
 public:
  static constexpr std::uint32_t kMaxInFlightPerUrl = 8;
  static constexpr std::size_t kRecentDeliveries = 200;

  /// Opens `<data_dir>/callbacks.db` (an error stops the start) and the client TLS context.
  static Result<std::unique_ptr<CallbackService>> open(ServerContext& ctx);
  CallbackService(ServerContext& ctx, std::unique_ptr<CallbackStore> store);
  ~CallbackService();

  void on_event(const room::Event& event) override;
  /// Queues the event for each URL of its app that wants it (nothing when none does). Written to
  /// disk at the end of the current handler, with the other events raised in it.
  void emit(CallbackEvent event);
  /// Sends what is due. Called on the server's tick (which is when retries come due) and whenever
  /// a send ends.
  void pump();
  void append_metrics(std::string& out) const;
  /// GET /v1/admin/callbacks: counters and the latest deliveries with their outcomes.
  std::string admin_json() const;
  /// Stops sending (shutdown); what is queued stays on disk.
  void stop() { stopped_ = true; }

 private:
  struct Recent {
    std::string event_id, event_type, app_id, room_id, url, outcome, error;
    unsigned status = 0;
    std::uint32_t attempt = 0;
    std::uint64_t at_ms = 0, duration_ms = 0;
  };

  void flush();
  void start(const LaneKey& key, QueuedDelivery d);
  void finish(const LaneKey& key, QueuedDelivery d, std::uint64_t started_ms,
              const PostOutcome& outcome);
  bool drop(const QueuedDelivery& d, std::string_view reason);  // false: the store failed
  void record(const QueuedDelivery& d, std::string outcome, unsigned status, std::string error,
              std::uint64_t started_ms, std::uint32_t attempt);
  void store_failed(const Error& e);

  ServerContext& ctx_;
  std::unique_ptr<CallbackStore> store_;
  boost::asio::ssl::context tls_;
  std::vector<QueuedDelivery> pending_;               // emitted, not yet written
  webhook::DeliveryQueue lanes_{kMaxInFlightPerUrl};  // which lane sends when
  std::uint64_t queued_ = 0;
  std::uint64_t delivered_ = 0, failed_ = 0, retried_ = 0;
  std::map<std::string, std::uint64_t> dropped_;  // reason → count
  std::deque<Recent> recent_;
  bool stopped_ = false;
  EventBus::Subscription subscription_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // sends outliving us do nothing
};

}  // namespace minirtc::server
