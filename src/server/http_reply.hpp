#pragma once
// A plain HTTP answer from a route: status, body, content type.

#include <string>

namespace minirtc::server {

struct HttpReply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

/// {"error": reason} with the given status.
HttpReply json_error(unsigned status, std::string_view reason);

}  // namespace minirtc::server
