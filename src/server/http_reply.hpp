#pragma once
// A plain HTTP answer from a route: status, body, content type (and `Allow` for a 405), and any
// further header fields (the console's Cache-Control, Location, security headers).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace minirtc::server {

struct HttpReply {
  HttpReply(unsigned status = 200, std::string body = {},
            std::string content_type = "application/json", std::string allow = {})
      : status(status),
        body(std::move(body)),
        content_type(std::move(content_type)),
        allow(std::move(allow)) {}

  unsigned status;
  std::string body;
  std::string content_type;
  std::string allow;  // the route's methods: sent as `Allow` with 405 and in CORS preflights
  std::vector<std::pair<std::string, std::string>> headers;  // more header fields, sent as given
};

/// {"error": reason} with the given status.
HttpReply json_error(unsigned status, std::string_view reason);

}  // namespace minirtc::server
