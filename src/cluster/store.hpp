#pragma once
// The shared state the cluster needs, as a small asynchronous interface: a Redis implementation
// (server/redis_store, on hiredis driven by the node's event loop) and an in-memory one for unit
// tests (cluster/memory_store.hpp). Every operation is one atomic step on the store; each
// completes exactly once through its callback, never from inside the call that started it unless
// the store is synchronous (the memory store is: tests read like a sequence of steps).
//
// Values are strings with an optional TTL in milliseconds (0 = none). Errors (store unreachable,
// a reply of the wrong type) come back as values.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace minirtc::cluster {

template <class T>
using Done = std::function<void(Result<T>)>;
using DoneStatus = std::function<void(Status)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual void get(std::string key, Done<std::optional<std::string>> done) = 0;
  /// SET key value [PX ttl].
  virtual void put(std::string key, std::string value, std::uint64_t ttl_ms, DoneStatus done) = 0;
  /// SET key value NX [PX ttl]: true when written (the key was absent).
  virtual void put_if_absent(std::string key, std::string value, std::uint64_t ttl_ms,
                             Done<bool> done) = 0;
  /// Writes `value` (and the TTL) only while the key holds exactly `expected`: true when written.
  virtual void replace_if(std::string key, std::string expected, std::string value,
                          std::uint64_t ttl_ms, Done<bool> done) = 0;
  /// Deletes the key only while it holds exactly `expected`: true when deleted.
  virtual void remove_if(std::string key, std::string expected, Done<bool> done) = 0;
  virtual void remove(std::string key, DoneStatus done) = 0;

  /// A set of strings (no TTL).
  virtual void set_add(std::string key, std::string member, DoneStatus done) = 0;
  virtual void set_remove(std::string key, std::string member, DoneStatus done) = 0;
  virtual void set_members(std::string key, Done<std::vector<std::string>> done) = 0;

  /// A hash of strings whose TTL is the key's: hash_put writes one field and (re)sets the key's
  /// TTL (0 = none) in one atomic step; hash_remove deletes fields (a hash left empty is gone);
  /// hash_all reads every field (none: empty); expire (re)sets a key's TTL (false: no such key).
  using Fields = std::vector<std::pair<std::string, std::string>>;
  virtual void hash_put(std::string key, std::string field, std::string value, std::uint64_t ttl_ms,
                        DoneStatus done) = 0;
  virtual void hash_remove(std::string key, std::vector<std::string> fields, DoneStatus done) = 0;
  virtual void hash_all(std::string key, Done<Fields> done) = 0;
  virtual void expire(std::string key, std::uint64_t ttl_ms, Done<bool> done) = 0;
};

}  // namespace minirtc::cluster
