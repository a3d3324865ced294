#include "server/config.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "cluster/node_record.hpp"
#include "core/ids.hpp"
#include "server/batch_sender.hpp"
#include "webhook/events.hpp"
#include "webhook/url.hpp"

namespace minirtc::server {

namespace {

// Reads known keys of one table into the config and reports any key it does not know.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix)
      : t_(table), prefix_(std::move(prefix)) {}

  template <class T>
  void get(std::string_view key, T& out) {
    known_.insert(std::string(key));
    const auto* node = t_.get(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = node->value<std::string>())
        out = *v;
      else
        fail(key, "a string");
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      // One string or an array of strings.
      out.clear();
      if (auto v = node->value<std::string>()) {
        out.push_back(*v);
      } else if (const auto* a = node->as_array();
                 a && (a->empty() || a->is_homogeneous<std::string>())) {
        for (const auto& e : *a) out.push_back(*e.value<std::string>());
      } else {
        fail(key, "a string or an array of strings");
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (auto v = node->value<bool>())
        out = *v;
      else
        fail(key, "true or false");
    } else {
      // An integer node only: value<int64_t>() would also convert a float, and a float out of
      // int64's range (6.5e37, found by fuzzing) is undefined behaviour inside toml++.
      const auto* v = node->as_integer();
      if (!v || v->get() < 0 ||
          static_cast<std::uint64_t>(v->get()) > std::numeric_limits<T>::max())
        fail(key, "a non-negative integer in range");
      else
        out = static_cast<T>(v->get());
    }
  }

  void check_unknown() {
    for (auto& [k, v] : t_) {
      if (!known_.count(std::string(k.str())) && !v.is_table() && !v.is_array_of_tables())
        errors_.push_back(fmt::format("unknown key '{}{}'", prefix_, k.str()));
    }
  }
  std::vector<std::string>& errors() { return errors_; }

 private:
  void fail(std::string_view key, std::string_view what) {
    errors_.push_back(fmt::format("'{}{}' must be {}", prefix_, key, what));
  }
  const toml::table& t_;
  std::string prefix_;
  std::set<std::string> known_;
  std::vector<std::string> errors_;
};

}  // namespace

Result<Config> load_config_file(const std::string& path, Config base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("{}: cannot be read: {}", path, std::strerror(errno)));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return make_error(fmt::format("{}: read failed", path));
  auto parsed = parse_config(text, std::move(base));
  if (!parsed) return with_context(parsed.error(), path);
  return parsed;
}

Result<Config> parse_config(std::string_view text, Config c) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    return make_error(fmt::format("{} (line {})", e.description(), e.source().begin.line));
  }
  std::vector<std::string> errors;
  auto section = [&](std::string_view name, auto&& fill) {
    const toml::table* t = root[name].as_table();
    if (!t) return;
    TableReader r(*t, std::string(name) + ".");
    fill(r);
    r.check_unknown();
    errors.insert(errors.end(), r.errors().begin(), r.errors().end());
  };
  section("server", [&](TableReader& r) {
    r.get("http_listen", c.http_listen);
    r.get("rtmp_listen", c.rtmp_listen);
    r.get("public_url", c.public_url);
    r.get("public_rtmp_url", c.public_rtmp_url);
    r.get("data_dir", c.data_dir);
    r.get("log_level", c.log_level);
    r.get("admin_key", c.admin_key);
    r.get("tls_cert", c.tls_cert);
    r.get("tls_key", c.tls_key);
  });
  section("media", [&](TableReader& r) {
    r.get("merge_window_ms", c.media.merge_window_ms);
    r.get("send_batching", c.media.send_batching);
    r.get("gop_cache", c.media.gop_cache);
    r.get("gop_max_packets", c.media.gop.max_packets);
    r.get("gop_max_bytes", c.media.gop.max_bytes);
    r.get("gop_max_duration_ms", c.media.gop.max_duration_ms);
    r.get("viewer_max_delay_ms", c.media.viewer_queue.max_delay_ms);
    r.get("viewer_max_bytes", c.media.viewer_queue.max_bytes);
    r.get("viewer_max_packets", c.media.viewer_queue.max_packets);
    r.get("viewer_kernel_unsent_bytes", c.media.viewer_kernel_unsent_bytes);
    r.get("publisher_idle_timeout_s", c.media.publisher_idle_timeout_s);
    r.get("url_ttl_s", c.media.url_ttl_s);
    r.get("handshake_timeout_s", c.media.handshake_timeout_s);
    r.get("max_rtmp_connections",
          c.limits.rtmp_connections);  // older name of limits.rtmp_connections
    r.get("play_flv_by_default", c.media.play_flv_by_default);
    // Publisher faults.
    r.get("max_timestamp_lead_ms", c.media.max_timestamp_lead_ms);
    r.get("ingest_budget_bytes", c.media.ingest_budget_bytes);
  });
  section("http", [&](TableReader& r) {
    r.get("header_limit", c.http.header_limit);
    r.get("body_limit", c.http.body_limit);
    r.get("read_timeout_s", c.http.read_timeout_s);
    r.get("keep_alive_timeout_s", c.http.keep_alive_timeout_s);
  });
  section("limits", [&](TableReader& r) {
    r.get("rtmp_connections", c.limits.rtmp_connections);
    r.get("http_connections", c.limits.http_connections);
    r.get("flv_viewers", c.limits.flv_viewers);
    r.get("reserved_for_authenticated", c.limits.reserved_for_authenticated);
    r.get("unauthenticated_per_ip", c.limits.unauthenticated_per_ip);
  });
  if (auto st = check_limits(c.limits); !st) errors.push_back(st.error().reason);
  section("room", [&](TableReader& r) {
    r.get("ping_interval_ms", c.ping_interval_ms);
    r.get("session_timeout_ms", c.session_timeout_ms);
    r.get("resume_window_ms", c.resume_window_ms);
    r.get("publish_no_media_timeout_ms", c.publish_no_media_timeout_ms);
    r.get("empty_room_delay_ms", c.empty_room_delay_ms);
    r.get("max_visible_users", c.max_visible_users);
    r.get("max_invisible_users", c.max_invisible_users);
    r.get("max_subscribed_streams", c.max_subscribed_streams);
    r.get("max_requests_per_second", c.max_requests_per_second);
  });
  section("recording", [&](TableReader& r) {
    r.get("max_queue_bytes", c.recording.max_queue_bytes);
    r.get("download_url_ttl_s", c.recording.download_url_ttl_s);
  });
  if (c.recording.max_queue_bytes < (1u << 20))
    errors.push_back(
        fmt::format("recording.max_queue_bytes {} is below 1 MiB", c.recording.max_queue_bytes));
  if (c.recording.download_url_ttl_s == 0)
    errors.push_back("recording.download_url_ttl_s must be at least 1");
  section("relay", [&](TableReader& r) {
    r.get("origin", c.relay.origin);
    r.get("idle_grace_ms", c.relay.idle_grace_ms);
    r.get("retry_initial_ms", c.relay.retry_initial_ms);
    r.get("retry_max_ms", c.relay.retry_max_ms);
    r.get("url_ttl_s", c.relay.url_ttl_s);
  });
  if (!c.relay.origin.empty())
    if (auto o = parse_rtmp_origin(c.relay.origin); !o)
      errors.push_back(with_context(o.error(), "relay.origin").reason);
  section("cluster", [&](TableReader& r) {
    r.get("redis", c.cluster.redis);
    r.get("node_id", c.cluster.node_id);
    r.get("relay_listen", c.cluster.relay_listen);
    r.get("path_prefix", c.cluster.path_prefix);
    r.get("secret", c.cluster.secret);
    r.get("node_ttl_ms", c.cluster.node_ttl_ms);
    r.get("pin_ttl_ms", c.cluster.pin_ttl_ms);
    r.get("drain_timeout_ms", c.cluster.drain_timeout_ms);
    r.get("max_viewers", c.cluster.max_viewers);
    r.get("max_egress_mbps", c.cluster.max_egress_mbps);
    r.get("max_cpu_percent", c.cluster.max_cpu_percent);
    r.get("report_forward_rate", c.cluster.report_forward_rate);
    r.get("report_forward_client_rate", c.cluster.report_forward_client_rate);
  });
  if (c.cluster.enabled())
    if (auto st = check_cluster(c.cluster); !st) errors.push_back(st.error().reason);
  section("callbacks", [&](TableReader& r) {
    r.get("timeout_ms", c.callbacks.timeout_ms);
    r.get("retry_first_delay_ms", c.callbacks.retry_first_delay_ms);
    r.get("retry_max_delay_ms", c.callbacks.retry_max_delay_ms);
    r.get("retry_window_s", c.callbacks.retry_window_s);
    r.get("max_response_bytes", c.callbacks.max_response_bytes);
    r.get("max_in_flight", c.callbacks.max_in_flight);
    r.get("max_queued", c.callbacks.max_queued);
    r.get("ca_file", c.callbacks.ca_file);
  });
  if (c.callbacks.timeout_ms == 0 || c.callbacks.max_in_flight == 0)
    errors.push_back("callbacks.timeout_ms and callbacks.max_in_flight must be at least 1");
  if (auto* apps = root["apps"].as_array()) {
    for (auto& node : *apps) {
      const toml::table* t = node.as_table();
      if (!t) {
        errors.push_back("apps must be an array of tables [[apps]]");
        continue;
      }
      AppConfig app;
      TableReader r(*t, "apps.");
      r.get("id", app.id);
      r.get("key", app.key);
      r.get("callback_urls", app.callback_urls);
      r.get("callback_key", app.callback_key);
      r.get("callback_events", app.callback_events);
      std::string record = "none";
      r.get("record", record);
      if (record == "all")
        app.record_all = true;
      else if (record != "none")
        errors.push_back(fmt::format("apps.record of '{}' must be \"all\" or \"none\"", app.id));
      r.check_unknown();
      for (std::size_t i = 0; i < app.callback_urls.size(); i++) {
        const auto& u = app.callback_urls[i];
        if (auto parsed = webhook::parse_callback_url(u); !parsed)
          errors.push_back(
              fmt::format("apps.callback_urls of '{}': {}", app.id, parsed.error().reason));
        // Twice the same URL would get every event twice.
        if (std::find(app.callback_urls.begin(), app.callback_urls.begin() + i, u) !=
            app.callback_urls.begin() + i)
          errors.push_back(
              fmt::format("apps.callback_urls of '{}': {} is listed twice", app.id, u));
      }
      if (auto f = webhook::EventFilter::parse(app.callback_events); !f)
        errors.push_back(fmt::format("apps.callback_events of '{}': {}", app.id, f.error().reason));
      errors.insert(errors.end(), r.errors().begin(), r.errors().end());
      if (!is_valid_app_id(app.id))
        errors.push_back(fmt::format("apps.id '{}' is not 24 characters [a-zA-Z0-9]", app.id));
      if (app.key.empty()) errors.push_back(fmt::format("apps.key of '{}' is empty", app.id));
      c.apps.push_back(std::move(app));
    }
  }
  if (!BatchSender::parse(c.media.send_batching))
    errors.push_back(
        fmt::format("media.send_batching '{}' is not io_uring or sendmsg", c.media.send_batching));
  if (c.media.ingest_budget_bytes < (1u << 20))
    errors.push_back(
        fmt::format("media.ingest_budget_bytes {} is below 1 MiB", c.media.ingest_budget_bytes));
  for (auto& [k, v] : root) {
    static const std::set<std::string> kSections{"server",    "media",    "http",  "limits",
                                                 "room",      "apps",     "relay", "cluster",
                                                 "recording", "callbacks"};
    if (!kSections.count(std::string(k.str())))
      errors.push_back(fmt::format("unknown section '{}'", k.str()));
  }
  if (!errors.empty()) {
    std::string all;
    for (std::size_t i = 0; i < errors.size(); ++i) all += (i ? "; " : "") + errors[i];
    return make_error(all);
  }
  return c;
}

Status check_limits(const LimitsConfig& l) {
  const auto smallest = std::min({l.rtmp_connections, l.http_connections, l.flv_viewers});
  if (l.reserved_for_authenticated >= smallest)
    return make_error(fmt::format(
        "limits.reserved_for_authenticated ({}) must be below every door's limit (smallest {})",
        l.reserved_for_authenticated, smallest));
  return {};
}

Status check_cluster(const ClusterConfig& k) {
  if (!k.redis.starts_with("redis://"))
    return make_error(fmt::format("cluster.redis '{}' is not redis://HOST:PORT[/DB]", k.redis));
  if (k.secret.size() < 16)
    return make_error(
        "cluster.secret must be set (at least 16 characters, the same on every node) when "
        "cluster.redis is");
  if (!k.node_id.empty() && !cluster::is_valid_node_id(k.node_id))
    return make_error(
        fmt::format("cluster.node_id '{}' is not 1-64 characters [a-zA-Z0-9_.-]", k.node_id));
  if (!cluster::is_valid_path_prefix(k.path_prefix))
    return make_error(fmt::format(
        "cluster.path_prefix '{}' is not /segment[/segment] ([a-zA-Z0-9_.-], no trailing /)",
        k.path_prefix));
  if (!k.relay_listen.empty())
    if (auto hp = parse_host_port(k.relay_listen); !hp)
      return with_context(hp.error(), "cluster.relay_listen");
  if (k.node_ttl_ms < 2000 || k.pin_ttl_ms < k.node_ttl_ms)
    return make_error(
        "cluster.node_ttl_ms must be at least 2000 (records are refreshed every second) and "
        "cluster.pin_ttl_ms at least node_ttl_ms");
  return {};
}

Result<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return make_error(fmt::format("'{}' is not HOST:PORT", s));
  std::string host(s.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_s = s.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (ec != std::errc() || p != port_s.data() + port_s.size() || port > 65535)
    return make_error(fmt::format("'{}' has no valid port", s));
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

Result<std::pair<std::string, std::uint16_t>> parse_rtmp_origin(std::string_view s) {
  constexpr std::string_view kScheme = "rtmp://";
  if (!s.starts_with(kScheme)) return make_error(fmt::format("'{}' is not rtmp://HOST:PORT", s));
  auto rest = s.substr(kScheme.size());
  if (rest.find('/') != std::string_view::npos)
    return make_error(fmt::format("'{}' must have no path (rtmp://HOST:PORT)", s));
  auto hp = parse_host_port(rest);
  if (!hp) return make_error(fmt::format("'{}' is not rtmp://HOST:PORT", s));
  if (hp->second == 0) return make_error(fmt::format("'{}' has port 0", s));
  return hp;
}

Status check_relay(const Config& c) {
  if (!c.relay.origin.empty()) {
    if (auto o = parse_rtmp_origin(c.relay.origin); !o)
      return with_context(o.error(), "relay.origin");
    if (c.cluster.secret.empty())
      return make_error(
          "relay.origin needs cluster.secret (--cluster-secret): the origin accepts only relay "
          "URLs signed with it");
  }
  if (c.relay.retry_initial_ms == 0 || c.relay.retry_max_ms < c.relay.retry_initial_ms)
    return make_error("relay.retry_initial_ms must be at least 1 and at most relay.retry_max_ms");
  if (c.relay.url_ttl_s == 0) return make_error("relay.url_ttl_s must be at least 1");
  return {};
}

Result<AppConfig> parse_app_flag(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return make_error("--app must be APPID:APPKEY");
  AppConfig app;
  app.id = std::string(s.substr(0, colon));
  app.key = std::string(s.substr(colon + 1));
  if (!is_valid_app_id(app.id))
    return make_error(fmt::format("AppId '{}' is not 24 characters [a-zA-Z0-9]", app.id));
  if (app.key.empty()) return make_error("AppKey is empty");
  return app;
}

}  // namespace minirtc::server
