#include "cluster/memory_store.hpp"

namespace minirtc::cluster {

namespace {
Error unreachable() {
  return make_error("store unreachable");
}
}  // namespace

MemoryStore::Entry* MemoryStore::live(const std::string& key) {
  auto it = values_.find(key);
  if (it == values_.end()) return nullptr;
  if (it->second.expires_ms != 0 && it->second.expires_ms <= now_) {
    values_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void MemoryStore::write(std::string key, std::string value, std::uint64_t ttl_ms) {
  values_[std::move(key)] = Entry{std::move(value), ttl_ms ? now_ + ttl_ms : 0};
}

std::optional<std::string> MemoryStore::peek(const std::string& key) {
  if (auto* e = live(key)) return e->value;
  return std::nullopt;
}

std::uint64_t MemoryStore::ttl_left(const std::string& key) {
  if (auto* h = live_hash(key)) return h->expires_ms ? h->expires_ms - now_ : 0;
  auto* e = live(key);
  return e && e->expires_ms ? e->expires_ms - now_ : 0;
}

MemoryStore::Hash* MemoryStore::live_hash(const std::string& key) {
  auto it = hashes_.find(key);
  if (it == hashes_.end()) return nullptr;
  if (it->second.fields.empty() || (it->second.expires_ms != 0 && it->second.expires_ms <= now_)) {
    hashes_.erase(it);
    return nullptr;
  }
  return &it->second;
}

std::map<std::string, std::string> MemoryStore::peek_hash(const std::string& key) {
  if (auto* h = live_hash(key)) return h->fields;
  return {};
}

void MemoryStore::get(std::string key, Done<std::optional<std::string>> done) {
  if (down_) return done(unreachable());
  done(peek(key));
}

void MemoryStore::put(std::string key, std::string value, std::uint64_t ttl_ms, DoneStatus done) {
  if (down_) return done(unreachable());
  write(std::move(key), std::move(value), ttl_ms);
  done({});
}

void MemoryStore::put_if_absent(std::string key, std::string value, std::uint64_t ttl_ms,
                                Done<bool> done) {
  if (down_) return done(unreachable());
  if (live(key)) return done(false);
  write(std::move(key), std::move(value), ttl_ms);
  done(true);
}

void MemoryStore::replace_if(std::string key, std::string expected, std::string value,
                             std::uint64_t ttl_ms, Done<bool> done) {
  if (down_) return done(unreachable());
  auto* e = live(key);
  if (!e || e->value != expected) return done(false);
  write(std::move(key), std::move(value), ttl_ms);
  done(true);
}

void MemoryStore::remove_if(std::string key, std::string expected, Done<bool> done) {
  if (down_) return done(unreachable());
  auto* e = live(key);
  if (!e || e->value != expected) return done(false);
  values_.erase(key);
  done(true);
}

void MemoryStore::remove(std::string key, DoneStatus done) {
  if (down_) return done(unreachable());
  values_.erase(key);
  hashes_.erase(key);
  done({});
}

void MemoryStore::set_add(std::string key, std::string member, DoneStatus done) {
  if (down_) return done(unreachable());
  sets_[std::move(key)].insert(std::move(member));
  done({});
}

void MemoryStore::set_remove(std::string key, std::string member, DoneStatus done) {
  if (down_) return done(unreachable());
  if (auto it = sets_.find(key); it != sets_.end()) it->second.erase(member);
  done({});
}

void MemoryStore::set_members(std::string key, Done<std::vector<std::string>> done) {
  if (down_) return done(unreachable());
  std::vector<std::string> out;
  if (auto it = sets_.find(key); it != sets_.end())
    out.assign(it->second.begin(), it->second.end());
  done(std::move(out));
}

void MemoryStore::hash_put(std::string key, std::string field, std::string value,
                           std::uint64_t ttl_ms, DoneStatus done) {
  if (down_) return done(unreachable());
  live_hash(key);  // an expired hash starts empty
  Hash& h = hashes_[std::move(key)];
  h.fields[std::move(field)] = std::move(value);
  h.expires_ms = ttl_ms ? now_ + ttl_ms : 0;
  done({});
}

void MemoryStore::hash_remove(std::string key, std::vector<std::string> fields, DoneStatus done) {
  if (down_) return done(unreachable());
  if (auto* h = live_hash(key)) {
    for (const auto& f : fields) h->fields.erase(f);
    live_hash(key);  // gone when empty
  }
  done({});
}

void MemoryStore::hash_all(std::string key, Done<Fields> done) {
  if (down_) return done(unreachable());
  Fields out;
  if (auto* h = live_hash(key))
    for (const auto& [f, v] : h->fields) out.emplace_back(f, v);
  done(std::move(out));
}

void MemoryStore::expire(std::string key, std::uint64_t ttl_ms, Done<bool> done) {
  if (down_) return done(unreachable());
  const std::uint64_t at = ttl_ms ? now_ + ttl_ms : 0;
  if (auto* h = live_hash(key)) {
    h->expires_ms = at;
    return done(true);
  }
  if (auto* e = live(key)) {
    e->expires_ms = at;
    return done(true);
  }
  done(false);
}

}  // namespace minirtc::cluster
