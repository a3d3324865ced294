#include "console/feed_message.hpp"

#include <cstdint>
#include <span>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/hmac.hpp"

namespace minirtc::console {

namespace json = boost::json;

namespace {

std::string field(const json::object& o, std::string_view name) {
  if (const auto* f = o.if_contains(name); f && f->is_string()) return std::string(f->as_string());
  return {};
}

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

FeedMessage parse_feed_message(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  const json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec || !v.is_object()) return {};
  const auto& o = v.get_object();
  return {field(o, "type"), field(o, "key"), field(o, "appId"), field(o, "roomId")};
}

FeedAuth check_feed_auth(std::string_view first_message, std::string_view admin_key) {
  const auto m = parse_feed_message(first_message);
  if (m.type != "auth") return FeedAuth::NotAuth;
  if (admin_key.empty() || m.key.size() != admin_key.size() ||
      !auth::constant_time_equal(bytes(m.key), bytes(admin_key)))
    return FeedAuth::WrongKey;
  return FeedAuth::Accepted;
}

const char* to_string(FeedAuth result) noexcept {
  switch (result) {
    case FeedAuth::Accepted:
      return "accepted";
    case FeedAuth::NotAuth:
      return "not an auth message";
    case FeedAuth::WrongKey:
      return "wrong key";
  }
  return "?";
}

}  // namespace minirtc::console
