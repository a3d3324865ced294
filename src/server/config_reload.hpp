#pragma once
// SIGHUP: what a new configuration may change in a running server, and what it changed.
//
// The server re-reads its configuration (file, flags, development app) and hands both versions to
// plan_reload(). The plan keeps the running configuration and takes from the new one only what
// applies without dropping anyone:
//   - apps (added, removed, key changed: new URLs, tokens and connections use the new set;
//     connections already admitted stay),
//   - server.admin_key and server.log_level,
//   - [http] limits and timeouts (new requests),
//   - [media] viewer_max_*, viewer_kernel_unsent_bytes, url_ttl_s, handshake_timeout_s (new
//     connections and URLs),
//   - [limits] every door's limit, its reserve and the per-address limit (new connections; one
//     already admitted is never closed by a lower limit),
//   - [room] limits and timers (at once; the rate limit for new sessions).
// Everything else (listen addresses, public URLs, TLS files, data_dir, merge window, send
// batching, GOP cache, publisher idle timeout, timestamp lead, ingest budget, [relay], [cluster],
// and any key not named here) needs a restart: a change to it is reported and the running value
// kept. Pure: two configs in, a plan out; the server applies it and logs each line.

#include <string>
#include <vector>

#include "server/config.hpp"

namespace minirtc::server {

struct ReloadPlan {
  Config config;                          // the running one with the live changes applied
  std::vector<std::string> applied;       // "http.header_limit: 8192 -> 4096", "apps: added X"
  std::vector<std::string> need_restart;  // "server.http_listen: a -> b (needs a restart)"
  bool apps_changed = false;
  bool room_changed = false;  // room or dispatcher settings: the signal plane takes them
};

ReloadPlan plan_reload(const Config& running, const Config& next);

}  // namespace minirtc::server
