#pragma once
// What every connection of the server reaches: config, apps, the stream hub, URL access, the
// flush scheduler, metrics, and the set of live connections (for shutdown). One per event loop.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "media/hub.hpp"
#include "server/app_registry.hpp"
#include "server/config.hpp"
#include "server/flush_scheduler.hpp"
#include "server/ingest_budget.hpp"
#include "server/media_access.hpp"
#include "server/metrics.hpp"

namespace minirtc::server {

class SignalPlane;

/// Unix time in milliseconds: tokens, URLs and room timers all use wall-clock time.
inline std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}
inline std::uint32_t now_s() { return static_cast<std::uint32_t>(now_ms() / 1000); }

struct ServerContext {
  boost::asio::io_context& io;
  const Config& config;
  const AppRegistry& apps;
  media::Hub& hub;
  MediaAccess& access;
  FlushScheduler& flusher;
  Metrics& metrics;
  SignalPlane* signal = nullptr;  // rooms and signalling; set once the server is wired
  boost::asio::ssl::context* tls = nullptr;  // set: the HTTP port speaks TLS
  bool shutting_down = false;
  std::uint64_t next_connection_id = 1;

  /// Live connections, closed on shutdown.
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> connections;
  std::uint64_t add_connection(std::weak_ptr<Closable> c) {
    auto id = next_connection_id++;
    connections.emplace(id, std::move(c));
    return id;
  }
  void remove_connection(std::uint64_t id) { connections.erase(id); }

  /// Bytes RTMP connections hold in incomplete messages, against media.ingest_budget_bytes.
  IngestBudget ingest{config.media.ingest_budget_bytes};
};

}  // namespace minirtc::server
