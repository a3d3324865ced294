#include "server/connection_table.hpp"

#include <fmt/format.h>

namespace minirtc::server {

DoorCounts ConnectionTable::counts_for(Door door, const std::string& address) const {
  const auto& c = counts_[index(door)];
  const auto& per = per_address_[index(door)];
  auto it = per.find(address);
  return {c.authenticated, c.unauthenticated, it == per.end() ? 0 : it->second};
}

void ConnectionTable::count(const Entry& e, int delta) {
  auto& c = counts_[index(e.door)];
  if (e.authenticated) {
    c.authenticated += delta;
    return;
  }
  c.unauthenticated += delta;
  auto& per = per_address_[index(e.door)];
  auto& n = per[e.address];
  n += delta;
  if (n == 0) per.erase(e.address);
}

ConnectionTable::Admission ConnectionTable::admit(Door door, std::string address,
                                                  bool authenticated) {
  const auto verdict = server::admit(limits(door), counts_for(door, address), authenticated);
  if (verdict == Verdict::RefuseDoorFull || verdict == Verdict::RefusePerIp) return {verdict, 0};
  if (verdict == Verdict::AdmitEvictingOldest) evict_oldest(door);
  const auto id = next_id_++;
  auto& e = entries_.emplace(id, Entry{door, authenticated, std::move(address), {}}).first->second;
  count(e, +1);
  if (!authenticated) strangers_[index(door)].insert(id);
  return {verdict, id};
}

void ConnectionTable::bind(std::uint64_t id, std::weak_ptr<Closable> owner) {
  if (auto it = entries_.find(id); it != entries_.end()) it->second.owner = std::move(owner);
}

void ConnectionTable::authenticate(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.authenticated) return;
  count(it->second, -1);
  strangers_[index(it->second.door)].erase(id);
  it->second.authenticated = true;
  count(it->second, +1);
}

Verdict ConnectionTable::move(std::uint64_t id, Door to) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return Verdict::RefuseDoorFull;
  if (it->second.door == to) return Verdict::Admit;
  const auto verdict = server::admit(limits(to), counts_for(to, it->second.address), true);
  if (verdict == Verdict::RefuseDoorFull || verdict == Verdict::RefusePerIp) return verdict;
  if (verdict == Verdict::AdmitEvictingOldest) evict_oldest(to);
  count(it->second, -1);
  strangers_[index(it->second.door)].erase(id);
  it->second.door = to;
  it->second.authenticated = true;
  count(it->second, +1);
  return verdict;
}

void ConnectionTable::release(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  count(it->second, -1);
  strangers_[index(it->second.door)].erase(id);
  entries_.erase(it);
}

void ConnectionTable::evict_oldest(Door door) {
  auto& strangers = strangers_[index(door)];
  if (strangers.empty()) return;
  const auto id = *strangers.begin();
  auto owner = entries_.at(id).owner.lock();
  release(id);
  if (owner) owner->close("evicted: the door is full and this connection has not authenticated");
}

std::vector<std::shared_ptr<Closable>> ConnectionTable::open() const {
  std::vector<std::shared_ptr<Closable>> out;
  for (const auto& [id, e] : entries_)
    if (auto c = e.owner.lock()) out.push_back(std::move(c));
  return out;
}

bool ConnectionTable::is_authenticated(std::uint64_t id) const {
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.authenticated;
}

void append_door_metrics(std::string& out, const ConnectionTable& table, const Metrics& metrics) {
  out +=
      "# HELP minirtc_door_connections Open connections per door, authenticated or not\n"
      "# TYPE minirtc_door_connections gauge\n";
  for (auto door : kDoors) {
    const auto c = table.counts(door);
    out += fmt::format(
        "minirtc_door_connections{{door=\"{}\",state=\"authenticated\"}} {}\n"
        "minirtc_door_connections{{door=\"{}\",state=\"unauthenticated\"}} {}\n",
        door_name(door), c.authenticated, door_name(door), c.unauthenticated);
  }
  out +=
      "# HELP minirtc_door_limit Connection limit per door\n"
      "# TYPE minirtc_door_limit gauge\n";
  for (auto door : kDoors)
    out += fmt::format("minirtc_door_limit{{door=\"{}\"}} {}\n", door_name(door),
                       table.limits(door).max_connections);
  out +=
      "# HELP minirtc_connections_refused_total Connections refused or evicted at a door, by "
      "reason\n"
      "# TYPE minirtc_connections_refused_total counter\n";
  for (const auto& [key, n] : metrics.connections_refused)
    out += fmt::format("minirtc_connections_refused_total{{door=\"{}\",reason=\"{}\"}} {}\n",
                       key.first, key.second, n);
}

}  // namespace minirtc::server
