#include "server/callbacks.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "auth/hmac.hpp"
#include "server/log_limiter.hpp"
#include "webhook/envelope.hpp"
#include "webhook/retry.hpp"
#include "webhook/room_events.hpp"
#include "webhook/url.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string new_nonce() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[4];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "0000";
  std::string out(4, '0');
  for (std::size_t i = 0; i < 4; ++i) out[i] = kAlphabet[bytes[i] % kAlphabet.size()];
  return out;
}

webhook::RetryPolicy retry_policy(const CallbacksConfig& c) {
  return {c.retry_first_delay_ms, c.retry_max_delay_ms,
          static_cast<std::uint64_t>(c.retry_window_s) * 1000};
}

}  // namespace

Result<std::unique_ptr<CallbackService>> CallbackService::open(ServerContext& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(ctx.config.data_dir, ec);
  auto store = CallbackStore::open(
      (std::filesystem::path(ctx.config.data_dir) / CallbackStore::kFileName).string());
  if (!store) return store.error();
  auto service = std::make_unique<CallbackService>(ctx, std::move(*store));
  boost::system::error_code tec;
  service->tls_.set_default_verify_paths(tec);
  if (tec) spdlog::warn("callbacks: the system's CA certificates: {}", tec.message());
  if (!ctx.config.callbacks.ca_file.empty()) {
    service->tls_.load_verify_file(ctx.config.callbacks.ca_file, tec);
    if (tec)
      return make_error(
          fmt::format("callbacks.ca_file {}: {}", ctx.config.callbacks.ca_file, tec.message()));
  }
  auto lanes = service->store_->lanes();
  if (!lanes) return lanes.error();
  // A lane whose head was waiting for a retry keeps waiting until its stored time.
  for (const auto& l : *lanes) service->lanes_.add(l.lane, l.next_at_ms);
  auto n = service->store_->count();
  if (!n) return n.error();
  service->queued_ = *n;
  if (*n) spdlog::info("callbacks: {} deliveries pending from before the start", *n);
  return service;
}

CallbackService::CallbackService(ServerContext& ctx, std::unique_ptr<CallbackStore> store)
    : ctx_(ctx), store_(std::move(store)), tls_(asio::ssl::context::tls_client) {
  tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  tls_.set_verify_mode(asio::ssl::verify_peer);
  subscription_ = ctx_.events.subscribe(*this);
}

void CallbackService::on_event(const room::Event& event) {
  auto cb = webhook::callback_of(event);
  if (!cb) return;
  emit({cb->type, event.app_id, event.room_id, std::move(cb->data), event.time_ms});
}

CallbackService::~CallbackService() = default;

void CallbackService::emit(CallbackEvent event) {
  const auto* app = ctx_.apps.find(event.app_id);
  if (!app || app->callback_urls.empty()) return;
  auto filter = webhook::EventFilter::parse(app->callback_events);
  if (!filter || !filter->wants(event.type)) return;
  if (queued_ + pending_.size() + app->callback_urls.size() > ctx_.config.callbacks.max_queued) {
    dropped_["queue_full"] += app->callback_urls.size();
    log_limited(spdlog::level::warn, "callbacks queue full",
                "callbacks: {} deliveries pending (callbacks.max_queued): {} of app {} dropped",
                queued_ + pending_.size(), webhook::event_name(event.type), event.app_id);
    return;
  }
  json::object data;
  data["roomId"] = event.room_id;
  for (auto& [k, v] : event.data) data[k] = std::move(v);
  const auto data_text = json::serialize(data);
  const auto event_id = auth::random_hex(16);
  const bool first = pending_.empty();
  for (const auto& url : app->callback_urls) {
    QueuedDelivery d;
    d.url = url;
    d.app_id = event.app_id;
    d.room_id = event.room_id;
    d.event_id = event_id;  // the same EventId at every URL: one event
    d.event_type = std::string(webhook::event_name(event.type));
    d.event_data = data_text;
    d.event_time_ms = event.time_ms;
    pending_.push_back(std::move(d));
  }
  // One transaction for every event of this handler, right after it.
  if (first)
    asio::post(ctx_.io, [this, alive = std::weak_ptr<int>(alive_)] {
      if (alive.lock()) flush();
    });
}

void CallbackService::flush() {
  if (pending_.empty()) return;
  auto rows = std::move(pending_);
  pending_.clear();
  if (auto st = store_->enqueue(rows); !st) {
    dropped_["store_error"] += rows.size();
    return store_failed(st.error());
  }
  queued_ += rows.size();
  for (const auto& r : rows) lanes_.add(LaneKey{r.url, r.app_id, r.room_id});
  pump();
}

void CallbackService::store_failed(const Error& e) {
  log_limited(spdlog::level::err, "callbacks store", "callbacks: {}", e.reason);
}

void CallbackService::pump() {
  if (stopped_) return;
  // Only lanes that may send now come out of the queue (webhook/delivery_queue.hpp).
  while (auto key = lanes_.next(now_ms(), ctx_.config.callbacks.max_in_flight)) {
    auto head = store_->head(*key);
    if (!head) {
      lanes_.release(*key);
      return store_failed(head.error());
    }
    if (!*head) {
      lanes_.emptied(*key);
      continue;
    }
    auto d = std::move(**head);
    // What the configuration says now decides where it goes (SIGHUP may have changed it).
    const auto* app = ctx_.apps.find(d.app_id);
    if (!app || std::find(app->callback_urls.begin(), app->callback_urls.end(), d.url) ==
                    app->callback_urls.end()) {
      const bool ok = drop(d, app ? "url_removed" : "app_removed");
      lanes_.release(*key);  // first in its URL's line again: the lane's next row
      if (!ok) return;
      continue;
    }
    start(*key, std::move(d));
  }
}

bool CallbackService::drop(const QueuedDelivery& d, std::string_view reason) {
  if (auto st = store_->remove(d.seq); !st) {
    store_failed(with_context(
        st.error(), fmt::format("drop {} {} to {} ({})", d.event_type, d.event_id, d.url, reason)));
    return false;
  }
  --queued_;
  ++dropped_[std::string(reason)];
  record(d, "dropped", 0, std::string(reason), now_ms(), d.attempts);
  log_limited(spdlog::level::info, "callback dropped", "callback {} {} to {} dropped: {}",
              d.event_type, d.event_id, d.url, reason);
  return true;
}

void CallbackService::start(const LaneKey& key, QueuedDelivery d) {
  const auto* app = ctx_.apps.find(d.app_id);
  auto url = webhook::parse_callback_url(d.url);
  if (!url) {  // checked when the configuration loads: cannot happen
    drop(d, "url_removed");
    lanes_.release(key);
    return;
  }
  webhook::Envelope e;
  e.event_type = d.event_type;
  e.event_data = d.event_data;
  e.event_time = webhook::rfc3339_ms(d.event_time_ms);
  e.event_id = d.event_id;
  e.app_id = d.app_id;
  e.nonce = new_nonce();
  PostRequest req;
  req.url = std::move(*url);
  req.body = webhook::envelope_body(e, app->callback_secret());
  req.timeout = std::chrono::milliseconds(ctx_.config.callbacks.timeout_ms);
  req.max_response_bytes = ctx_.config.callbacks.max_response_bytes;
  if (d.attempts > 0) ++retried_;
  const auto started = now_ms();
  post_callback(ctx_.io, tls_, std::move(req),
                [this, alive = std::weak_ptr<int>(alive_), key, d = std::move(d),
                 started](PostOutcome outcome) mutable {
                  if (alive.lock()) finish(key, std::move(d), started, outcome);
                });
}

void CallbackService::finish(const LaneKey& key, QueuedDelivery d, std::uint64_t started_ms,
                             const PostOutcome& outcome) {
  const auto now = now_ms();
  if (outcome.delivered()) {
    if (auto st = store_->remove(d.seq); !st)
      store_failed(with_context(
          st.error(), fmt::format("{} {} delivered to {}", d.event_type, d.event_id, d.url)));
    lanes_.delivered(key);  // and every lane waiting on this URL is due now
    --queued_;
    ++delivered_;
    record(d, "delivered", outcome.status, {}, started_ms, d.attempts + 1);
    return pump();
  }
  ++failed_;
  const auto error =
      outcome.error.empty() ? fmt::format("HTTP status {}", outcome.status) : outcome.error;
  d.attempts += 1;
  if (d.first_attempt_ms == 0) d.first_attempt_ms = started_ms;
  // The lane waits until `next`; nullopt: given up, the lane goes on with its next row.
  auto next =
      lanes_.failed(key, retry_policy(ctx_.config.callbacks), d.attempts, d.first_attempt_ms, now);
  log_limited(spdlog::level::info, "callback failed",
              "callback {} {} to {} failed (attempt {}): {}{}", d.event_type, d.event_id, d.url,
              d.attempts, error, next ? "" : "; given up");
  record(d, next ? "failed" : "given_up", outcome.status, error, started_ms, d.attempts);
  if (!next) {
    if (auto st = store_->remove(d.seq); !st)
      store_failed(with_context(
          st.error(), fmt::format("{} {} to {} given up", d.event_type, d.event_id, d.url)));
    --queued_;
    ++dropped_["given_up"];
    return pump();
  }
  if (auto st = store_->reschedule(d.seq, d.attempts, d.first_attempt_ms, *next); !st)
    store_failed(
        with_context(st.error(), fmt::format("{} {} to {} retry after attempt {}", d.event_type,
                                             d.event_id, d.url, d.attempts)));
  pump();
}

void CallbackService::record(const QueuedDelivery& d, std::string outcome, unsigned status,
                             std::string error, std::uint64_t started_ms, std::uint32_t attempt) {
  const auto now = now_ms();
  recent_.push_back({d.event_id, d.event_type, d.app_id, d.room_id, d.url, std::move(outcome),
                     std::move(error), status, attempt, now, now - std::min(now, started_ms)});
  if (recent_.size() > kRecentDeliveries) recent_.pop_front();
}

void CallbackService::append_metrics(std::string& out) const {
  out += fmt::format(
      "# HELP minirtc_callbacks_queued Callback deliveries waiting (on disk)\n"
      "# TYPE minirtc_callbacks_queued gauge\nminirtc_callbacks_queued {}\n"
      "# HELP minirtc_callbacks_in_flight Callback requests open now\n"
      "# TYPE minirtc_callbacks_in_flight gauge\nminirtc_callbacks_in_flight {}\n"
      "# HELP minirtc_callbacks_delivered_total Callbacks answered with 200\n"
      "# TYPE minirtc_callbacks_delivered_total counter\nminirtc_callbacks_delivered_total {}\n"
      "# HELP minirtc_callbacks_failed_total Callback attempts that failed (retried or given up)\n"
      "# TYPE minirtc_callbacks_failed_total counter\nminirtc_callbacks_failed_total {}\n"
      "# HELP minirtc_callbacks_retried_total Callback attempts that were retries\n"
      "# TYPE minirtc_callbacks_retried_total counter\nminirtc_callbacks_retried_total {}\n",
      queued_ + pending_.size(), lanes_.in_flight(), delivered_, failed_, retried_);
  out +=
      "# HELP minirtc_callbacks_dropped_total Callback deliveries never delivered, by reason\n"
      "# TYPE minirtc_callbacks_dropped_total counter\n";
  for (const auto& [reason, n] : dropped_)
    out += fmt::format("minirtc_callbacks_dropped_total{{reason=\"{}\"}} {}\n", reason, n);
}

std::string CallbackService::admin_json() const {
  json::object o;
  o["queued"] = queued_ + pending_.size();
  o["inFlight"] = lanes_.in_flight();
  o["delivered"] = delivered_;
  o["failed"] = failed_;
  o["retried"] = retried_;
  json::object dropped;
  for (const auto& [reason, n] : dropped_) dropped[reason] = n;
  o["dropped"] = std::move(dropped);
  json::array recent;
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
    json::object r;
    r["eventId"] = it->event_id;
    r["eventType"] = it->event_type;
    r["appId"] = it->app_id;
    r["roomId"] = it->room_id;
    r["url"] = it->url;
    r["outcome"] = it->outcome;
    r["status"] = it->status;
    r["error"] = it->error;
    r["attempt"] = it->attempt;
    r["at"] = webhook::rfc3339_ms(it->at_ms);
    r["durationMs"] = it->duration_ms;
    recent.push_back(std::move(r));
  }
  o["recent"] = std::move(recent);
  return json::serialize(o);
}

}  // namespace minirtc::server
