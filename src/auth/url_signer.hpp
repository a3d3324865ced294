#pragma once
// Signed media URLs (docs/protocol.md §2.2): nothing is published or played without a query
//   a={pub|play}[&v={viewer}]&e={expiry}&n={nonce}&s={sig}
// where s is the first 16 bytes, lower-case hex, of
//   HMAC-SHA256(AppKey, "minirtc-url-v1\n" a "\n" appId "\n" roomId "\n" userId "\n" kind "\n"
//                       v "\n" e "\n" n)
// The server signs (room layer, on publish/subscribe) and checks (RTMP and HTTP-FLV edges).
//
// Relay URLs (docs/protocol.md, "Relay pull URLs"): a node that relays a stream (the edge) pulls
// it from the stream's node (the origin) with a play whose query is
//   a=relay&e={expiry}&n={nonce}&s={sig}
// signed the same way, with a = "relay", v empty, and the cluster secret (the same on every node)
// as the key instead of the AppKey. Only the nodes know that secret, and the action is part of
// the signed bytes, so an app's play URL cannot be turned into a relay URL nor the other way.
//
// Forward URLs (docs/protocol.md §2.7) are relay-signed publishes with a = "fwd". One that
// carries a member that moved from another node (a pin conflict's hand-over, a forward re-linked
// to the room's new node) has the field m=1 after a, and its signed bytes end with "\nmoved"
// after the nonce: the flag cannot be added to or removed from a URL without the cluster secret,
// and a forward without it is signed exactly as before.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/ids.hpp"
#include "util/result.hpp"

namespace minirtc::auth {

enum class UrlAction { Publish, Play, Relay, Forward };
/// "pub" / "play" / "relay" / "fwd"
std::string_view to_string(UrlAction action) noexcept;

/// Longest query accepted (our own queries are under 150 characters).
inline constexpr std::size_t kMaxUrlQueryLength = 1024;
/// Most `name=value` fields read from a query.
inline constexpr std::size_t kMaxUrlQueryFields = 32;
/// Characters of a URL nonce (8 random bytes, lower-case hex).
inline constexpr std::size_t kUrlNonceLength = 16;

/// What a signed URL allows: `action` on `stream`, by `viewer` (play only, empty otherwise),
/// until `expire_at` (unix seconds; refused when now > expire_at; 0 is not special).
struct UrlGrant {
  UrlAction action = UrlAction::Play;
  StreamId stream;
  std::string viewer;
  std::uint32_t expire_at = 0;
  std::string nonce;  // 16 lower-case hex characters; names this URL for revocation and logs
  /// Forward only (false for every other action): the pushed user's member moved here from
  /// another node, where the app server heard it join (field m=1, signed).
  bool moved = false;

  bool operator==(const UrlGrant&) const = default;
};

/// Unix seconds in canonical decimal (no sign, no leading zero), fitting a u32: the `e` field of
/// signed URLs (and of recording download URLs, record/download_url.hpp).
std::optional<std::uint32_t> parse_unix_seconds(std::string_view s) noexcept;

/// 16 lower-case hex characters from OpenSSL's CSPRNG.
std::string new_nonce();

/// Whether `s` has the form new_nonce() issues (kUrlNonceLength lower-case hex characters): what
/// a signed URL's `n` and the admin API's revoke accept.
bool is_url_nonce(std::string_view s) noexcept;

/// The exact bytes the signature covers (exposed for tests and other implementations).
std::string url_signing_input(const UrlGrant& grant);

/// The 32 lower-case hex characters of `s`.
std::string url_signature(const UrlGrant& grant, std::string_view app_key);

/// "a=pub&e=..&n=..&s=..", "a=play&v=..&e=..&n=..&s=..", "a=relay&e=..&n=..&s=..",
/// "a=fwd&e=..&n=..&s=.." or "a=fwd&m=1&e=..&n=..&s=.." (fields in this order; relay and forward
/// grants are signed with the cluster secret as `app_key`). The grant's
/// ids must be valid (core/ids.hpp) and its nonce well-formed; ids need no percent-encoding.
std::string sign_url_query(const UrlGrant& grant, std::string_view app_key);

/// "streamKey?query" -> (streamKey, query); query is empty when there is no '?'.
std::pair<std::string_view, std::string_view> split_name_query(std::string_view name) noexcept;

/// The action a query names (its field a), nullopt when absent or unknown. Tells a relay pull
/// from a viewer's play, and a node's forward from an encoder's publish, before the check, which
/// needs the matching key.
std::optional<UrlAction> url_query_action(std::string_view query);

/// AppKey of an appId, nullopt when the server does not know the app. For a relay or forward
/// URL: the cluster secret (when the app is known).
using UrlAppKeyLookup = std::function<std::optional<std::string>(std::string_view app_id)>;

/// Checks, in order: stream key parses, app known, query bounded and its fields a, v, e, n, s
/// present and well-formed (percent-encoding decoded, unknown fields ignored, known fields at most
/// once), action is `expected`, viewer present and valid for play (absent otherwise), m absent or
/// "1" for a forward (ignored, as an unknown field, for the other actions), not
/// expired at `now`, signature correct (constant time). Returns the grant or a clear reason.
Result<UrlGrant> verify_url(std::string_view stream_key, std::string_view query, UrlAction expected,
                            const UrlAppKeyLookup& app_key_of, std::uint32_t now);

}  // namespace minirtc::auth
