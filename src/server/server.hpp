#pragma once
// The whole server: listeners, the stream hub, URL access, signalling, timers, shutdown.
// One event loop; every connection lives on it.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "media/hub.hpp"
#include "server/app_registry.hpp"
#include "server/config.hpp"
#include "server/context.hpp"
#include "server/flush_scheduler.hpp"
#include "server/heap_trim.hpp"
#include "server/media_access.hpp"
#include "server/metrics.hpp"

namespace minirtc::server {

class SignalPlane;
class Recordings;
class ConsolePlane;
class RelayManager;
class PushForwards;
class ClusterNode;
class UsageRecorder;
class CallbackService;

class Server {
 public:
  /// How long a shutdown waits for connections to end cleanly (viewers' last writes and
  /// goodbyes, signalling close frames) before the loop stops whatever remains.
  static constexpr std::chrono::milliseconds kShutdownGrace{5000};

  explicit Server(Config config);
  ~Server();

  /// Loads the TLS certificate (when configured), binds the listeners and prints the
  /// machine-readable "listening ..." line (after the "console: URL adminKey=..." line when the
  /// admin key is the embedded default's development one).
  Status listen();
  /// Where SIGHUP reads the configuration again (the file and flags `serve` started from).
  using ConfigSource = std::function<Result<Config>()>;
  void set_config_source(ConfigSource source) { config_source_ = std::move(source); }

  /// Runs until SIGINT/SIGTERM, then shuts down gracefully. SIGHUP reloads the configuration
  /// (server/config_reload.hpp) without dropping anyone.
  void run();
  void stop();

  const AppRegistry& apps() const noexcept { return apps_; }

 private:
  void tick();
  void cluster_tick(std::uint64_t now_ms);
  void wait_for_signal();
  void reload();
  /// SIGINT/SIGTERM (or stop()): a cluster node drains first (drain()), then every node closes
  /// what is left (finish_shutdown()).
  void shutdown();
  /// Cluster mode (docs/cluster.md "Drain"): no new connections, the node's rooms handed over
  /// through Redis (ClusterNode::drain), every signalling session closed with 1001 so its client
  /// resumes on another node; media goes on meanwhile, until the clients have moved (no
  /// connection left) or cluster.drain_timeout_ms.
  void drain();
  /// Cluster mode (docs/cluster.md "Pin conflicts"): a room whose pin another node won moves
  /// there: forgotten here, its members written out as session records, then its sessions closed
  /// with 1001 (so each client resumes on the winner, which merges them in); its media goes on
  /// here until cluster.drain_timeout_ms, then ends (unless the room is held here again). The
  /// live pushes of its media-only members are forwarded to the winner instead (PushForwards):
  /// their encoders cannot move.
  void hand_over(const std::string& app_id, const std::string& room_id, const std::string& winner);
  void wait_for_moves(std::chrono::steady_clock::time_point deadline);
  void finish_shutdown();
  void wait_for_goodbyes(std::chrono::steady_clock::time_point deadline);

  Config config_;
  boost::asio::io_context io_{1};
  AppRegistry apps_;
  media::Hub hub_;
  MediaAccess access_;
  FlushScheduler flusher_;
  Metrics metrics_;
  std::optional<boost::asio::ssl::context> tls_;
  ServerContext ctx_;
  std::unique_ptr<SignalPlane> signal_;
  std::unique_ptr<Recordings> recordings_;
  std::unique_ptr<ConsolePlane> console_;
  std::unique_ptr<RelayManager> relay_;
  std::unique_ptr<PushForwards> forwards_;
  std::unique_ptr<ClusterNode> cluster_;  // cluster mode only
  /// The cluster record's load figures, measured once a second.
  struct LoadSample {
    std::uint64_t at_ms = 0;
    std::uint64_t bytes_out = 0;
    double cpu_s = 0;
  } load_sample_;
  unsigned ticks_ = 0;
  std::unique_ptr<UsageRecorder> usage_;        // call records: opened by listen()
  std::unique_ptr<CallbackService> callbacks_;  // opened by listen(): its queue is on disk
  boost::asio::ip::tcp::acceptor http_acceptor_;
  boost::asio::ip::tcp::acceptor rtmp_acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer ticker_;
  ConfigSource config_source_;
  HeapTrimmer heap_trimmer_;  // on the tick: frees of connection waves back to the OS
  bool stopping_ = false;
};

}  // namespace minirtc::server
