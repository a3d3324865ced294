#pragma once
// The built-in routes, one function per module file (docs/protocol.md, docs/operations.md):
//
//   core_routes.cpp    GET|HEAD /healthz, GET|HEAD /metrics, GET /v1/signal (without upgrade:
//                      426), GET /live/{key}.flv (not handed over: 403 with the reason)
//   client_routes.cpp  GET /v1/config, POST /v1/report, GET /v1/dev/token
//   admin_routes.cpp   /v1/admin/apps, /v1/admin/streams, /v1/admin/urls/{nonce}/revoke and the
//                      rooms of an app (list, view, dismiss, kick, forbid-publish)
//   console_routes.cpp the web console's: POST /v1/admin/play-url, POST /v1/admin/token,
//                      POST /v1/admin/apps/{app}/rooms/{room}/users/{user}/mute, and
//                      GET /v1/admin/feed without an upgrade (426)
//
// Other modules add theirs the same way (`void add_x_routes(Router&, X&)` in their own file,
// called where the server builds its router), e.g. recording_routes.cpp over api::Recorder.
// `services` must outlive the router.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "api/router.hpp"
#include "api/services.hpp"
#include "core/ids.hpp"
#include "media/source.hpp"

namespace minirtc::api {

void add_core_routes(Router& router, Services& services);
void add_client_routes(Router& router, Services& services);
void add_admin_routes(Router& router, Services& services);
void add_console_routes(Router& router, Services& services);

// ---- JSON the routes and the console feed share.

/// One stream's statistics as /v1/admin/streams lists them ({"stream", "appId", ..., "fps", ...}).
boost::json::object stream_json(const StreamId& id, const media::StreamStats& stats);

/// What to put in an access token and whom it is for.
struct TokenGrant {
  std::string_view room_id, user_id;
  std::uint32_t nonce = 0, issued_at = 0, expire_at = 0;
  bool publish = true, subscribe = true;
};
/// {"appId", "token", "expireAt"}: a "001" token for `app` signed with its key.
std::string token_json(const AppInfo& app, const TokenGrant& grant);

/// A router with every built-in route.
inline void add_builtin_routes(Router& router, Services& services) {
  add_core_routes(router, services);
  add_client_routes(router, services);
  add_admin_routes(router, services);
  add_console_routes(router, services);
}

}  // namespace minirtc::api
