#pragma once
// The web console's static files (console/dist, built by Vite from console/src and embedded in the
// binary at build time by console/embed.cmake) and the rule that maps a request path to one of
// them. Pure: a path in, a decision out; the HTTP session writes the answer.
//
// Rules (docs/operations.md "Web console"):
// - `/` and `/console` redirect (302) to `console/`: a relative Location, so the console works
//   behind a proxy that mounts the server under a prefix.
// - `/console/` is index.html; `/console/NAME` is the embedded file NAME, matched exactly against
//   the table. Nothing else is served: a path that is not a name in the table (`..`, `%2e%2e`,
//   encoded slashes, doubled slashes, backslashes, over-long paths) is 404, so no path ever reaches
//   a file system.
// - Files under `assets/` carry a content hash in their name (Vite): cached for a year,
//   immutable. index.html is `no-cache`: a new build is seen on the next load.

#include <cstddef>
#include <span>
#include <string_view>

namespace minirtc::console {

struct Asset {
  std::string_view name;  // relative to console/dist, e.g. "index.html", "assets/index-ab12.js"
  std::string_view body;
};

/// The files embedded at build time (generated source).
std::span<const Asset> embedded_assets() noexcept;

/// Content-Type of a file name by its extension ("application/octet-stream" when unknown).
std::string_view content_type_for(std::string_view name) noexcept;

/// Longest request path the console answers (a longer one is 404 before any lookup).
inline constexpr std::size_t kMaxPathLength = 256;

struct Resolution {
  enum class Kind { NotConsole, Serve, Redirect, NotFound };
  Kind kind = Kind::NotConsole;
  const Asset* asset = nullptr;
  std::string_view location;       // Redirect: relative URL
  std::string_view content_type;   // Serve
  std::string_view cache_control;  // Serve
};

/// What `path` (the request target without its query) is: not the console's (another route),
/// a file to serve, a redirect, or a console path with no such file.
Resolution resolve(std::string_view path, std::span<const Asset> assets) noexcept;

}  // namespace minirtc::console
