#pragma once
// Signed, expiring download URLs for recordings:
//   /v1/recordings/{id}.mp4?e={expiry}&s={sig}
// where s is the first 16 bytes, lower-case hex, of
//   HMAC-SHA256(AppKey of the recording's app, "minirtc-recording-v1\n" id "\n" e)
// The admin API mints them (so the admin key never leaves the operator); the app's key signs, so
// an app server can mint them too without asking. Pure: the caller gives the key and the time.

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace minirtc::record {

/// The exact bytes the signature covers.
std::string download_signing_input(std::string_view id, std::uint32_t expire_at);

/// "/v1/recordings/{id}.mp4?e=..&s=.." (path and query; the caller puts its base in front).
std::string download_target(std::string_view id, std::uint32_t expire_at, std::string_view key);

/// Checks the query of a download of recording `id`: e and s present once and well-formed, not
/// expired at `now` (unix seconds; refused when now > e), signature correct (constant time).
Status verify_download(std::string_view id, std::string_view query, std::string_view key,
                       std::uint32_t now);

}  // namespace minirtc::record
