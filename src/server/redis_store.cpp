#include "server/redis_store.hpp"

#include <fmt/format.h>

namespace minirtc::server {

namespace {

constexpr std::string_view kReplaceIf = R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[2])
  end
  return 1
end
return 0)";

constexpr std::string_view kRemoveIf = R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0)";

constexpr std::string_view kHashPut = R"(
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('PERSIST', KEYS[1])
end
return 1)";

/// The reply, or why there is none / why it is an error.
Result<redis::Reply> reply_of(std::string_view what, Result<redis::Reply> r) {
  if (!r) return make_error(fmt::format("{}: {}", what, r.error().reason));
  if (r->is_error()) return make_error(fmt::format("{}: {}", what, r->str));
  return r;
}

Error unexpected(std::string_view what) {
  return make_error(fmt::format("{}: unexpected reply type", what));
}

std::vector<std::string> set_command(std::string key, std::string value, std::uint64_t ttl_ms,
                                     bool only_if_absent) {
  std::vector<std::string> args{"SET", std::move(key), std::move(value)};
  if (only_if_absent) args.emplace_back("NX");
  if (ttl_ms > 0) {
    args.emplace_back("PX");
    args.push_back(std::to_string(ttl_ms));
  }
  return args;
}

/// A command whose only interest is success.
redis::Client::ReplyCallback on_status(std::string what, cluster::DoneStatus done) {
  return [what = std::move(what), done = std::move(done)](Result<redis::Reply> r) {
    auto rep = reply_of(what, std::move(r));
    if (!rep) return done(rep.error());
    done({});
  };
}

/// An integer reply read as "did it happen" (1/0).
redis::Client::ReplyCallback on_flag(std::string what, cluster::Done<bool> done) {
  return [what = std::move(what), done = std::move(done)](Result<redis::Reply> r) {
    auto rep = reply_of(what, std::move(r));
    if (!rep) return done(rep.error());
    if (rep->type != redis::Reply::Type::Integer) return done(unexpected(what));
    done(rep->integer != 0);
  };
}

}  // namespace

void RedisStore::get(std::string key, cluster::Done<std::optional<std::string>> done) {
  client_.command(std::vector<std::string>{"GET", std::move(key)},
                  [done = std::move(done)](Result<redis::Reply> r) {
                    auto rep = reply_of("GET", std::move(r));
                    if (!rep) return done(rep.error());
                    if (rep->is_nil()) return done(std::optional<std::string>());
                    if (rep->type != redis::Reply::Type::String) return done(unexpected("GET"));
                    done(std::optional<std::string>(std::move(rep->str)));
                  });
}

void RedisStore::put(std::string key, std::string value, std::uint64_t ttl_ms,
                     cluster::DoneStatus done) {
  client_.command(set_command(std::move(key), std::move(value), ttl_ms, false),
                  on_status("SET", std::move(done)));
}

void RedisStore::put_if_absent(std::string key, std::string value, std::uint64_t ttl_ms,
                               cluster::Done<bool> done) {
  client_.command(set_command(std::move(key), std::move(value), ttl_ms, true),
                  [done = std::move(done)](Result<redis::Reply> r) {
                    auto rep = reply_of("SET NX", std::move(r));
                    if (!rep) return done(rep.error());
                    if (rep->is_nil()) return done(false);
                    if (!rep->is_ok()) return done(unexpected("SET NX"));
                    done(true);
                  });
}

void RedisStore::replace_if(std::string key, std::string expected, std::string value,
                            std::uint64_t ttl_ms, cluster::Done<bool> done) {
  client_.command(
      std::vector<std::string>{"EVAL", std::string(kReplaceIf), "1", std::move(key),
                               std::move(expected), std::move(value), std::to_string(ttl_ms)},
      on_flag("replace_if", std::move(done)));
}

void RedisStore::remove_if(std::string key, std::string expected, cluster::Done<bool> done) {
  client_.command(std::vector<std::string>{"EVAL", std::string(kRemoveIf), "1", std::move(key),
                                           std::move(expected)},
                  on_flag("remove_if", std::move(done)));
}

void RedisStore::remove(std::string key, cluster::DoneStatus done) {
  client_.command(std::vector<std::string>{"DEL", std::move(key)},
                  on_status("DEL", std::move(done)));
}

void RedisStore::set_add(std::string key, std::string member, cluster::DoneStatus done) {
  client_.command(std::vector<std::string>{"SADD", std::move(key), std::move(member)},
                  on_status("SADD", std::move(done)));
}

void RedisStore::set_remove(std::string key, std::string member, cluster::DoneStatus done) {
  client_.command(std::vector<std::string>{"SREM", std::move(key), std::move(member)},
                  on_status("SREM", std::move(done)));
}

void RedisStore::set_members(std::string key, cluster::Done<std::vector<std::string>> done) {
  client_.command(std::vector<std::string>{"SMEMBERS", std::move(key)},
                  [done = std::move(done)](Result<redis::Reply> r) {
                    auto rep = reply_of("SMEMBERS", std::move(r));
                    if (!rep) return done(rep.error());
                    if (rep->type != redis::Reply::Type::Array) return done(unexpected("SMEMBERS"));
                    std::vector<std::string> out;
                    for (auto& e : rep->elements) {
                      if (e.type != redis::Reply::Type::String) return done(unexpected("SMEMBERS"));
                      out.push_back(std::move(e.str));
                    }
                    done(std::move(out));
                  });
}

void RedisStore::hash_put(std::string key, std::string field, std::string value,
                          std::uint64_t ttl_ms, cluster::DoneStatus done) {
  client_.command(
      std::vector<std::string>{"EVAL", std::string(kHashPut), "1", std::move(key), std::move(field),
                               std::move(value), std::to_string(ttl_ms)},
      on_status("hash_put", std::move(done)));
}

void RedisStore::hash_remove(std::string key, std::vector<std::string> fields,
                             cluster::DoneStatus done) {
  if (fields.empty()) return done({});
  std::vector<std::string> args{"HDEL", std::move(key)};
  for (auto& f : fields) args.push_back(std::move(f));
  client_.command(std::move(args), on_status("HDEL", std::move(done)));
}

void RedisStore::hash_all(std::string key, cluster::Done<Fields> done) {
  client_.command(std::vector<std::string>{"HGETALL", std::move(key)}, [done = std::move(done)](
                                                                           Result<redis::Reply> r) {
    auto rep = reply_of("HGETALL", std::move(r));
    if (!rep) return done(rep.error());
    if (rep->type != redis::Reply::Type::Array || rep->elements.size() % 2 != 0)
      return done(unexpected("HGETALL"));
    Fields out;
    for (std::size_t i = 0; i + 1 < rep->elements.size(); i += 2) {
      auto& f = rep->elements[i];
      auto& v = rep->elements[i + 1];
      if (f.type != redis::Reply::Type::String || v.type != redis::Reply::Type::String)
        return done(unexpected("HGETALL"));
      out.emplace_back(std::move(f.str), std::move(v.str));
    }
    done(std::move(out));
  });
}

void RedisStore::expire(std::string key, std::uint64_t ttl_ms, cluster::Done<bool> done) {
  std::vector<std::string> args{"PEXPIRE", std::move(key), std::to_string(ttl_ms)};
  if (ttl_ms == 0) args = {"PERSIST", args[1]};
  client_.command(std::move(args), on_flag("PEXPIRE", std::move(done)));
}

}  // namespace minirtc::server
