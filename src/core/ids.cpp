#include "core/ids.hpp"

namespace minirtc {

namespace {
bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

bool is_valid_app_id(std::string_view id) noexcept {
  if (id.size() != 24) return false;
  for (char c : id)
    if (!is_alnum(c)) return false;
  return true;
}

bool is_valid_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!is_alnum(c) && c != '@' && c != '_' && c != '.' && c != '-') return false;
  return true;
}

std::string_view to_string(StreamKind kind) noexcept {
  return kind == StreamKind::Screen ? "screen" : "main";
}

std::string stream_key(const StreamId& id) {
  std::string key;
  key.reserve(id.app_id.size() + id.room_id.size() + id.user_id.size() + 10);
  key.append(id.app_id).append("~").append(id.room_id).append("~").append(id.user_id);
  key.append("~").append(to_string(id.kind));
  return key;
}

std::optional<StreamId> parse_stream_key(std::string_view key) {
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    auto pos = key.find('~');
    if (pos == std::string_view::npos) return std::nullopt;
    parts[i] = key.substr(0, pos);
    key.remove_prefix(pos + 1);
  }
  parts[3] = key;
  if (!is_valid_app_id(parts[0]) || !is_valid_id(parts[1]) || !is_valid_id(parts[2]))
    return std::nullopt;
  StreamId id{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
              StreamKind::Main};
  if (parts[3] == "screen")
    id.kind = StreamKind::Screen;
  else if (parts[3] != "main")
    return std::nullopt;
  return id;
}

std::size_t StreamIdHash::operator()(const StreamId& id) const noexcept {
  std::size_t h = std::hash<std::string>{}(id.app_id);
  h = h * 31 + std::hash<std::string>{}(id.room_id);
  h = h * 31 + std::hash<std::string>{}(id.user_id);
  return h * 2 + static_cast<std::size_t>(id.kind);
}

}  // namespace minirtc
