#pragma once
// When a node (the edge) keeps an upstream to the node a stream is published on (the origin):
// the rule of server/relay, as pure functions of the stream's demand, its state and the time, so
// unit tests call it directly.
//
// The rule, per stream:
//  - A stream is relayed while it has viewers on this node, no publisher of this node, and an
//    origin is known for it (RelayManager's find_origin). Relay downstreams (other nodes pulling
//    from this one) are not viewers here: a relay is one hop, so two nodes that name each other
//    cannot keep a stream alive between them.
//  - Exactly one upstream per stream: it is opened on the first viewer (unless a retry is due
//    later) and kept while there are viewers, however many.
//  - When the last viewer leaves, the upstream is kept for `idle_grace_ms` (a viewer who comes
//    back, or the next one, needs no new pull), then closed. A viewer within the grace keeps it.
//  - A publisher of this node, or no known origin, closes the upstream at once: a local
//    publisher takes over the stream (the hub already made it the stream's publisher).
//  - An upstream that ends while wanted (origin refused, unreachable, dropped) is retried after
//    an exponential backoff: retry_initial_ms, doubled per failure in a row, at most
//    retry_max_ms. An upstream that delivered media before it ended starts the count over (its
//    end is the first failure). The backoff is against the origin that failed: when the origin
//    is another one (the room moved to another node), the next upstream opens at once, its count
//    started over. Viewers stay attached meanwhile: the hub keeps them, and the next
//    upstream's stream reaches them from a keyframe (media::Source holds video back until one
//    after a new publisher begins, and the origin starts a new play with its GOP cache).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace minirtc::server {

struct RelayTiming {
  std::uint32_t idle_grace_ms = 5000;
  std::uint32_t retry_initial_ms = 500;
  std::uint32_t retry_max_ms = 15000;
};

/// What the stream looks like on this node now.
struct RelayDemand {
  std::size_t viewers = 0;      // this node's viewers (relay downstreams excluded)
  bool published_here = false;  // a publisher of this node holds the stream
  bool origin_known = false;    // an origin to pull from is known
  std::string_view origin;      // which one (when known)
};

/// What the relay remembers of one stream.
struct RelayState {
  bool upstream = false;            // an upstream is open (connecting or playing)
  std::uint64_t idle_since_ms = 0;  // when the last viewer left (0 while there are viewers)
  std::uint32_t failures = 0;       // upstreams that ended while wanted, in a row
  std::uint64_t retry_at_ms = 0;    // no new upstream before this
  std::string origin;               // of the last upstream opened (what the failures count)
};

enum class RelayAction {
  Keep,    // nothing to do now
  Open,    // open the upstream
  Close,   // close the upstream and forget the stream
  Forget,  // no upstream and none wanted: forget the stream
};

/// The action for a stream now; applies it to `state` (Open sets upstream, Close clears it).
RelayAction relay_decide(RelayState& state, const RelayDemand& demand, std::uint64_t now_ms,
                         const RelayTiming& timing);

/// The wait before the retry after `failures` failures in a row (1 = the first).
std::uint32_t relay_backoff_ms(std::uint32_t failures, const RelayTiming& timing);

/// The upstream ended while wanted: counts the failure and sets when the retry is due.
void relay_upstream_ended(RelayState& state, bool delivered_media, std::uint64_t now_ms,
                          const RelayTiming& timing);

}  // namespace minirtc::server
