// `minirtc url publish|play`: prints a signed media URL, so operators can push ffmpeg or OBS into
// a room (and tests can publish and play without signalling). In cluster mode (`--redis`, or
// [cluster] redis in the config, with the cluster's secret) the URL points at the node that holds
// the room: its pin is read from Redis, and a room no node holds yet is pinned to the least-loaded
// live node, as its first join would (docs/cluster.md).

#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include "auth/url_signer.hpp"
#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "cluster/coordinator.hpp"
#include "core/ids.hpp"
#include "redis/client.hpp"
#include "server/app_registry.hpp"
#include "server/context.hpp"
#include "server/media_access.hpp"
#include "server/redis_store.hpp"

namespace minirtc::cli {

namespace {
struct UrlOptions {
  ConfigOptions config;
  std::string action, app_id, room, user, viewer, format = "rtmp", http_base, rtmp_base;
  std::string redis, cluster_secret;
  bool screen = false;
  std::uint32_t ttl = 3600;
};

std::string base_from_listen(const std::string& scheme, const std::string& listen) {
  auto hp = server::parse_host_port(listen);
  if (!hp) throw std::runtime_error(hp.error().reason);
  auto host = hp->first == "0.0.0.0" ? std::string("127.0.0.1") : hp->first;
  return fmt::format("{}://{}:{}", scheme, host, hp->second);
}

/// Cluster mode: the node that holds the room (pinned now if no node does), from Redis.
cluster::NodeRecord room_node(const server::Config& c, const StreamId& id) {
  if (auto st = server::check_cluster(c.cluster); !st) throw std::runtime_error(st.error().reason);
  auto url = redis::parse_url(c.cluster.redis);
  if (!url) throw std::runtime_error("cluster.redis: " + url.error().reason);
  if (auto st = redis::check_reachable(*url, std::chrono::seconds(3)); !st)
    throw std::runtime_error(st.error().reason);
  boost::asio::io_context io;
  redis::Client client(io.get_executor(), *url);
  server::RedisStore store(client);
  cluster::Config k;
  k.node_id = "cli";
  k.secret = c.cluster.secret;
  k.node_ttl_ms = c.cluster.node_ttl_ms;
  k.pin_ttl_ms = c.cluster.pin_ttl_ms;
  cluster::Coordinator coordinator(store, k);
  std::optional<Result<cluster::Coordinator::Located>> located;
  const auto now = server::now_ms();
  coordinator.read_nodes(now, [&](Result<cluster::Coordinator::Nodes> nodes) {
    if (!nodes) return located.emplace(nodes.error()), void();
    if (nodes->live.empty())
      return located.emplace(make_error("no live node in the cluster")), void();
    coordinator.locate_room(
        id.app_id, id.room_id, std::move(nodes->live), now,
        [&](Result<cluster::Coordinator::Located> r) { located.emplace(std::move(r)); });
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!located && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(50));
  if (!located) throw std::runtime_error("Redis did not answer in time");
  if (!*located) throw std::runtime_error("cluster: " + located->error().reason);
  return (*located)->owner;
}

void run_url(const UrlOptions& o) {
  server::Config c = o.config.resolve(false);
  if (!o.redis.empty()) c.cluster.redis = o.redis;
  if (!o.cluster_secret.empty()) c.cluster.secret = o.cluster_secret;
  StreamId id{o.app_id, o.room, o.user, o.screen ? StreamKind::Screen : StreamKind::Main};
  if (!is_valid_app_id(id.app_id))
    throw std::runtime_error("--app-id must be 24 characters [a-zA-Z0-9]");
  if (!is_valid_id(id.room_id))
    throw std::runtime_error("--room must be 1-128 characters [a-zA-Z0-9@_.-]");
  if (!is_valid_id(id.user_id))
    throw std::runtime_error("--user must be 1-128 characters [a-zA-Z0-9@_.-]");
  server::AppRegistry apps(c.apps);
  if (!apps.key_of(id.app_id))
    throw std::runtime_error("no key for app " + id.app_id +
                             " (use --config, --app or --data-dir)");
  server::MediaAccess access(apps);
  if (c.cluster.enabled() && (o.http_base.empty() || o.rtmp_base.empty())) {
    const auto node = room_node(c, id);
    access.set_public_urls(!o.http_base.empty() ? o.http_base : node.http_base(),
                           !o.rtmp_base.empty() ? o.rtmp_base : node.rtmp_url);
  } else {
    access.set_public_urls(!o.http_base.empty()    ? o.http_base
                           : !c.public_url.empty() ? c.public_url
                                                   : base_from_listen("http", c.http_listen),
                           !o.rtmp_base.empty()         ? o.rtmp_base
                           : !c.public_rtmp_url.empty() ? c.public_rtmp_url
                                                        : base_from_listen("rtmp", c.rtmp_listen));
  }
  const auto now = static_cast<std::uint32_t>(std::time(nullptr));
  const auto nonce = auth::new_nonce();
  if (o.action == "publish") {
    std::cout << access.publish_url(id, now + o.ttl, nonce) << "\n";
  } else {
    std::string viewer = o.viewer.empty() ? "operator" : o.viewer;
    if (!is_valid_id(viewer))
      throw std::runtime_error("--viewer must be 1-128 characters [a-zA-Z0-9@_.-]");
    std::cout << access.play_url(id, viewer, o.format == "flv", now + o.ttl, nonce) << "\n";
  }
}
}  // namespace

void register_url_command(CLI::App& root) {
  auto o = std::make_shared<UrlOptions>();
  auto* cmd = root.add_subcommand("url", "print a signed publish or play URL");
  o->config.add_to(*cmd);
  cmd->add_option("action", o->action, "publish or play")
      ->required()
      ->check(CLI::IsMember({"publish", "play"}));
  cmd->add_option("--app-id", o->app_id, "AppId")->required();
  cmd->add_option("--room", o->room, "room id")->required();
  cmd->add_option("--user", o->user, "the publishing user's id")->required();
  cmd->add_flag("--screen", o->screen, "the screen stream instead of the camera");
  cmd->add_option("--viewer", o->viewer, "play: the watching user's id (default 'operator')");
  cmd->add_option("--format", o->format, "play: rtmp or flv")
      ->check(CLI::IsMember({"rtmp", "flv"}));
  cmd->add_option("--ttl", o->ttl, "seconds until the URL expires (default 3600)");
  cmd->add_option("--http-base", o->http_base,
                  "base of FLV URLs (default: config public_url or http_listen)");
  cmd->add_option("--rtmp-base", o->rtmp_base,
                  "base of RTMP URLs (default: config public_rtmp_url or rtmp_listen)");
  cmd->add_option(
      "--redis", o->redis,
      "cluster mode: redis://HOST:PORT[/DB]; the URL points at the node holding the room "
      "(pinned now if none does); needs the cluster secret");
  cmd->add_option("--cluster-secret", o->cluster_secret,
                  "cluster mode: [cluster] secret (prefer the config file)");
  cmd->callback([o] { run_url(*o); });
}

}  // namespace minirtc::cli
