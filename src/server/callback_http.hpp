#pragma once
// One callback POST: Beast's HTTP client over TCP, or over OpenSSL for https (certificate and host
// name checked against the system's CAs and `callbacks.ca_file`; never skipped). One connection per
// request (`Connection: close`), one deadline for all of it (resolve, connect, TLS handshake,
// write, read): a receiver that hangs costs its socket, this coroutine's frame and the body until
// the deadline, a few KB. The answer's header is limited to 8 KiB and its body to
// `max_response_bytes`: a longer answer is cut off there and is a failure, whatever its status.
// The same client asks other cluster nodes for their part of a cluster-wide admin listing
// (server/node_fanout.hpp): a GET with the admin key, whose answer body is kept.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "webhook/url.hpp"

namespace minirtc::server {

struct PostOutcome {
  unsigned status = 0;  // the HTTP status; 0: none (error says why)
  std::string error;    // empty: a whole answer arrived
  std::string body;     // the answer's body, when a whole answer arrived
  bool delivered() const { return status == 200 && error.empty(); }
};

struct PostRequest {
  webhook::CallbackUrl url;
  std::string body;
  std::chrono::milliseconds timeout{5000};
  std::size_t max_response_bytes = 64 * 1024;
  std::string method = "POST";  // "GET": no body, no Content-Type
  std::string user_agent = "minirtc-callbacks";
  std::vector<std::pair<std::string, std::string>> headers;  // further fields, sent as given
};

/// Starts the POST on `io`; `done` runs on `io` exactly once (unless the loop stops first).
void post_callback(boost::asio::io_context& io, boost::asio::ssl::context& tls, PostRequest request,
                   std::function<void(PostOutcome)> done);

}  // namespace minirtc::server
