#pragma once
// The console feed's messages from the browser (/v1/admin/feed, docs/operations.md "Web
// console"), as values: the first one must be {"type":"auth","key":"<admin key>"}, later ones
// {"type":"watch","appId":A,"roomId":R} (an empty or missing roomId: watch no room).
//
// Pure: text in, fields and the key check's result out; server/console_plane.cpp does the
// WebSocket, the timer and what a refusal costs (close 4401, counted). Untrusted input from
// anyone who can reach the HTTP port, before any authentication: the parse is bounded in depth
// (kMaxDepth) and the caller bounds the size (the WebSocket's read_message_max). A message that
// is not a JSON object, or a field that is missing or not a string, reads as an empty field,
// never as an error of its own.
//
// The key is compared in constant time (auth::constant_time_equal), so the time of a refusal
// says nothing about which bytes of a guess were right (only whether its length was, as for the
// admin API's Bearer key); an empty admin key (admin API disabled) matches nothing.

#include <cstddef>
#include <string>
#include <string_view>

namespace minirtc::console {

struct FeedMessage {
  std::string type;    // "auth", "watch", anything else: unknown
  std::string key;     // auth
  std::string app_id;  // watch
  std::string room_id;
};

/// JSON nesting deeper than this is not a feed message (all fields empty).
inline constexpr std::size_t kMaxDepth = 16;

FeedMessage parse_feed_message(std::string_view text);

enum class FeedAuth {
  Accepted,
  NotAuth,   // the message is not {"type":"auth",...}
  WrongKey,  // an auth message with another key, or none; or no admin key configured
};

/// The check of a feed's first message against the configured admin key.
FeedAuth check_feed_auth(std::string_view first_message, std::string_view admin_key);

const char* to_string(FeedAuth result) noexcept;

}  // namespace minirtc::console
