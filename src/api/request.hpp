#pragma once
// One HTTP API exchange as values: a Request in (method, path, query, body, the Authorization
// header(s) as sent, the time), a Reply out (status, content type, body, `Allow`, further header
// fields, whether to close the connection) with the effects the I/O layer applies after the
// handler returned: room notifications and media effects of an admin command, a report's
// notifications, a URL to revoke, a stream to mute for everyone, a report to forward to another
// cluster node; and a rejection reason to count, a line to log. A reply that needs other cluster
// nodes' answers first (a cluster-wide admin listing) carries a FanOut: the I/O layer asks them
// and writes the reply FanOut::finish makes of their answers.
//
// Why values: the routes' rules (auth, limits, status codes, JSON shapes) are tested without a
// socket, and the I/O layer (server/http_session, server/signal_plane) only carries bytes and
// applies effects, in list order, before the reply is written.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "core/ids.hpp"
#include "room/outcome.hpp"
#include "signal/dispatcher.hpp"
#include "util/result.hpp"

namespace minirtc::api {

struct Request {
  std::string_view method;  // as sent, case-sensitive (RFC 9110)
  std::string_view path;    // without the query
  std::string_view query;   // after '?', undecoded
  std::string_view body;
  /// Every Authorization header of the request, in order (two or more: refused with 400).
  std::vector<std::string_view> authorizations;
  std::uint64_t now_ms = 0;  // unix ms
  /// The client's address as rate limits key it: an IPv4 address, an IPv6 /64 prefix ("" when
  /// unknown). Behind a proxy it is the proxy's.
  std::string_view client;
};

/// Refuse this signed URL from now on and close the connections that used it.
struct RevokeUrl {
  std::string nonce;
  std::string reason;
};

/// Mute a stream for everyone (the media hub stops forwarding the muted kinds to every viewer).
struct MuteStream {
  StreamId id;
  bool audio = false;
  bool video = false;
};

/// Cluster mode: send this POST /v1/report body to the node that holds its room (a signed message
/// addressed to `node_id`, docs/cluster.md "Reports"); that node applies it as if it had been
/// posted there.
struct ForwardReport {
  std::string node_id;
  std::string body;
};

/// What the I/O layer does once the handler returned, in list order: a room command's Outcome is
/// rendered by the signalling dispatcher and applied (notifications, closes, media effects); a
/// DispatchResult (report) is applied as it is.
using Effect =
    std::variant<room::Outcome, signal::DispatchResult, RevokeUrl, MuteStream, ForwardReport>;

struct LogLine {
  enum class Level : std::uint8_t { Info, Warn };
  Level level = Level::Info;
  std::string_view key;  // rate-limit key (server/log_limiter): one per kind of line
  std::string text;
};

/// A reply whose body is a file on disk (a recording's MP4): the I/O layer streams it (Beast's
/// file_body), sent as an attachment named `name`; 404 when it cannot be opened.
struct FileBody {
  std::string path;
  std::string name;
};

struct FanOut;

struct Reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string allow;   // the route's methods: sent as `Allow` with 405 and in CORS preflights
  bool close = false;  // the request cannot be trusted: answer, then close the connection
  /// Further header fields, sent as given (a redirect's Location, caching, security headers).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view rejected;  // non-empty: count in minirtc_rejected_total{reason=...}
  std::optional<LogLine> log;
  std::vector<Effect> effects;
  std::optional<FileBody> file;  // set: the body is this file, `body` is unused
  /// Set: this reply is not written; the I/O layer asks the nodes and writes fan_out->finish's.
  std::shared_ptr<const FanOut> fan_out;
};

/// What one node answered a FanOut request. `error` set: no whole answer came (not reachable, no
/// answer in time, an answer over the size limit); `status` 0: the node was not reached at all.
struct NodeAnswer {
  unsigned status = 0;
  std::string body;
  std::string error;
};

/// Cluster mode (docs/cluster.md "Cluster-wide admin"): GET each target's `url` with this node's
/// admin key, all at once, each bounded by `timeout_ms` (resolve to last byte) and its answer by
/// `max_answer_bytes`; then `finish(answers)`, in the order of `targets`, is the reply. `finish` is
/// pure (it holds this node's own part, taken when the route ran).
struct FanOut {
  struct Target {
    std::string node_id;
    std::string url;  // http(s)://host[:port]/path?query
  };
  std::vector<Target> targets;
  std::uint32_t timeout_ms = 2000;
  std::size_t max_answer_bytes = 8 * 1024 * 1024;
  std::function<Reply(std::vector<NodeAnswer>)> finish;
};

/// {"error": reason} with the given status.
Reply json_error(unsigned status, std::string_view reason);
/// 200 (or `status`) with a JSON body.
Reply json_reply(std::string body, unsigned status = 200);

/// Limits for a JSON request body, checked before parsing.
struct JsonLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_depth = 16;
};

/// Parses a request body as JSON: an empty body is `{}`. Errors: "body too large", "body is not
/// JSON (...)", "body nests deeper than N".
Result<boost::json::value> parse_json_body(std::string_view body, const JsonLimits& limits = {});

}  // namespace minirtc::api
