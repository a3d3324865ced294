#pragma once
// How the room layer gets signed media URLs and fresh secrets without knowing AppKeys, clocks
// or random sources. The server implements it with auth's URL signer and a CSPRNG; tests use a
// fake. Every URL handed out carries a nonce that the room records, so that it can revoke the
// URL later (leave, unpublish, unsubscribe, kick, expiry).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "room/types.hpp"

namespace minirtc::room {

class MediaUrls {
 public:
  virtual ~MediaUrls() = default;
  /// rtmp://…/live/{streamKey}?a=pub&e=…&n={nonce}&s=… (docs/protocol.md §2.2).
  virtual std::string publish_url(const StreamId& stream, std::string_view nonce,
                                  std::uint64_t now_ms) = 0;
  /// The play URL of `stream` for `viewer`, RTMP or HTTP-FLV.
  virtual std::string play_url(const StreamId& stream, std::string_view viewer, PlayFormat format,
                               std::string_view nonce, std::uint64_t now_ms) = 0;
  /// A fresh URL nonce: 16 hex characters, unique among live URLs.
  virtual std::string new_nonce() = 0;
  /// A fresh session token for `resume` and reports: secret and unguessable (≥128 random bits),
  /// at most 128 characters.
  virtual std::string new_session_token() = 0;
};

}  // namespace minirtc::room
