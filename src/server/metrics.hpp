#pragma once
// Counters and histograms exported at /metrics in the Prometheus text format.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "server/ingest_budget.hpp"

namespace minirtc::server {

/// A fixed-bucket latency histogram (milliseconds).
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds{1,   2,   5,   10,   20,   50,
                                                  100, 200, 500, 1000, 2000, 5000};
  void observe(double ms) noexcept {
    for (std::size_t i = 0; i < kBounds.size(); ++i)
      if (ms <= kBounds[i]) ++buckets_[i];
    ++count_;
    sum_ += ms;
  }
  void write(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::array<std::uint64_t, kBounds.size()> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

struct Metrics {
  std::uint64_t rtmp_connections_total = 0;
  std::uint64_t http_requests_total = 0;
  std::uint64_t publishes_total = 0;
  std::uint64_t plays_total = 0;
  std::uint64_t takeovers_total = 0;
  // Relay (server/relay.hpp). Edge: pulls opened, those that were retries, pulls that ended while
  // wanted (refused, unreachable, dropped). Origin: relay pulls being served now.
  std::uint64_t relay_opens_total = 0;
  std::uint64_t relay_retries_total = 0;
  std::uint64_t relay_failures_total = 0;
  std::uint64_t relay_downstreams = 0;
  // Push forwards (server/push_forward.hpp): links opened to a room's node for a stream pushed
  // here, and those opened again for the same encoder after a link ended.
  std::uint64_t push_forwards_total = 0;
  std::uint64_t push_forward_reconnects_total = 0;
  // Forwards the room's node ended for good (NetStream.Publish.Denied): their encoders closed.
  std::uint64_t push_forwards_denied_total = 0;
  std::uint64_t cluster_redirects_total = 0;          // joins sent to the node that holds the room
  std::uint64_t cluster_rooms_restored_total = 0;     // rooms taken over from a node that is gone
  std::uint64_t cluster_reports_forwarded_total = 0;  // reports sent to the room's node
  std::uint64_t cluster_reports_applied_total = 0;    // reports forwarded here, applied
  std::map<std::string, std::uint64_t> rejected;      // reason class → count
  // Connections refused at a door (server/admission.hpp), by (door, reason): "door_full",
  // "per_ip", "evicted" (a stranger closed to make room), "out_of_descriptors" (accept failed).
  std::map<std::pair<std::string_view, std::string_view>, std::uint64_t> connections_refused;
  Histogram join_latency_ms;
  Histogram rpc_latency_ms;

  void reject(const std::string& what) { ++rejected[what]; }
  /// `door` and `reason` are static names (door_name, verdict_name, literals).
  void refuse(std::string_view door, std::string_view reason) {
    ++connections_refused[{door, reason}];
  }
};

/// Gauges of the RTMP ingest buffer budget: bytes held by kind of connection, and the budget.
/// (Refusals count in minirtc_rejected_total: rtmp_buffer_limit, rtmp_ingest_budget,
/// rtmp_ingest_budget_full.)
void write_ingest_budget(std::string& out, const IngestBudget& budget);

}  // namespace minirtc::server
