#pragma once
// Room pins: which node holds a room. A pin is written on the room's first join with an atomic
// set-if-absent (keys::room_pin, TTL Config::pin_ttl_ms); its owner refreshes it while it holds
// the room (compare-and-refresh: only while the value is still its own) and deletes it when the
// room ends (compare-and-delete).
//
// Conflicts. Two nodes can both hold a room: after a Redis outage (Redis restarted empty, or a
// node cut off from it long enough for its pin to expire while another pinned the room). Each
// owner finds out on its next refresh, when the pin is not its own. The rule, pin_winner, is a
// total order on the two pins that both nodes compute from the same two values, so they agree
// without talking: the pin held since earlier wins (its node has held the room longer and has
// the older state); equal times go to the smaller node id. The loser writes nothing and moves its
// sessions to the winner; the winner writes its pin back over the loser's.
//
// Pure: values in, decisions out.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace minirtc::cluster {

struct Pin {
  std::string node_id;
  std::uint64_t since_ms = 0;  // when this node started holding the room (kept across refreshes)

  bool operator==(const Pin&) const = default;
};

/// "v1 NODE SINCE".
std::string encode_pin(const Pin& pin);
Result<Pin> decode_pin(std::string_view text);

/// The pin that keeps the room when two nodes claim it (see above): a or b.
const Pin& pin_winner(const Pin& a, const Pin& b) noexcept;

/// What an owner does on its refresh, given the pin Redis holds now (nullopt: none).
enum class PinRefresh {
  Refresh,  // it is ours: extend the TTL
  Write,    // there is none (Redis restarted or the pin expired): write ours if still absent
  Take,     // another node's, and ours wins: replace theirs (only if unchanged meanwhile)
  Yield,    // another node's, and theirs wins: stop holding the room, move its sessions there
};
PinRefresh decide_refresh(const Pin& mine, const std::optional<Pin>& current) noexcept;

}  // namespace minirtc::cluster
