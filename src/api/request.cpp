#include "api/request.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace minirtc::api {

namespace json = boost::json;

Reply json_error(unsigned status, std::string_view reason) {
  json::object o;
  o["error"] = json::string_view(reason.data(), reason.size());
  Reply r;
  r.status = status;
  r.body = json::serialize(o);
  return r;
}

Reply json_reply(std::string body, unsigned status) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Result<json::value> parse_json_body(std::string_view body, const JsonLimits& limits) {
  if (body.size() > limits.max_bytes) return make_error("body too large");
  if (body.empty()) return json::value(json::object());
  json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec, {}, options);
  if (ec == json::error::too_deep)
    return make_error(fmt::format("body nests deeper than {}", limits.max_depth));
  if (ec) return make_error(fmt::format("body is not JSON ({})", ec.message()));
  return v;
}

}  // namespace minirtc::api
