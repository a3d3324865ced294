#pragma once
// AccessToken, format "001" (/work/shared/spec/access-token.md): what an application server gives
// a mini program so it may join a room. Byte-compatible with the original cloud service's token
// generators, so tokens flow both ways.
//
//   token = "001" || appId(24) || base64std( bytes(msg) || bytes(HMAC-SHA256(AppKey, msg)) )
//   msg   = u32 nonce, u32 issuedAt, u32 expireAt, string roomId, string userId,
//           u16 n, n x (u16 privilege, u32 expireAt)          (little-endian, keys ascending)

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace minirtc::auth {

enum class Privilege : std::uint16_t {
  PublishStream = 0,
  PublishAudioStream = 1,
  PublishVideoStream = 2,
  PublishDataStream = 3,
  SubscribeStream = 4,
};

inline constexpr std::string_view kTokenVersion = "001";
inline constexpr std::size_t kTokenAppIdLength = 24;
/// Longest token string accepted. A token with 128-byte ids and every privilege is ~480 chars.
inline constexpr std::size_t kMaxTokenLength = 2048;
/// Most privileges accepted in one token (five are defined).
inline constexpr std::size_t kMaxTokenPrivileges = 16;
/// A token's roomId may be this to allow any room of the app.
inline constexpr std::string_view kAnyRoom = "*";

struct AccessToken {
  std::string app_id, room_id, user_id;
  std::uint32_t nonce = 0, issued_at = 0, expire_at = 0;  // unix seconds; expire_at 0 = never
  std::map<std::uint16_t, std::uint32_t> privileges;      // privilege -> expiry (0 = never)

  /// Grants `p` until `expire_at` (0 = never). Granting PublishStream also grants audio, video
  /// and data publishing with the same expiry, as the original generators do.
  void add_privilege(Privilege p, std::uint32_t expire_at);

  bool operator==(const AccessToken&) const = default;
};

/// A token as read from the wire: its fields plus the exact signed bytes and the signature, so the
/// signature is checked over what was sent rather than over a re-encoding.
struct ParsedToken {
  AccessToken token;
  std::vector<std::uint8_t> msg;
  std::array<std::uint8_t, 32> signature{};
};

/// The `msg` bytes of the layout above (what the signature covers). room_id and user_id must be
/// at most 65535 bytes each (valid ids are at most 128).
std::vector<std::uint8_t> encode_token_msg(const AccessToken& token);

/// The token string, signed with `app_key`.
std::string encode_token(const AccessToken& token, std::string_view app_key);

/// Structure only (prefix, appId length, canonical base64, exact field lengths, strictly
/// ascending privilege keys, no trailing bytes, size limits). Does not check the signature.
Result<ParsedToken> parse_signed_token(std::string_view token);
Result<AccessToken> parse_token(std::string_view token);

/// HMAC-SHA256(app_key, msg) compared with the token's signature in constant time.
Status verify_signature(const ParsedToken& parsed, std::string_view app_key);

/// True when a time (token or privilege expiry, 0 = never) has passed at `now`: valid while
/// expire_at is 0 or in the future.
constexpr bool is_expired(std::uint32_t expire_at, std::uint32_t now) noexcept {
  return expire_at != 0 && expire_at <= now;
}

enum class TokenAction { Join, Publish, Subscribe };

/// Until when a token allows `action` by its privileges: 0 = never expires, nullopt = not
/// granted. Join is allowed by PublishStream or SubscribeStream (the later of the two). The token's
/// own expire_at is separate; the room layer watches both (spec rule 6).
std::optional<std::uint32_t> privilege_expiry(const AccessToken& token, TokenAction action);

/// AppKey of an appId, nullopt when the server does not know the app.
using AppKeyLookup = std::function<std::optional<std::string>(std::string_view app_id)>;

/// The spec's "What the server checks" 1 to 5, in order: structure and known appId, signature,
/// token expiry, appId/roomId/userId match (token roomId "*" matches any room), privilege for
/// `action`. `room_id`/`user_id` are the join's. Each failure has its own reason, never the key.
Result<AccessToken> check_token(std::string_view token, const AppKeyLookup& app_key_of,
                                std::string_view expected_app_id, std::string_view room_id,
                                std::string_view user_id, TokenAction action, std::uint32_t now);

/// The same with one known app: a token for any other appId is refused as unknown.
Result<AccessToken> check_token(std::string_view token, std::string_view expected_app_id,
                                std::string_view app_key, std::string_view room_id,
                                std::string_view user_id, TokenAction action, std::uint32_t now);

}  // namespace minirtc::auth
