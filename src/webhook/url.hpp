#pragma once
// A callback URL (`callback_urls`): http or https, a host, an optional port, a path and query.
// Parsed with Boost.URL; anything else (other schemes, user info, fragments, no host) is refused
// when the configuration loads, so the sender only meets URLs it can use.

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace minirtc::webhook {

struct CallbackUrl {
  bool tls = false;
  std::string host;  // name or address, without brackets
  std::uint16_t port = 0;
  std::string target;  // "/path?query", at least "/"
  std::string text;    // as configured
};

Result<CallbackUrl> parse_callback_url(std::string_view text);

}  // namespace minirtc::webhook
