#pragma once
// cluster::Store on Redis (redis::Client: hiredis driven by the node's event loop). Each
// operation is one Redis command, so each is atomic on its own; the two that compare before they
// write (replace_if, remove_if) are short Lua scripts (EVAL), atomic on the server:
//   get → GET; put → SET [PX]; put_if_absent → SET NX [PX]; remove → DEL;
//   replace_if → EVAL "if GET == expected then SET value [PX ttl]";
//   remove_if → EVAL "if GET == expected then DEL";
//   set_add/set_remove/set_members → SADD/SREM/SMEMBERS.
// A command that gets no reply (Redis down, connection lost) or a reply of an unexpected type
// completes with an error naming the command; callbacks run on the client's executor.

#include "cluster/store.hpp"
#include "redis/client.hpp"

namespace minirtc::server {

class RedisStore final : public cluster::Store {
 public:
  /// `client` must outlive the store.
  explicit RedisStore(redis::Client& client) : client_(client) {}

  void get(std::string key, cluster::Done<std::optional<std::string>> done) override;
  void put(std::string key, std::string value, std::uint64_t ttl_ms,
           cluster::DoneStatus done) override;
  void put_if_absent(std::string key, std::string value, std::uint64_t ttl_ms,
                     cluster::Done<bool> done) override;
  void replace_if(std::string key, std::string expected, std::string value, std::uint64_t ttl_ms,
                  cluster::Done<bool> done) override;
  void remove_if(std::string key, std::string expected, cluster::Done<bool> done) override;
  void remove(std::string key, cluster::DoneStatus done) override;
  void set_add(std::string key, std::string member, cluster::DoneStatus done) override;
  void set_remove(std::string key, std::string member, cluster::DoneStatus done) override;
  void set_members(std::string key, cluster::Done<std::vector<std::string>> done) override;
  void hash_put(std::string key, std::string field, std::string value, std::uint64_t ttl_ms,
                cluster::DoneStatus done) override;
  void hash_remove(std::string key, std::vector<std::string> fields,
                   cluster::DoneStatus done) override;
  void hash_all(std::string key, cluster::Done<Fields> done) override;
  void expire(std::string key, std::uint64_t ttl_ms, cluster::Done<bool> done) override;

 private:
  redis::Client& client_;
};

}  // namespace minirtc::server
