#include "cluster/origin_lookup.hpp"

#include <algorithm>

namespace minirtc::cluster {

namespace {
std::uint64_t since(std::uint64_t then, std::uint64_t now) {
  return now >= then ? now - then : 0;  // a clock set back: no time passed
}
}  // namespace

OriginLookups::Step OriginLookups::consult(const RoomKey& room, std::uint64_t now) {
  auto [it, fresh] = rooms_.try_emplace(room);
  Entry& e = it->second;
  if (!fresh) {
    if (e.asking && since(e.asked_ms, now) < timing_.found_ttl_ms) return Step{};
    if (!e.asking) {
      const auto age = since(e.answered_ms, now);
      if (e.owner && age < timing_.found_ttl_ms) return Step{e.owner, false};
      if (!e.owner && age < timing_.miss_retry_ms) return Step{};
    }
  }
  e.asking = true;
  e.asked_ms = now;
  return Step{std::nullopt, true};
}

void OriginLookups::answered(const RoomKey& room, std::optional<NodeRecord> owner,
                             std::uint64_t now) {
  Entry& e = rooms_[room];
  e.asking = false;
  e.answered_ms = now;
  e.owner = std::move(owner);
}

void OriginLookups::prune(std::uint64_t now) {
  const auto keep = std::max(timing_.found_ttl_ms, timing_.miss_retry_ms);
  std::erase_if(rooms_, [&](const auto& kv) {
    const Entry& e = kv.second;
    if (e.asking) return since(e.asked_ms, now) >= timing_.found_ttl_ms;
    return since(e.answered_ms, now) >= keep;
  });
}

}  // namespace minirtc::cluster
