#pragma once
// JSON-RPC 2.0 framing for signalling (docs/protocol.md §4): one text frame holds one request
// object; replies and notifications are rendered compactly in a fixed key order. Limits are
// explicit: frame size and nesting depth; anything else is an error reply, never an exception.

#include <boost/json.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "room/outcome.hpp"

namespace minirtc::signal {

// JSON-RPC's own error codes (framing); everything else uses room::ErrorCode.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kRateLimited = -32029;

struct FrameLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_depth = 32;
};

/// A well-formed request: id is a number or a string, echoed back as received.
struct Request {
  boost::json::value id;
  std::string method;
  boost::json::object params;  // {} when absent
};

/// A frame that is not a valid request; `id` is the request's id when it could be read, else null.
struct FrameError {
  int code = kInvalidRequest;
  std::string message;
  boost::json::value id;
};

std::variant<Request, FrameError> parse_request(std::string_view frame, const FrameLimits& limits);

/// {"jsonrpc":"2.0","id":…,"result":…}
std::string render_result(const boost::json::value& id, boost::json::value result);
/// {"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…}}
std::string render_error(const boost::json::value& id, int code, std::string_view message);
/// {"jsonrpc":"2.0","method":"peerOnline","params":{"uid":"bob"}} etc. (§4.3)
std::string render_notification(const room::Notification& notification);
/// The `result` object of a successful reply (§4.2).
/// `report_url` (may be empty: left out): this node's POST /v1/report, added to join and resume
/// results so that a client sends its reports to the node that holds its session.
boost::json::value reply_json(const room::ReplyData& data, std::string_view report_url = {});

}  // namespace minirtc::signal
