#include "cluster/placement.hpp"

#include <algorithm>

namespace minirtc::cluster {

double load_score(const NodeRecord& n) noexcept {
  return static_cast<double>(n.sessions) + static_cast<double>(n.viewers) + n.egress_mbps +
         n.cpu_percent;
}

bool over_capacity(const NodeRecord& n, const Capacity& c) noexcept {
  return (c.max_viewers != 0 && n.viewers >= c.max_viewers) ||
         (c.max_egress_mbps > 0 && n.egress_mbps >= c.max_egress_mbps) ||
         (c.max_cpu_percent > 0 && n.cpu_percent >= c.max_cpu_percent);
}

std::vector<NodeRecord> order_by_load(std::span<const NodeRecord> nodes, const Capacity& c) {
  std::vector<NodeRecord> out(nodes.begin(), nodes.end());
  std::sort(out.begin(), out.end(), [&c](const NodeRecord& a, const NodeRecord& b) {
    const bool fa = over_capacity(a, c), fb = over_capacity(b, c);
    if (fa != fb) return !fa;
    const double la = load_score(a), lb = load_score(b);
    if (la != lb) return la < lb;
    return a.id < b.id;
  });
  return out;
}

std::optional<std::string> pick_room_node(std::span<const NodeRecord> nodes, const Capacity& c) {
  if (nodes.empty()) return std::nullopt;
  return order_by_load(nodes, c).front().id;
}

std::string pick_play_node(std::string_view origin_id, std::span<const NodeRecord> nodes,
                           const Capacity& c) {
  auto origin = std::find_if(nodes.begin(), nodes.end(),
                             [&](const NodeRecord& n) { return n.id == origin_id; });
  if (origin == nodes.end() || !over_capacity(*origin, c)) return std::string(origin_id);
  for (const auto& n : order_by_load(nodes, c)) {
    if (n.id == origin_id) continue;
    if (over_capacity(n, c)) break;  // ordered: every later one is over too
    return n.id;
  }
  return std::string(origin_id);
}

}  // namespace minirtc::cluster
