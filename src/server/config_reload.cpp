#include "server/config_reload.hpp"

#include <map>

#include <fmt/format.h>

namespace minirtc::server {

namespace {

std::string show(const std::string& v) {
  return fmt::format("\"{}\"", v);
}
std::string show(bool v) {
  return v ? "true" : "false";
}
template <class T>
std::string show(T v) {
  return fmt::format("{}", v);
}

class Planner {
 public:
  Planner(const Config& running, const Config& next) : next_(next) { plan_.config = running; }

  /// A key that applies live: taken from the new config, reported when it differs.
  template <class T>
  bool live(std::string_view name, T Config::*field) {
    return live_value(name, plan_.config.*field, next_.*field);
  }
  template <class T>
  bool live_value(std::string_view name, T& running, const T& next) {
    if (running == next) return false;
    plan_.applied.push_back(fmt::format("{}: {} -> {}", name, show(running), show(next)));
    running = next;
    return true;
  }
  /// A secret that applies live: reported without its values.
  bool live_secret(std::string_view name, std::string& running, const std::string& next) {
    if (running == next) return false;
    plan_.applied.push_back(fmt::format("{}: changed", name));
    running = next;
    return true;
  }
  /// A key that needs a restart: the running value stays.
  template <class T>
  void restart(std::string_view name, const T& running, const T& next) {
    if (running != next)
      plan_.need_restart.push_back(fmt::format("{}: {} -> {} (needs a restart; {} kept)", name,
                                               show(running), show(next), show(running)));
  }

  void apps() {
    std::map<std::string, const AppConfig*> old_apps, new_apps;
    for (const auto& a : plan_.config.apps) old_apps[a.id] = &a;
    for (const auto& a : next_.apps) new_apps[a.id] = &a;
    for (const auto& [id, a] : new_apps) {
      auto it = old_apps.find(id);
      if (it == old_apps.end())
        plan_.applied.push_back(fmt::format("apps: added {}", id));
      else if (it->second->key != a->key)
        plan_.applied.push_back(fmt::format("apps: key of {} changed", id));
      else if (it->second->record_all != a->record_all)
        plan_.applied.push_back(fmt::format("apps: {} records {}", id,
                                            a->record_all ? "all streams" : "no stream by itself"));
      else if (it->second->development != a->development)
        plan_.applied.push_back(fmt::format("apps: {} is {} a development app", id,
                                            a->development ? "now" : "no longer"));
      else if (it->second->callback_urls != a->callback_urls ||
               it->second->callback_key != a->callback_key ||
               it->second->callback_events != a->callback_events)
        plan_.applied.push_back(fmt::format("apps: callbacks of {} changed", id));
    }
    for (const auto& [id, a] : old_apps)
      if (!new_apps.count(id)) plan_.applied.push_back(fmt::format("apps: removed {}", id));
    plan_.apps_changed =
        plan_.config.apps.size() != next_.apps.size() ||
        !std::equal(plan_.config.apps.begin(), plan_.config.apps.end(), next_.apps.begin());
    if (plan_.apps_changed) plan_.config.apps = next_.apps;
  }

  ReloadPlan take() { return std::move(plan_); }
  Config& running() { return plan_.config; }
  ReloadPlan& plan() { return plan_; }

 private:
  const Config& next_;
  ReloadPlan plan_;
};

}  // namespace

ReloadPlan plan_reload(const Config& running, const Config& next) {
  Planner p(running, next);
  auto& r = p.running();
  const auto& n = next;

  p.apps();
  p.live_secret("server.admin_key", r.admin_key, n.admin_key);
  r.admin_key_development = n.admin_key_development;
  p.live("server.log_level", &Config::log_level);
  p.restart("server.http_listen", r.http_listen, n.http_listen);
  p.restart("server.rtmp_listen", r.rtmp_listen, n.rtmp_listen);
  p.restart("server.public_url", r.public_url, n.public_url);
  p.restart("server.public_rtmp_url", r.public_rtmp_url, n.public_rtmp_url);
  p.restart("server.data_dir", r.data_dir, n.data_dir);
  p.restart("server.tls_cert", r.tls_cert, n.tls_cert);
  p.restart("server.tls_key", r.tls_key, n.tls_key);

  p.live_value("http.header_limit", r.http.header_limit, n.http.header_limit);
  p.live_value("http.body_limit", r.http.body_limit, n.http.body_limit);
  p.live_value("http.read_timeout_s", r.http.read_timeout_s, n.http.read_timeout_s);
  p.live_value("http.keep_alive_timeout_s", r.http.keep_alive_timeout_s,
               n.http.keep_alive_timeout_s);

  auto& rm = r.media;
  const auto& nm = n.media;
  p.live_value("media.viewer_max_delay_ms", rm.viewer_queue.max_delay_ms,
               nm.viewer_queue.max_delay_ms);
  p.live_value("media.viewer_max_bytes", rm.viewer_queue.max_bytes, nm.viewer_queue.max_bytes);
  p.live_value("media.viewer_max_packets", rm.viewer_queue.max_packets,
               nm.viewer_queue.max_packets);
  p.live_value("media.viewer_kernel_unsent_bytes", rm.viewer_kernel_unsent_bytes,
               nm.viewer_kernel_unsent_bytes);
  p.live_value("media.url_ttl_s", rm.url_ttl_s, nm.url_ttl_s);
  p.live_value("media.handshake_timeout_s", rm.handshake_timeout_s, nm.handshake_timeout_s);
  p.live_value("limits.rtmp_connections", r.limits.rtmp_connections, n.limits.rtmp_connections);
  p.live_value("limits.http_connections", r.limits.http_connections, n.limits.http_connections);
  p.live_value("limits.flv_viewers", r.limits.flv_viewers, n.limits.flv_viewers);
  p.live_value("limits.reserved_for_authenticated", r.limits.reserved_for_authenticated,
               n.limits.reserved_for_authenticated);
  p.live_value("limits.unauthenticated_per_ip", r.limits.unauthenticated_per_ip,
               n.limits.unauthenticated_per_ip);
  // [callbacks]: the sender reads them at each delivery; the CA file is loaded once.
  auto& rc = r.callbacks;
  const auto& nc = n.callbacks;
  p.live_value("callbacks.timeout_ms", rc.timeout_ms, nc.timeout_ms);
  p.live_value("callbacks.retry_first_delay_ms", rc.retry_first_delay_ms, nc.retry_first_delay_ms);
  p.live_value("callbacks.retry_max_delay_ms", rc.retry_max_delay_ms, nc.retry_max_delay_ms);
  p.live_value("callbacks.retry_window_s", rc.retry_window_s, nc.retry_window_s);
  p.live_value("callbacks.max_response_bytes", rc.max_response_bytes, nc.max_response_bytes);
  p.live_value("callbacks.max_in_flight", rc.max_in_flight, nc.max_in_flight);
  p.live_value("callbacks.max_queued", rc.max_queued, nc.max_queued);
  p.restart("callbacks.ca_file", rc.ca_file, nc.ca_file);
  // Recording: read when a recording starts / a download URL is minted.
  p.live_value("recording.max_queue_bytes", r.recording.max_queue_bytes,
               n.recording.max_queue_bytes);
  p.live_value("recording.download_url_ttl_s", r.recording.download_url_ttl_s,
               n.recording.download_url_ttl_s);
  p.restart("media.merge_window_ms", rm.merge_window_ms, nm.merge_window_ms);
  p.restart("media.send_batching", rm.send_batching, nm.send_batching);
  p.restart("media.gop_cache", rm.gop_cache, nm.gop_cache);
  p.restart("media.gop_max_packets", rm.gop.max_packets, nm.gop.max_packets);
  p.restart("media.gop_max_bytes", rm.gop.max_bytes, nm.gop.max_bytes);
  p.restart("media.gop_max_duration_ms", rm.gop.max_duration_ms, nm.gop.max_duration_ms);
  p.restart("media.publisher_idle_timeout_s", rm.publisher_idle_timeout_s,
            nm.publisher_idle_timeout_s);
  p.restart("media.max_timestamp_lead_ms", rm.max_timestamp_lead_ms, nm.max_timestamp_lead_ms);
  p.restart("media.ingest_budget_bytes", rm.ingest_budget_bytes, nm.ingest_budget_bytes);
  p.restart("relay.origin", r.relay.origin, n.relay.origin);
  p.restart("relay.idle_grace_ms", r.relay.idle_grace_ms, n.relay.idle_grace_ms);
  p.restart("relay.retry_initial_ms", r.relay.retry_initial_ms, n.relay.retry_initial_ms);
  p.restart("relay.retry_max_ms", r.relay.retry_max_ms, n.relay.retry_max_ms);
  p.restart("relay.url_ttl_s", r.relay.url_ttl_s, n.relay.url_ttl_s);

  // [cluster]: a node's identity and its Redis are fixed for its life.
  p.restart("cluster.redis", r.cluster.redis, n.cluster.redis);
  p.restart("cluster.node_id", r.cluster.node_id, n.cluster.node_id);
  p.restart("cluster.relay_listen", r.cluster.relay_listen, n.cluster.relay_listen);
  p.restart("cluster.path_prefix", r.cluster.path_prefix, n.cluster.path_prefix);
  if (r.cluster.secret != n.cluster.secret)  // the values stay out of the log
    p.plan().need_restart.push_back("cluster.secret: changed (needs a restart; the old one kept)");
  p.restart("cluster.node_ttl_ms", r.cluster.node_ttl_ms, n.cluster.node_ttl_ms);
  p.restart("cluster.pin_ttl_ms", r.cluster.pin_ttl_ms, n.cluster.pin_ttl_ms);
  p.restart("cluster.drain_timeout_ms", r.cluster.drain_timeout_ms, n.cluster.drain_timeout_ms);
  p.restart("cluster.max_viewers", r.cluster.max_viewers, n.cluster.max_viewers);
  p.restart("cluster.max_egress_mbps", r.cluster.max_egress_mbps, n.cluster.max_egress_mbps);
  p.restart("cluster.max_cpu_percent", r.cluster.max_cpu_percent, n.cluster.max_cpu_percent);
  p.restart("cluster.report_forward_rate", r.cluster.report_forward_rate,
            n.cluster.report_forward_rate);
  p.restart("cluster.report_forward_client_rate", r.cluster.report_forward_client_rate,
            n.cluster.report_forward_client_rate);

  bool room = false;
  room |= p.live_value("media.play_flv_by_default", rm.play_flv_by_default, nm.play_flv_by_default);
  room |= p.live("room.ping_interval_ms", &Config::ping_interval_ms);
  room |= p.live("room.session_timeout_ms", &Config::session_timeout_ms);
  room |= p.live("room.resume_window_ms", &Config::resume_window_ms);
  room |= p.live("room.publish_no_media_timeout_ms", &Config::publish_no_media_timeout_ms);
  room |= p.live("room.empty_room_delay_ms", &Config::empty_room_delay_ms);
  room |= p.live("room.max_visible_users", &Config::max_visible_users);
  room |= p.live("room.max_invisible_users", &Config::max_invisible_users);
  room |= p.live("room.max_subscribed_streams", &Config::max_subscribed_streams);
  room |= p.live("room.max_requests_per_second", &Config::max_requests_per_second);
  p.plan().room_changed = room;
  return p.take();
}

}  // namespace minirtc::server
