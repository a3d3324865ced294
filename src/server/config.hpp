#pragma once
// Everything `minirtc serve` can be told, from a TOML file and/or flags. Defaults are the
// embedded single-machine setup: loopback ports, in-memory state, a development app.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "media/gop_cache.hpp"
#include "media/viewer_queue.hpp"
#include "util/result.hpp"

namespace minirtc::server {

struct AppConfig {
  std::string id;
  std::string key;
  bool development = false;  // the embedded default's app: /v1/dev/token works for it only
  // Callbacks to the app server (server/callbacks.hpp): where, signed with which key (empty: the
  // AppKey), which events (empty: all). URLs and event names are checked when the config loads.
  // ({} so that AppConfig{id, key, development} stays complete for -Wmissing-field-initializers.)
  std::vector<std::string> callback_urls{};
  std::string callback_key{};
  std::vector<std::string> callback_events{};
  bool record_all = false;  // `record = "all"`: every stream of the app is recorded
  const std::string& callback_secret() const { return callback_key.empty() ? key : callback_key; }
  bool operator==(const AppConfig&) const = default;
};

/// `[callbacks]`: how callbacks are delivered (webhook/retry.hpp has the retry rule).
struct CallbacksConfig {
  std::uint32_t timeout_ms = 5000;               // no 200 within this: a failed attempt
  std::uint32_t retry_first_delay_ms = 1000;     // then doubling...
  std::uint32_t retry_max_delay_ms = 300000;     // ...up to this
  std::uint32_t retry_window_s = 7200;           // given up once retries would go beyond this
  std::uint32_t max_response_bytes = 64 * 1024;  // a longer answer is cut off: a failure
  std::uint32_t max_in_flight = 64;              // requests open at once, all receivers
  std::uint32_t max_queued = 100000;             // pending deliveries; beyond: dropped, counted
  std::string ca_file;  // PEM CAs trusted for https receivers besides the system's
  bool operator==(const CallbacksConfig&) const = default;
};

struct MediaConfig {
  std::uint32_t merge_window_ms = 25;      // viewers' writes are merged within this window
  std::string send_batching = "io_uring";  // or "sendmsg": how a flush round reaches the kernel
  bool gop_cache = true;
  media::GopLimits gop;
  media::QueueLimits viewer_queue;
  // Unsent bytes the kernel may hold for a connection (TCP_NOTSENT_LOWAT; 0 = no bound): beyond
  // it a late viewer's packets wait in its bounded queue, which skips to keyframes.
  std::uint32_t viewer_kernel_unsent_bytes = 64 * 1024;
  std::uint32_t publisher_idle_timeout_s = 10;
  std::uint32_t url_ttl_s = 24 * 3600;     // lifetime of URLs handed out by signalling
  std::uint32_t handshake_timeout_s = 10;  // RTMP handshake + connect + publish/play
  bool play_flv_by_default = false;        // subscribe returns HTTP-FLV instead of RTMP URLs
  // Publisher faults: output timestamps at most this far ahead of arrival time
  // (media/timeline.hpp).
  std::uint32_t max_timestamp_lead_ms = 1500;
  // Bytes all RTMP connections together may hold in incomplete messages (server/ingest_budget.hpp:
  // a quarter of it for connections not yet authorized to publish). At least 1 MiB.
  std::uint64_t ingest_budget_bytes = 256u << 20;
};

/// Recording (server/recordings.hpp).
struct RecordingConfig {
  // Bytes one recording may have waiting for the disk; beyond it the recording stops with an
  // error (the disk does not keep up) rather than hold memory without end.
  std::uint64_t max_queue_bytes = 64u << 20;
  std::uint32_t download_url_ttl_s = 3600;  // lifetime of download URLs the admin API mints
};

struct HttpConfig {
  std::uint32_t header_limit = 8 * 1024;
  std::uint32_t body_limit = 64 * 1024;
  std::uint32_t read_timeout_s = 15;  // a request must arrive whole within this (slow loris)
  std::uint32_t keep_alive_timeout_s = 60;
};

/// Connection limits per door (server/admission.hpp has the rule).
struct LimitsConfig {
  std::uint32_t rtmp_connections = 20000;
  std::uint32_t http_connections = 20000;         // API requests and signalling WebSockets
  std::uint32_t flv_viewers = 20000;              // HTTP-FLV and WebSocket-FLV
  std::uint32_t reserved_for_authenticated = 16;  // per door, never held by strangers
  std::uint32_t unauthenticated_per_ip = 64;      // per door and address; 0 = no limit
};
/// Every door's limit above its reserve (else no connection could ever arrive).
Status check_limits(const LimitsConfig& limits);

/// Origin→edge relay (server/relay.hpp; the rule in server/relay_policy.hpp).
struct RelayConfig {
  // "rtmp://HOST:PORT": static edge mode, every stream not published here is pulled from this
  // origin for its viewers. Empty: off (the cluster may still name origins).
  std::string origin;
  std::uint32_t idle_grace_ms = 5000;    // an upstream outlives its last viewer this long
  std::uint32_t retry_initial_ms = 500;  // first wait after an upstream failed
  std::uint32_t retry_max_ms = 15000;    // the doubled waits stop growing here
  std::uint32_t url_ttl_s = 60;          // lifetime of the signed relay URL of one pull
};
/// [cluster]: several nodes sharing one Redis (docs/cluster.md). No `redis`: one node, as
/// always. Every key needs a restart to change.
struct ClusterConfig {
  std::string redis;         // redis://HOST:PORT[/DB]; empty: single-node mode
  std::string node_id;       // 1-64 [a-zA-Z0-9_.-]; empty: "node-" + 8 random hex characters
  std::string relay_listen;  // HOST:PORT other nodes pull streams from; empty: the RTMP listener
  std::string path_prefix;   // e.g. "/n2": this node's routes behind a shared domain
  std::string secret;        // signs node records and messages; required with `redis`
  std::uint32_t node_ttl_ms = 5000;  // a record not refreshed (every second) for this long: dead
  std::uint32_t pin_ttl_ms = 10000;  // a room pin not refreshed for this long frees the room
  /// SIGTERM/SIGINT: how long a draining node keeps serving media to clients moving elsewhere.
  std::uint32_t drain_timeout_ms = 30000;
  std::uint32_t max_viewers = 0;  // placement capacity (0: no limit): viewers, Mbit/s, CPU %
  std::uint32_t max_egress_mbps = 0;
  std::uint32_t max_cpu_percent = 0;
  /// Reports this node forwards to other nodes (docs/cluster.md "Reports"), per second: all
  /// clients together (burst: 2 s of it) and per client address (burst: 4 s of it); 0: no limit.
  std::uint32_t report_forward_rate = 200;
  std::uint32_t report_forward_client_rate = 5;

  bool enabled() const noexcept { return !redis.empty(); }
};
/// What a node needs before it may join a cluster (secret present, ids well-formed, TTLs sane).
Status check_cluster(const ClusterConfig& cluster);

struct Config {
  std::string http_listen = "127.0.0.1:8080";
  std::string rtmp_listen = "127.0.0.1:1935";
  std::string public_url;       // e.g. https://rtc.example.com; default from http_listen
  std::string public_rtmp_url;  // e.g. rtmp://rtc.example.com:1935; default from rtmp_listen
  std::string data_dir = "data";
  std::string log_level = "info";
  std::string admin_key;  // Bearer key for /v1/admin; empty: admin API disabled
  /// admin_key is the embedded default's development one (`<data_dir>/dev-app.toml`, set by
  /// `serve` when neither apps nor an admin key are configured), not one configured.
  bool admin_key_development = false;
  std::string tls_cert, tls_key;
  std::vector<AppConfig> apps;
  MediaConfig media;
  HttpConfig http;
  LimitsConfig limits;
  RecordingConfig recording;
  RelayConfig relay;
  // [cluster]; its `secret` is also the key of relay URLs: the same on all nodes. No secret: this
  // node neither pulls nor serves relay pulls.
  ClusterConfig cluster;
  CallbacksConfig callbacks;
  // Signalling/room settings are kept as raw TOML-derived values and applied by the server.
  std::uint32_t ping_interval_ms = 10000;
  std::uint32_t session_timeout_ms = 30000;
  std::uint32_t resume_window_ms = 20000;
  std::uint32_t publish_no_media_timeout_ms = 10000;
  std::uint32_t empty_room_delay_ms = 30000;
  std::uint32_t max_visible_users = 8;
  std::uint32_t max_invisible_users = 10000;
  std::uint32_t max_subscribed_streams = 8;
  std::uint32_t max_requests_per_second = 50;
};

/// Reads a TOML config file over the defaults: parse_config of its text, errors prefixed with
/// the path.
Result<Config> load_config_file(const std::string& path, Config base = {});
/// Parses TOML config text over `base`. Unknown keys and sections are errors (typos must not
/// pass); so are values of the wrong type or out of range. Every error found is reported, joined
/// by "; ". Pure (no file, no clock): the config fuzz target calls it.
Result<Config> parse_config(std::string_view text, Config base = {});
/// "host:port" → parts; port 0 means "pick a free port".
Result<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view s);
/// "rtmp://HOST:PORT" (a relay origin) → parts; the port is required, a path is not allowed.
Result<std::pair<std::string, std::uint16_t>> parse_rtmp_origin(std::string_view s);
/// The relay settings hold together: a well-formed origin, and a cluster secret to sign with.
Status check_relay(const Config& config);
/// Parses "APPID:APPKEY" of --app.
Result<AppConfig> parse_app_flag(std::string_view s);

}  // namespace minirtc::server
