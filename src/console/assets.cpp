#include "console/assets.hpp"

#include <array>
#include <utility>

namespace minirtc::console {

std::string_view content_type_for(std::string_view name) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  }};
  for (const auto& [ext, type] : kTypes)
    if (name.ends_with(ext)) return type;
  return "application/octet-stream";
}

Resolution resolve(std::string_view path, std::span<const Asset> assets) noexcept {
  constexpr std::string_view kPrefix = "/console/";
  Resolution r;
  if (path == "/" || path == "/console") {
    r.kind = Resolution::Kind::Redirect;
    r.location = "console/";  // relative: from "/" and from "/console" both land on /console/
    return r;
  }
  if (!path.starts_with(kPrefix)) return r;  // NotConsole
  r.kind = Resolution::Kind::NotFound;
  if (path.size() > kMaxPathLength) return r;
  std::string_view name = path.substr(kPrefix.size());
  if (name.empty()) name = "index.html";
  for (const auto& a : assets) {
    if (a.name != name) continue;
    r.kind = Resolution::Kind::Serve;
    r.asset = &a;
    r.content_type = content_type_for(a.name);
    r.cache_control =
        a.name.starts_with("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    return r;
  }
  return r;
}

}  // namespace minirtc::console
