#pragma once
// The HTTP port's route table. Each module registers its routes from its own file (method(s) +
// path pattern → handler, with options) and the router answers everything that is not a handler's
// business the same way for every route:
//
//   1. two or more Authorization headers → 400 "more than one Authorization header", connection
//      closed (which credential a proxy or the server would check is a guess, so neither is);
//   2. no route has the path → 404 "no such route";
//   3. OPTIONS → 204 with the path's methods (CORS preflight, no auth);
//   4. a method no route of the path serves → 405 "method M not allowed here (allowed: A)" with
//      `Allow: A` (RFC 9110 §15.5.6), A the path's methods in registration order;
//   5. the query string, unless the route reads it raw → 400 "malformed query string";
//   6. Access::Admin routes: no admin key configured → 404 "admin API disabled (no admin_key)";
//      a missing or wrong `Authorization: Bearer <key>` → 401 "missing or wrong Bearer key"
//      (compared in constant time);
//   7. a body over the route's limit → 413 "body too large (limit N bytes)";
//   8. the handler.
//
// Patterns are '/'-separated segments: a literal, `{name}` (one non-empty segment), `{name}.ext`
// (a segment ending in `.ext`, the rest non-empty) or, as the last segment, `{name...}.ext` (the
// rest of the path, '/' included). Pure: no clock, no socket; the I/O layer builds the Request,
// applies the Reply's effects and writes it. Not thread-safe once serving: register, then handle.

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/request.hpp"
#include "http/query.hpp"

namespace minirtc::api {

enum class Access : std::uint8_t { Public, Admin };

struct RouteOptions {
  Access access = Access::Public;
  /// The route reads Request::query itself (FLV play URLs); step 5 is skipped.
  bool raw_query = false;
  /// Step 7; 0: the handler checks the size itself.
  std::size_t max_body_bytes = JsonLimits{}.max_bytes;
};

/// What a handler gets: the request, the pattern's parameters and the parsed query.
class Call {
 public:
  Call(const Request& request, std::vector<std::pair<std::string_view, std::string_view>> params,
       const http::Query& query)
      : request(request), query(query), params_(std::move(params)) {}

  /// The segment `{name}` matched (empty when the pattern has no such parameter).
  std::string_view param(std::string_view name) const noexcept;

  const Request& request;
  const http::Query& query;  // empty for raw_query routes

 private:
  std::vector<std::pair<std::string_view, std::string_view>> params_;
};

using Handler = std::function<Reply(const Call&)>;

class Router {
 public:
  /// `Authorization: Bearer <key>` opens Access::Admin routes; empty: they answer 404.
  void set_admin_key(std::string key) {
    admin_key_ = [key = std::move(key)] { return std::string_view(key); };
  }
  /// The same, read at each request (a key the configuration reload changes).
  void set_admin_key_source(std::function<std::string_view()> source) {
    admin_key_ = std::move(source);
  }

  /// Registers `handler` for `methods` on `pattern`. A method already registered on an equal
  /// pattern is a programming error (std::logic_error), as is a malformed pattern.
  void add(std::initializer_list<std::string_view> methods, std::string pattern, Handler handler,
           RouteOptions options = {});
  void get(std::string pattern, Handler handler, RouteOptions options = {}) {
    add({"GET"}, std::move(pattern), std::move(handler), options);
  }
  void post(std::string pattern, Handler handler, RouteOptions options = {}) {
    add({"POST"}, std::move(pattern), std::move(handler), options);
  }

  /// Steps 1-8 above.
  Reply handle(const Request& request) const;

  /// The `Allow` value ("GET, HEAD") of `path`, empty when no route has that path.
  std::string allowed_methods(std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
  };
  using Params = std::vector<std::pair<std::string_view, std::string_view>>;
  static bool match(const Route& route, std::string_view path, Params* params);
  /// Step 6: nullopt when the request carries the admin key.
  std::optional<Reply> refuse_admin(const Request& request) const;

  std::vector<Route> routes_;
  std::function<std::string_view()> admin_key_;
};

/// Step 6's comparison: whether `authorization` is "Bearer <key>" (constant time); false for an
/// empty key. For doors that carry the key elsewhere (the console feed's first message).
bool bearer_matches(std::string_view key, std::string_view authorization);

/// Step 1 alone, for the I/O layer to apply before it hands a connection over (FLV viewer,
/// WebSocket): nullopt when the request carries at most one Authorization header.
std::optional<Reply> refuse_credentials(const Request& request);

}  // namespace minirtc::api
