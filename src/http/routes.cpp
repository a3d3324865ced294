#include "http/routes.hpp"

#include <array>

#include "http/query.hpp"

namespace minirtc::http {

namespace {

struct Route {
  std::string_view pattern;
  std::string_view allow;
};

// docs/protocol.md and docs/operations.md (admin API) describe each of these.
constexpr std::array kRoutes{
    Route{"/healthz", "GET, HEAD"},
    Route{"/metrics", "GET, HEAD"},
    Route{"/v1/config", "GET"},
    Route{"/v1/report", "POST"},
    Route{"/v1/dev/token", "GET"},
    Route{"/v1/signal", "GET"},
    Route{"/v1/admin/apps", "GET"},
    Route{"/v1/admin/streams", "GET"},
    Route{"/v1/admin/urls/*/revoke", "POST"},
    Route{"/v1/admin/apps/*/rooms", "GET"},
    Route{"/v1/admin/apps/*/rooms/*", "GET"},
    Route{"/v1/admin/apps/*/rooms/*/dismiss", "POST"},
    Route{"/v1/admin/apps/*/rooms/*/users/*/kick", "POST"},
    Route{"/v1/admin/apps/*/rooms/*/users/*/forbid-publish", "POST"},
    // The web console (server/console_plane.hpp, console/assets.hpp).
    Route{"/", "GET, HEAD"},
    Route{"/console", "GET, HEAD"},
    Route{"/console/", "GET, HEAD"},
    Route{"/console/*", "GET, HEAD"},
    Route{"/console/assets/*", "GET, HEAD"},
    Route{"/v1/admin/feed", "GET"},
    Route{"/v1/admin/play-url", "POST"},
    Route{"/v1/admin/token", "POST"},
    Route{"/v1/admin/apps/*/rooms/*/users/*/mute", "POST"},
};

/// Next '/'-separated segment of `s` (which starts with '/'), consumed.
std::string_view next_segment(std::string_view& s) {
  s.remove_prefix(1);
  const auto slash = s.find('/');
  const auto seg = s.substr(0, slash);
  s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  return seg;
}

bool matches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    const auto want = next_segment(pattern);
    const auto got = next_segment(path);
    if (want == "*" ? got.empty() : want != got) return false;
  }
  return pattern.empty() && path.empty();
}

}  // namespace

std::string_view allowed_methods(std::string_view path) noexcept {
  if (path.empty() || path.front() != '/') return {};
  if (!flv_stream_key(path).empty()) return "GET";  // the key's checks answer 403
  for (const auto& r : kRoutes)
    if (matches(r.pattern, path)) return r.allow;
  return {};
}

bool allows(std::string_view allow, std::string_view method) noexcept {
  while (!allow.empty()) {
    const auto comma = allow.find(',');
    auto item = allow.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && item == method) return true;
    allow = comma == std::string_view::npos ? std::string_view() : allow.substr(comma + 1);
  }
  return false;
}

}  // namespace minirtc::http
