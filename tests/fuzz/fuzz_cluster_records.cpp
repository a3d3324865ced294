// libFuzzer target: the records nodes read from Redis (docs/cluster.md), which other nodes, or
// anyone with Redis's password, write:
//   selector 0  a session record (cluster/session_record.hpp, hash keys::room_sessions)
//   selector 1  a node record (cluster/node_record.hpp, keys::node)
//   selector 2  a pin (cluster/pins.hpp, keys::room_pin); with a '\n', two pins that conflict
//   selector 3  a room directory field '\n' entry (cluster/room_directory.hpp, keys::node_rooms)
//   selector 4  a signed record as stored (cluster/signing.hpp): verified under the test secret,
//               then its body decoded as a node record and as a session record, as
//               Coordinator::nodes and Coordinator::load_sessions do
// The first byte is the selector (mod 5), the rest is the stored text.
//
// Invariants, each an abort (a crash to libFuzzer) when broken:
//   - what decodes is within its decoder's size limit and satisfies its documented checks
//     (ids, URLs, path prefix, list bounds and uniqueness);
//   - it round-trips: decode(encode(x)) == x, and encode(x) is a fixpoint of decode/encode;
//   - a room field parses only if room_field() of its ids gives it back;
//   - two pins: pin_winner is symmetric and returns one of them; two different nodes decide
//     opposite refreshes (one takes, one yields), a node facing its own pin refreshes, and a
//     missing pin is written;
//   - a signed record accepted under the secret is refused under another one.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "cluster/node_record.hpp"
#include "cluster/pins.hpp"
#include "cluster/room_directory.hpp"
#include "cluster/session_record.hpp"
#include "cluster/signing.hpp"
#include "core/ids.hpp"

namespace {

using namespace minirtc;
using namespace minirtc::cluster;

constexpr std::string_view kSecret = "fuzz-cluster-secret-0123456789";
constexpr std::string_view kOtherSecret = "fuzz-cluster-secret-0123456788";
constexpr std::uint64_t kNowMs = 1'796'187'219'000;  // the signed seeds are signed at this time
constexpr std::uint64_t kMaxAgeMs = 60'000;
// The decoders' limits (session_record.cpp, node_record.cpp, pins.cpp, room_directory.cpp).
constexpr std::size_t kMaxSessionRecord = 32 * 1024;
constexpr std::size_t kMaxNodeRecord = 4096;
constexpr std::size_t kMaxPin = 100;
constexpr std::size_t kMaxRoomEntry = 1024;

void check(bool ok) {
  if (!ok) std::abort();
}

void session_record(std::string_view text) {
  auto r = decode_session_record(text);
  if (!r) return;
  check(text.size() <= kMaxSessionRecord);
  const auto& m = r->member;
  check(is_valid_app_id(r->app_id) && is_valid_id(r->room_id) && is_valid_id(m.user_id));
  check(m.business_id.empty() || is_valid_id(m.business_id));
  check(!m.session_token.empty() && is_valid_node_id(r->node_id));
  check(m.publications.size() <= 2);
  if (m.publications.size() == 2) check(m.publications[0].kind != m.publications[1].kind);
  check(m.subscriptions.size() <= kMaxRecordSubscriptions);
  for (std::size_t i = 0; i < m.subscriptions.size(); ++i) {
    check(is_valid_id(m.subscriptions[i].user_id));
    for (std::size_t j = 0; j < i; ++j)
      check(m.subscriptions[i].user_id != m.subscriptions[j].user_id ||
            m.subscriptions[i].kind != m.subscriptions[j].kind);
  }
  const auto encoded = encode_session_record(*r);
  auto again = decode_session_record(encoded);
  check(again.ok());
  check(*again == *r);
  check(encode_session_record(*again) == encoded);
}

void node_record(std::string_view text) {
  auto r = decode_node_record(text);
  if (!r) return;
  check(text.size() <= kMaxNodeRecord);
  check(is_valid_node_id(r->id) && is_valid_path_prefix(r->path_prefix));
  check(r->public_url.size() <= kMaxRecordUrl && r->rtmp_url.size() <= kMaxRecordUrl &&
        r->relay_address.size() <= kMaxRecordUrl);
  check(r->public_url.starts_with("http://") || r->public_url.starts_with("https://"));
  check(r->rtmp_url.starts_with("rtmp://") || r->rtmp_url.starts_with("rtmps://"));
  for (double d : {r->egress_mbps, r->cpu_percent}) check(std::isfinite(d) && d >= 0 && d <= 1e12);
  const auto encoded = encode_node_record(*r);
  auto again = decode_node_record(encoded);
  check(again.ok());
  check(*again == *r);
  check(encode_node_record(*again) == encoded);
}

std::optional<Pin> pin(std::string_view text) {
  auto p = decode_pin(text);
  if (!p) return std::nullopt;
  check(text.size() <= kMaxPin && is_valid_node_id(p->node_id));
  const auto encoded = encode_pin(*p);
  check(encoded.size() <= kMaxPin);
  auto again = decode_pin(encoded);
  check(again.ok() && *again == *p && encode_pin(*again) == encoded);
  check(decide_refresh(*p, std::nullopt) == PinRefresh::Write);
  check(decide_refresh(*p, *p) == PinRefresh::Refresh);
  return std::move(*p);
}

void pins(std::string_view text) {
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) {
    (void)pin(text);
    return;
  }
  auto a = pin(text.substr(0, nl));
  auto b = pin(text.substr(nl + 1));
  if (!a || !b) return;
  const Pin& ab = pin_winner(*a, *b);
  const Pin& ba = pin_winner(*b, *a);
  check(ab == ba && (&ab == &*a || &ab == &*b));
  const auto ra = decide_refresh(*a, *b), rb = decide_refresh(*b, *a);
  if (a->node_id == b->node_id) {
    check(ra == PinRefresh::Refresh && rb == PinRefresh::Refresh);
  } else {
    // Both owners compute the same winner: exactly one keeps the room.
    check((ra == PinRefresh::Take && rb == PinRefresh::Yield) ||
          (ra == PinRefresh::Yield && rb == PinRefresh::Take));
    check((ra == PinRefresh::Take) == (ab == *a));
  }
}

auto counts(const room::RoomSummary& s) {
  return std::tie(s.created_ms, s.users, s.visible_users, s.invisible_users, s.publications,
                  s.live_streams, s.subscribed_streams, s.subscriptions);
}

void room_directory(std::string_view text) {
  const auto nl = text.find('\n');
  const auto field = text.substr(0, nl);
  if (auto ids = parse_room_field(field)) {
    check(is_valid_app_id(ids->first) && is_valid_id(ids->second));
    check(room_field(ids->first, ids->second) == field);
  }
  if (nl == std::string_view::npos) return;
  const auto value = text.substr(nl + 1);
  auto s = decode_room_entry(value);
  if (!s) return;
  check(value.size() <= kMaxRoomEntry && s->app_id.empty() && s->room_id.empty());
  const auto encoded = encode_room_entry(*s);
  auto again = decode_room_entry(encoded);
  check(again.ok() && counts(*again) == counts(*s));
  check(encode_room_entry(*again) == encoded);
}

void signed_record(std::string_view text) {
  auto msg = verify_node_message(kSecret, text, kNowMs, kMaxAgeMs);
  if (!msg) return;
  check(text.size() <= kMaxNodeMessage);
  check(!verify_node_message(kOtherSecret, text, kNowMs, kMaxAgeMs).ok());
  node_record(msg->body);
  session_record(msg->body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      session_record(text);
      break;
    case 1:
      node_record(text);
      break;
    case 2:
      pins(text);
      break;
    case 3:
      room_directory(text);
      break;
    default:
      signed_record(text);
      break;
  }
  return 0;
}
