#pragma once
// The Store in memory, for unit tests: synchronous (each callback runs before the call returns),
// with a clock the test moves (advance) and TTLs that expire by it, and a switch that makes
// every operation fail as if the store were unreachable (set_down), to test outages.

#include <map>
#include <set>

#include "cluster/store.hpp"

namespace minirtc::cluster {

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(std::uint64_t now_ms = 1'000'000) : now_(now_ms) {}

  std::uint64_t now() const noexcept { return now_; }
  void advance(std::uint64_t ms) noexcept { now_ += ms; }
  /// While down, every operation fails with "store unreachable".
  void set_down(bool down) noexcept { down_ = down; }
  /// Everything forgotten, as a Redis restarted without persistence.
  void flush() {
    values_.clear();
    sets_.clear();
    hashes_.clear();
  }
  /// The value now (expired: nullopt), for assertions.
  std::optional<std::string> peek(const std::string& key);
  /// Milliseconds left of the key's TTL (0: none or no key); a value's or a hash's.
  std::uint64_t ttl_left(const std::string& key);
  /// The hash's fields now (expired or none: empty), for assertions.
  std::map<std::string, std::string> peek_hash(const std::string& key);

  void get(std::string key, Done<std::optional<std::string>> done) override;
  void put(std::string key, std::string value, std::uint64_t ttl_ms, DoneStatus done) override;
  void put_if_absent(std::string key, std::string value, std::uint64_t ttl_ms,
                     Done<bool> done) override;
  void replace_if(std::string key, std::string expected, std::string value, std::uint64_t ttl_ms,
                  Done<bool> done) override;
  void remove_if(std::string key, std::string expected, Done<bool> done) override;
  void remove(std::string key, DoneStatus done) override;
  void set_add(std::string key, std::string member, DoneStatus done) override;
  void set_remove(std::string key, std::string member, DoneStatus done) override;
  void set_members(std::string key, Done<std::vector<std::string>> done) override;
  void hash_put(std::string key, std::string field, std::string value, std::uint64_t ttl_ms,
                DoneStatus done) override;
  void hash_remove(std::string key, std::vector<std::string> fields, DoneStatus done) override;
  void hash_all(std::string key, Done<Fields> done) override;
  void expire(std::string key, std::uint64_t ttl_ms, Done<bool> done) override;

 private:
  struct Entry {
    std::string value;
    std::uint64_t expires_ms = 0;  // 0: never
  };
  /// The live entry of `key` (dropping it when expired), or nullptr.
  Entry* live(const std::string& key);
  void write(std::string key, std::string value, std::uint64_t ttl_ms);

  std::uint64_t now_;
  bool down_ = false;
  std::map<std::string, Entry> values_;
  std::map<std::string, std::set<std::string>> sets_;
  struct Hash {
    std::map<std::string, std::string> fields;
    std::uint64_t expires_ms = 0;  // 0: never
  };
  /// The live hash of `key` (dropping it when expired or empty), or nullptr.
  Hash* live_hash(const std::string& key);
  std::map<std::string, Hash> hashes_;
};

}  // namespace minirtc::cluster
