#include "webhook/events.hpp"

#include <string>

namespace minirtc::webhook {

std::string_view event_name(EventType t) noexcept {
  return kEventNames[static_cast<std::size_t>(t)];
}

std::optional<EventType> parse_event_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kEventNames.size(); ++i)
    if (kEventNames[i] == name) return static_cast<EventType>(i);
  return std::nullopt;
}

Result<EventFilter> EventFilter::parse(const std::vector<std::string>& names) {
  if (names.empty()) return all();
  std::uint32_t bits = 0;
  for (const auto& n : names) {
    auto t = parse_event_name(n);
    if (!t) return make_error("'" + n + "' is not a callback event");
    bits |= 1u << static_cast<unsigned>(*t);
  }
  return EventFilter(bits);
}

}  // namespace minirtc::webhook
