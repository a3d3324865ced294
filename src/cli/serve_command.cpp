// `minirtc serve`: the server. With no arguments: the embedded default on loopback, with a
// development app whose keys are printed and kept in the data directory, and (no admin key
// configured either) a development admin key kept beside them, so the console works at once.

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "server/accept_loop.hpp"
#include "server/app_registry.hpp"
#include "server/batch_sender.hpp"
#include "server/server.hpp"

namespace minirtc::cli {

namespace {
struct ServeOptions {
  ConfigOptions config;
  LimitOptions limits;
  std::string http_listen, rtmp_listen, public_url, public_rtmp_url, log_level, admin_key;
  std::string tls_cert, tls_key, send_batching;
  std::string redis, node_id, relay_listen, path_prefix;  // [cluster]
  int merge_window_ms = -1;
  std::string relay_origin, cluster_secret;
  std::optional<std::uint32_t> relay_grace_ms;
};

/// Defaults < config file < flags (and the development app); throws with the reason.
server::Config build_config(const ServeOptions& o) {
  server::Config c = o.config.resolve();
  o.limits.apply(c);
  if (!o.http_listen.empty()) c.http_listen = o.http_listen;
  if (!o.rtmp_listen.empty()) c.rtmp_listen = o.rtmp_listen;
  if (!o.public_url.empty()) c.public_url = o.public_url;
  if (!o.public_rtmp_url.empty()) c.public_rtmp_url = o.public_rtmp_url;
  if (!o.log_level.empty()) c.log_level = o.log_level;
  if (!o.admin_key.empty()) c.admin_key = o.admin_key;
  if (!o.tls_cert.empty()) c.tls_cert = o.tls_cert;
  if (!o.tls_key.empty()) c.tls_key = o.tls_key;
  if (!o.send_batching.empty()) c.media.send_batching = o.send_batching;
  if (o.merge_window_ms >= 0)
    c.media.merge_window_ms = static_cast<std::uint32_t>(o.merge_window_ms);
  if (!o.relay_origin.empty()) c.relay.origin = o.relay_origin;
  if (!o.cluster_secret.empty()) c.cluster.secret = o.cluster_secret;
  if (o.relay_grace_ms) c.relay.idle_grace_ms = *o.relay_grace_ms;
  if (auto st = server::check_relay(c); !st) throw std::runtime_error(st.error().reason);
  if (!o.redis.empty()) c.cluster.redis = o.redis;
  if (!o.node_id.empty()) c.cluster.node_id = o.node_id;
  if (!o.relay_listen.empty()) c.cluster.relay_listen = o.relay_listen;
  if (!o.path_prefix.empty()) c.cluster.path_prefix = o.path_prefix;
  if (c.cluster.enabled())
    if (auto st = server::check_cluster(c.cluster); !st)
      throw std::runtime_error(st.error().reason);
  // The embedded default (a development app: no app configured) without an admin key from the
  // file or the flags: the development admin key, kept with the development app's keys. A
  // configuration with apps keeps the rule "no admin key, no admin API".
  const bool dev = std::any_of(c.apps.begin(), c.apps.end(),
                               [](const server::AppConfig& a) { return a.development; });
  if (dev && c.admin_key.empty()) {
    auto key = server::AppRegistry::load_or_add_dev_admin_key(c.data_dir);
    if (!key) throw std::runtime_error(key.error().reason);
    c.admin_key = std::move(*key);
    c.admin_key_development = true;
  }

  auto level = spdlog::level::from_str(c.log_level);
  if (level == spdlog::level::off && c.log_level != "off")
    throw std::runtime_error("unknown log level '" + c.log_level + "'");
  return c;
}

void run_serve(const ServeOptions& o) {
  server::Config c = build_config(o);
  spdlog::set_level(spdlog::level::from_str(c.log_level));  // logs go to stderr (main.cpp)
  server::raise_descriptor_limit();

  for (const auto& app : c.apps) {
    if (app.development) {
      std::cout << "development app: appId=" << app.id << " appKey=" << app.key << std::endl;
      spdlog::warn(
          "embedded default: development app {} (keys in {}/dev-app.toml); "
          "/v1/dev/token hands out tokens for it to anyone who asks",
          app.id, c.data_dir);
    }
  }
  if (c.admin_key_development)
    spdlog::warn(
        "embedded default: development admin key (in {}/dev-app.toml) opens the admin API and "
        "the console at /console/ to anyone who has it",
        c.data_dir);
  server::Server server(std::move(c));
  // SIGHUP reads the same file and flags again.
  server.set_config_source([o]() -> Result<server::Config> {
    try {
      return build_config(o);
    } catch (const std::exception& e) {
      return make_error(e.what());
    }
  });
  if (auto st = server.listen(); !st) throw std::runtime_error(st.error().reason);
  server.run();
}
}  // namespace

void register_serve_command(CLI::App& root) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = root.add_subcommand("serve", "run the server");
  o->config.add_to(*cmd);
  o->limits.add_to(*cmd);
  cmd->add_option("--http-listen", o->http_listen,
                  "HOST:PORT for HTTP/WebSocket (default 127.0.0.1:8080; port 0 = any free port)");
  cmd->add_option("--rtmp-listen", o->rtmp_listen,
                  "HOST:PORT for RTMP (default 127.0.0.1:1935; port 0 = any free port)");
  cmd->add_option("--public-url", o->public_url,
                  "base URL clients reach the HTTP port at (behind proxies)");
  cmd->add_option("--public-rtmp-url", o->public_rtmp_url,
                  "base URL clients reach the RTMP port at");
  cmd->add_option("--log-level", o->log_level, "trace, debug, info, warn, error, off");
  cmd->add_option("--admin-key", o->admin_key, "Bearer key of the admin API");
  cmd->add_option("--tls-cert", o->tls_cert,
                  "PEM certificate chain: the HTTP port speaks HTTPS/WSS");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--merge-window-ms", o->merge_window_ms,
                  "merged-write window for viewers (default 25)");
  cmd->add_option("--send-batching", o->send_batching,
                  "io_uring (one system call per flush round) or sendmsg (one per viewer)")
      ->check([](const std::string& v) {
        return server::BatchSender::parse(v) ? std::string() : "must be io_uring or sendmsg";
      });
  cmd->add_option("--relay-origin", o->relay_origin,
                  "rtmp://HOST:PORT: pull streams not published here from this origin node "
                  "(static edge mode; needs --cluster-secret)");
  cmd->add_option("--relay-grace-ms", o->relay_grace_ms,
                  "keep a relay upstream this long after its last viewer left (default 5000)");
  cmd->add_option("--cluster-secret", o->cluster_secret,
                  "secret shared by all nodes: signs and checks relay pull URLs");
  // Cluster mode (docs/cluster.md); the secret is [cluster] secret in the config file or
  // --cluster-secret (visible in the process list: prefer the file).
  cmd->add_option("--redis", o->redis,
                  "redis://HOST:PORT[/DB]: run as one node of a cluster sharing this Redis");
  cmd->add_option("--node-id", o->node_id,
                  "this node's id in the cluster (default: node- and random characters)");
  cmd->add_option("--relay-listen", o->relay_listen,
                  "HOST:PORT other nodes pull streams from (default: the RTMP listener)");
  cmd->add_option("--path-prefix", o->path_prefix,
                  "this node's path under a domain shared with other nodes, e.g. /n2");
  cmd->callback([o] { run_serve(*o); });
}

}  // namespace minirtc::cli
