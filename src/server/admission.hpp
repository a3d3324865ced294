#pragma once
// Who may open a connection, per door. The server has three doors, each with its own limit:
// RTMP connections, HTTP connections (API requests and signalling WebSockets), and FLV viewers
// (HTTP-FLV and WebSocket-FLV arrive on the HTTP port and move to the FLV door once their signed
// URL is verified). A connection of one door never takes a slot of another.
//
// A connection is unauthenticated until it proves itself: an RTMP publish/play with a valid
// signed URL, a signalling session that joined (or resumed) with a valid token, a verified signed
// FLV URL (FLV viewers are authenticated when they reach their door). Strangers cost the server
// little each, but enough of them could fill a door; so:
//
// - Unauthenticated connections may hold at most `max_connections - reserved` slots of a door.
//   The reserve is kept for connections that have authenticated.
// - A newcomer (every connection arrives unauthenticated, and an FLV viewer arrives
//   authenticated) that finds the strangers' share or the whole door full takes the slot of the
//   door's OLDEST unauthenticated connection, which is closed. A client with a valid signature
//   authenticates within a round trip or two, while an idle stranger's connection grows old: so
//   idle strangers can never lock real users out, whatever their number. Only a door full of
//   authenticated connections refuses (DoorFull).
// - One address may hold at most `unauthenticated_per_ip` unauthenticated connections of a door
//   (0: no such limit); the next is refused (PerIp) and evicts nobody. Loopback is not exempt.
//
// admit() is the rule, a pure function of the door's limits and counts; ConnectionTable applies
// it to live connections.

#include <array>
#include <cstdint>
#include <string_view>

namespace minirtc::server {

enum class Door : std::uint8_t { Rtmp, Http, Flv };
inline constexpr std::array<Door, 3> kDoors{Door::Rtmp, Door::Http, Door::Flv};
/// "rtmp", "http", "flv": metric labels and log lines.
std::string_view door_name(Door door) noexcept;

struct DoorLimits {
  std::uint32_t max_connections = 0;         // the door's slots
  std::uint32_t reserved = 0;                // slots unauthenticated connections may not hold
  std::uint32_t unauthenticated_per_ip = 0;  // per address; 0 = no per-address limit
};

/// The door's connections before the newcomer.
struct DoorCounts {
  std::uint32_t authenticated = 0;
  std::uint32_t unauthenticated = 0;
  std::uint32_t unauthenticated_from_ip = 0;  // of those, from the newcomer's address
};

enum class Verdict : std::uint8_t {
  Admit,
  AdmitEvictingOldest,  // admit, and close the door's oldest unauthenticated connection
  RefuseDoorFull,       // every slot is held by an authenticated connection
  RefusePerIp,          // the address holds its share of unauthenticated connections
};
/// "door_full", "per_ip" for refusals, "admitted" / "evicting" otherwise.
std::string_view verdict_name(Verdict verdict) noexcept;

/// The rule above for a newcomer, `authenticated` or not.
Verdict admit(const DoorLimits& limits, const DoorCounts& counts, bool authenticated) noexcept;

}  // namespace minirtc::server
