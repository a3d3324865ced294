#include "webhook/url.hpp"

#include <charconv>

#include <boost/url/parse.hpp>

namespace minirtc::webhook {

Result<CallbackUrl> parse_callback_url(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return make_error("callback URL '" + std::string(text) + "' " + std::string(why));
  };
  if (text.size() > 2048) return fail("is longer than 2048 characters");
  auto u = boost::urls::parse_absolute_uri(text);
  if (!u) return fail("is not an absolute URL");
  CallbackUrl out;
  if (u->scheme() == "https")
    out.tls = true;
  else if (u->scheme() != "http")
    return fail("is not http or https");
  if (!u->has_authority() || u->encoded_host().empty()) return fail("has no host");
  if (u->has_userinfo()) return fail("has user info (put secrets in callback_key)");
  out.host = u->host_type() == boost::urls::host_type::ipv6 ? std::string(u->encoded_host_address())
                                                            : std::string(u->encoded_host());
  if (u->has_port()) {
    auto p = u->port();
    unsigned port = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
      return fail("has no valid port");
    out.port = static_cast<std::uint16_t>(port);
  } else {
    out.port = out.tls ? 443 : 80;
  }
  out.target = std::string(u->encoded_target());
  if (out.target.empty() || out.target.front() != '/') out.target = "/" + out.target;
  out.text = std::string(text);
  return out;
}

}  // namespace minirtc::webhook
