#pragma once
// What every connection of the server reaches: config, apps, the stream hub, URL access, the
// flush scheduler, metrics, the live connections by door (limits; shutdown) and the room events'
// bus. One per event loop.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "media/hub.hpp"
#include "server/app_registry.hpp"
#include "server/config.hpp"
#include "server/connection_table.hpp"
#include "server/event_bus.hpp"
#include "server/flush_scheduler.hpp"
#include "server/ingest_budget.hpp"
#include "server/media_access.hpp"
#include "server/metrics.hpp"

namespace minirtc::server {

class SignalPlane;
class Recordings;
class ConsolePlane;
class RelayManager;
class PushForwards;
class ClusterNode;
class CallbackService;

/// Unix time in milliseconds: tokens, URLs and room timers all use wall-clock time.
inline std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}
inline std::uint32_t now_s() {
  return static_cast<std::uint32_t>(now_ms() / 1000);
}

struct ServerContext {
  boost::asio::io_context& io;
  const Config& config;
  const AppRegistry& apps;
  media::Hub& hub;
  MediaAccess& access;
  FlushScheduler& flusher;
  Metrics& metrics;
  SignalPlane* signal = nullptr;             // rooms and signalling; set once the server is wired
  boost::asio::ssl::context* tls = nullptr;  // set: the HTTP port speaks TLS
  bool shutting_down = false;

  /// Live connections by door (limits, strangers, eviction), closed on shutdown.
  ConnectionTable connections;

  /// Bytes RTMP connections hold in incomplete messages, against media.ingest_budget_bytes.
  IngestBudget ingest{config.media.ingest_budget_bytes};

  /// Recording (server/recordings.hpp); set once the server is wired.
  Recordings* recordings = nullptr;
  /// The web console's feed (server/console_plane.hpp); set once the server is wired.
  ConsolePlane* console = nullptr;
  /// Origin→edge pulls (server/relay.hpp); set once the server is wired.
  RelayManager* relay = nullptr;
  /// Pushes forwarded to their room's node (server/push_forward.hpp); set once the server is wired.
  PushForwards* forwards = nullptr;
  /// Cluster mode (docs/cluster.md): this node's registry, pins and routing; null on one node.
  ClusterNode* cluster = nullptr;
  /// Room events for observers (callbacks, call records, console, cluster): server/event_bus.hpp.
  EventBus events{};

  /// Callbacks to app servers (webhooks); set by Server::listen.
  CallbackService* callbacks = nullptr;
};

}  // namespace minirtc::server
