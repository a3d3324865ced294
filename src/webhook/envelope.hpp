#pragma once
// The callback envelope and its signature, exactly as the original service's
// (shared/spec/webhooks.md), so an app server written for it verifies ours unchanged.
//
// A callback is `POST <url>` with a JSON object whose eight fields are all strings: EventType,
// EventData (the event's own JSON object, serialized), EventTime (RFC 3339, milliseconds, UTC),
// EventId, AppId, Version ("2020-12-01"), Nonce (4 characters) and Signature. The signature is
// the lowercase hex SHA-256 of the seven other strings and the callback secret, sorted in byte
// order and concatenated without separator. Pure: every input (time, id, nonce) is given.

#include <cstdint>
#include <string>
#include <string_view>

namespace minirtc::webhook {

inline constexpr std::string_view kEnvelopeVersion = "2020-12-01";

struct Envelope {
  std::string event_type;
  std::string event_data;  // a serialized JSON object
  std::string event_time;  // rfc3339_ms()
  std::string event_id;
  std::string app_id;
  std::string version{kEnvelopeVersion};
  std::string nonce;  // 4 characters
};

/// sha256_hex(sorted(seven fields + secret) joined).
std::string signature(const Envelope& e, std::string_view secret);
/// The request body: the envelope's fields and its Signature as one JSON object of strings.
std::string envelope_body(const Envelope& e, std::string_view secret);
/// Unix milliseconds as "2026-12-02T07:03:04.005Z".
std::string rfc3339_ms(std::uint64_t unix_ms);

}  // namespace minirtc::webhook
