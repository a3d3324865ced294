#pragma once
// The project's vocabulary: app, room and user ids and the name of a stream. Every layer that
// names a stream (auth, room, media, signal) uses these, so the rules live in one place.

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace minirtc {

/// AppId: exactly 24 characters [a-zA-Z0-9] (the original service's format).
bool is_valid_app_id(std::string_view id) noexcept;
/// Room, user and business ids: 1..128 characters from [a-zA-Z0-9@_.-].
bool is_valid_id(std::string_view id) noexcept;

enum class StreamKind : std::uint8_t { Main = 0, Screen = 1 };
std::string_view to_string(StreamKind kind) noexcept;  // "main" / "screen"

/// A stream: one user's camera (main) or screen stream in one room of one app.
struct StreamId {
  std::string app_id;
  std::string room_id;
  std::string user_id;
  StreamKind kind = StreamKind::Main;

  bool screen() const noexcept { return kind == StreamKind::Screen; }
  auto operator<=>(const StreamId&) const = default;
  bool operator==(const StreamId&) const = default;
};

/// "appId~roomId~userId~kind": one URL path segment ('~' occurs in no id).
std::string stream_key(const StreamId& id);
/// Parses a stream key; nullopt unless every part is valid.
std::optional<StreamId> parse_stream_key(std::string_view key);

struct StreamIdHash {
  std::size_t operator()(const StreamId& id) const noexcept;
};

}  // namespace minirtc
