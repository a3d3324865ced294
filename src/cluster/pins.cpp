#include "cluster/pins.hpp"

#include <charconv>

#include "cluster/node_record.hpp"

namespace minirtc::cluster {

std::string encode_pin(const Pin& pin) {
  return "v1 " + pin.node_id + " " + std::to_string(pin.since_ms);
}

Result<Pin> decode_pin(std::string_view text) {
  if (text.size() > 100 || !text.starts_with("v1 ")) return make_error("pin: not 'v1 NODE SINCE'");
  text.remove_prefix(3);
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return make_error("pin: not 'v1 NODE SINCE'");
  Pin pin;
  pin.node_id = std::string(text.substr(0, space));
  if (!is_valid_node_id(pin.node_id)) return make_error("pin: bad node id");
  const auto since = text.substr(space + 1);
  auto [p, ec] = std::from_chars(since.data(), since.data() + since.size(), pin.since_ms);
  if (since.empty() || ec != std::errc() || p != since.data() + since.size())
    return make_error("pin: SINCE is not unix milliseconds");
  return pin;
}

const Pin& pin_winner(const Pin& a, const Pin& b) noexcept {
  if (a.since_ms != b.since_ms) return a.since_ms < b.since_ms ? a : b;
  return a.node_id <= b.node_id ? a : b;
}

PinRefresh decide_refresh(const Pin& mine, const std::optional<Pin>& current) noexcept {
  if (!current) return PinRefresh::Write;
  if (current->node_id == mine.node_id) return PinRefresh::Refresh;
  return &pin_winner(mine, *current) == &mine ? PinRefresh::Take : PinRefresh::Yield;
}

}  // namespace minirtc::cluster
