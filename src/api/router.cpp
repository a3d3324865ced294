#include "api/router.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "auth/hmac.hpp"

namespace minirtc::api {

namespace {

/// The '/'-separated segments after the leading '/'; nullopt when `path` does not start with '/'.
std::optional<std::vector<std::string_view>> split(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  for (;;) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

struct ParamSegment {
  std::string_view name;
  std::string_view suffix;
  bool rest = false;  // {name...}: the rest of the path
};

std::optional<ParamSegment> param_segment(std::string_view seg) {
  if (!seg.starts_with('{')) return std::nullopt;
  const auto close = seg.find('}');
  ParamSegment p;
  p.name = seg.substr(1, close - 1);
  p.suffix = seg.substr(close + 1);
  if (p.name.ends_with("...")) {
    p.rest = true;
    p.name.remove_suffix(3);
  }
  return p;
}

}  // namespace

std::string_view Call::param(std::string_view name) const noexcept {
  for (const auto& [k, v] : params_)
    if (k == name) return v;
  return {};
}

void Router::add(std::initializer_list<std::string_view> methods, std::string pattern,
                 Handler handler, RouteOptions options) {
  auto segments = split(pattern);
  if (!segments) throw std::logic_error("route pattern must start with '/': " + pattern);
  for (std::size_t i = 0; i < segments->size(); ++i) {
    const auto seg = (*segments)[i];
    if (seg.empty()) throw std::logic_error("empty segment in route pattern " + pattern);
    if (seg.front() == '{') {
      const auto close = seg.find('}');
      const auto p = param_segment(seg);
      if (close == std::string_view::npos || close < 2 || p->name.empty())
        throw std::logic_error("malformed parameter in route pattern " + pattern);
      if (p->rest && i + 1 != segments->size())
        throw std::logic_error("{name...} must be the last segment: " + pattern);
    } else if (seg.find_first_of("{}") != std::string_view::npos) {
      throw std::logic_error("a parameter must start its segment: " + pattern);
    }
  }
  for (auto method : methods) {
    for (const auto& r : routes_)
      if (r.pattern == pattern && r.method == method)
        throw std::logic_error(fmt::format("route {} {} registered twice", method, pattern));
    Route r{std::string(method), pattern, {}, handler, options};
    for (auto seg : *segments) r.segments.emplace_back(seg);
    routes_.push_back(std::move(r));
  }
}

bool Router::match(const Route& route, std::string_view path, Params* params) {
  auto got = split(path);
  if (!got) return false;
  std::size_t i = 0;
  for (; i < route.segments.size(); ++i) {
    const std::string_view want = route.segments[i];
    if (i >= got->size()) return false;
    const auto p = param_segment(want);
    if (!p) {
      if ((*got)[i] != want) return false;
      continue;
    }
    std::string_view value = (*got)[i];
    if (p->rest) {  // the rest of the path from this segment on
      value = std::string_view((*got)[i].data(), path.data() + path.size() - (*got)[i].data());
      i = got->size() - 1;
    }
    if (value.size() <= p->suffix.size() || !value.ends_with(p->suffix)) return false;
    value.remove_suffix(p->suffix.size());
    if (params) params->emplace_back(p->name, value);
    if (p->rest) return true;
  }
  return i == got->size();
}

std::string Router::allowed_methods(std::string_view path) const {
  std::string allow;
  for (const auto& r : routes_) {
    if (!match(r, path, nullptr)) continue;
    if (!allow.empty()) allow += ", ";
    allow += r.method;
  }
  return allow;
}

std::optional<Reply> refuse_credentials(const Request& request) {
  if (request.authorizations.size() <= 1) return std::nullopt;
  Reply r = json_error(400, "more than one Authorization header");
  r.close = true;
  r.rejected = "http_duplicate_authorization";
  r.log =
      LogLine{LogLine::Level::Info, "http refused", "refused: more than one Authorization header"};
  return r;
}

bool bearer_matches(std::string_view key, std::string_view authorization) {
  return !key.empty() && auth::constant_time_equal(authorization, "Bearer " + std::string(key));
}

std::optional<Reply> Router::refuse_admin(const Request& request) const {
  const std::string_view key = admin_key_ ? admin_key_() : std::string_view();
  if (key.empty()) return json_error(404, "admin API disabled (no admin_key)");
  if (request.authorizations.size() == 1 && bearer_matches(key, request.authorizations.front()))
    return std::nullopt;
  Reply r = json_error(401, "missing or wrong Bearer key");
  r.rejected = "admin_unauthorized";
  return r;
}

Reply Router::handle(const Request& request) const {
  if (auto refused = refuse_credentials(request)) return std::move(*refused);
  const Route* route = nullptr;
  Params params;
  std::string allow;
  for (const auto& r : routes_) {
    if (!match(r, request.path, nullptr)) continue;
    if (!allow.empty()) allow += ", ";
    allow += r.method;
    if (!route && r.method == request.method) route = &r;
  }
  if (allow.empty()) return json_error(404, "no such route");
  if (request.method == "OPTIONS") {
    Reply r;
    r.status = 204;
    r.content_type = "text/plain";
    r.allow = std::move(allow);
    return r;
  }
  if (!route) {
    Reply r = json_error(
        405, fmt::format("method {} not allowed here (allowed: {})", request.method, allow));
    r.allow = std::move(allow);
    r.rejected = "http_method";
    return r;
  }
  std::optional<http::Query> query = http::Query();
  if (!route->options.raw_query) {
    query = http::Query::parse(request.query);
    if (!query) return json_error(400, "malformed query string");
  }
  if (route->options.access == Access::Admin) {
    if (auto refused = refuse_admin(request)) return std::move(*refused);
  }
  if (route->options.max_body_bytes != 0 && request.body.size() > route->options.max_body_bytes)
    return json_error(
        413, fmt::format("body too large (limit {} bytes)", route->options.max_body_bytes));
  match(*route, request.path, &params);
  return route->handler(Call(request, std::move(params), *query));
}

}  // namespace minirtc::api
