#pragma once
// The built-in routes, one function per module file (docs/protocol.md, docs/operations.md):
//
//   core_routes.cpp    GET|HEAD /healthz, GET|HEAD /metrics, GET /v1/signal (without upgrade:
//                      426), GET /live/{key}.flv (not handed over: 403 with the reason)
//   client_routes.cpp  GET /v1/config, POST /v1/report, GET /v1/dev/token
//   admin_routes.cpp   /v1/admin/apps, /v1/admin/streams, /v1/admin/urls/{nonce}/revoke and the
//                      rooms of an app (list, view, dismiss, kick, forbid-publish)
//
// Other modules add theirs the same way (`void add_x_routes(Router&, X&)` in their own file,
// called where the server builds its router), e.g. recording_routes.cpp over api::Recorder.
// `services` must outlive the router.

#include "api/router.hpp"
#include "api/services.hpp"

namespace minirtc::api {

void add_core_routes(Router& router, Services& services);
void add_client_routes(Router& router, Services& services);
void add_admin_routes(Router& router, Services& services);

/// A router with every built-in route.
inline void add_builtin_routes(Router& router, Services& services) {
  add_core_routes(router, services);
  add_client_routes(router, services);
  add_admin_routes(router, services);
}

}  // namespace minirtc::api
