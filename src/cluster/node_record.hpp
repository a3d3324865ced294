#pragma once
// A node's record in the registry: who it is, where clients and other nodes reach it, and its
// load. Every node writes its own record every second with a TTL of a few seconds
// (keys::node); a node whose record has expired is dead to the others.
//
// The codec is JSON (one object, every field present, nothing else); decode refuses anything
// else with a reason, and bounds every string, because a record comes from the network. URLs and
// the relay address are visible ASCII (no spaces, control characters or other bytes), which also
// keeps the encoding of every record decode accepts within decode's size bound (4096 bytes).
// The load figures (egressMbps, cpuPercent) are kept to 3 decimals, by encode and by decode:
// Boost.JSON 1.81's parser reads a double printed with all 17 significant digits back one unit
// in the last place off in about 8% of cases, and values of 3 decimals (up to the 1e12 decode
// accepts) back exactly, so decode(encode(r)) == r holds for every record decode returns.
// Pure: values in, values out.

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace minirtc::cluster {

/// 1-64 characters [a-zA-Z0-9_.-]: a node id appears in keys, channels and logs.
bool is_valid_node_id(std::string_view id) noexcept;
/// "" or "/seg[/seg...]" of [a-zA-Z0-9_.-] segments, at most 64 characters, no trailing '/'.
bool is_valid_path_prefix(std::string_view prefix) noexcept;

/// Longest URL or address in a record.
inline constexpr std::size_t kMaxRecordUrl = 512;

struct NodeRecord {
  std::string id;
  std::string public_url;      // http(s)://host[:port], what clients reach (without the prefix)
  std::string path_prefix;     // e.g. "/n2": this node's routes behind a shared domain
  std::string rtmp_url;        // rtmp(s)://host[:port] of this node's RTMP port (+ prefix none)
  std::string relay_address;   // HOST:PORT other nodes pull streams from
  std::uint32_t rooms = 0;     // rooms held
  std::uint32_t sessions = 0;  // signalling sessions
  std::uint32_t viewers = 0;   // media viewers (RTMP + FLV)
  double egress_mbps = 0;      // media bytes out, Mbit/s over the last seconds (3 decimals kept)
  double cpu_percent = 0;      // process CPU, percent of one core (3 decimals kept)
  std::uint64_t started_at_ms = 0;
  std::uint64_t updated_at_ms = 0;

  bool operator==(const NodeRecord&) const = default;

  /// public_url + path_prefix: the base of this node's HTTP routes as clients see them.
  std::string http_base() const;
  /// ws(s)://host[:port][prefix]/v1/signal.
  std::string signal_url() const;
};

std::string encode_node_record(const NodeRecord& record);
Result<NodeRecord> decode_node_record(std::string_view text);

}  // namespace minirtc::cluster
