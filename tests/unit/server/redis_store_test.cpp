// RedisStore against a real redis-server on a free loopback port: every operation's answer, the
// compare-and-write scripts, TTLs, an unreachable Redis as an error, and the cluster's pin steps
// (cluster/coordinator.hpp) running on it as they do on the in-memory store.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "cluster/coordinator.hpp"
#include "cluster/keys.hpp"
#include "server/redis_store.hpp"
#include "unit/redis/redis_server.hpp"

namespace minirtc::server {
namespace {

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.start();
    client_ = std::make_unique<redis::Client>(io_.get_executor(), *redis::parse_url(redis_.url()));
    store_ = std::make_unique<RedisStore>(*client_);
  }
  void TearDown() override {
    store_.reset();
    client_.reset();
  }

  /// Runs the loop until `done` is set (at most 10 s).
  template <class T>
  T wait(std::optional<T>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && std::chrono::steady_clock::now() < deadline)
      io_.run_one_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(done.has_value()) << "no answer within 10 s";
    return std::move(*done);
  }
  std::optional<std::string> get(const std::string& key) {
    std::optional<Result<std::optional<std::string>>> r;
    store_->get(key, [&](auto v) { r.emplace(std::move(v)); });
    auto v = wait(r);
    EXPECT_TRUE(v.ok()) << v.error().reason;
    return v.ok() ? *v : std::nullopt;
  }
  Status put(const std::string& key, const std::string& value, std::uint64_t ttl = 0) {
    std::optional<Status> r;
    store_->put(key, value, ttl, [&](Status s) { r.emplace(std::move(s)); });
    return wait(r);
  }
  bool flag(std::function<void(cluster::Done<bool>)> op) {
    std::optional<Result<bool>> r;
    op([&](Result<bool> v) { r.emplace(std::move(v)); });
    auto v = wait(r);
    EXPECT_TRUE(v.ok()) << v.error().reason;
    return v.ok() && *v;
  }

  redis::test::RedisServer redis_;
  boost::asio::io_context io_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisStore> store_;
};

TEST_F(RedisStoreTest, PutAndGet) {
  EXPECT_EQ(get("k"), std::nullopt);
  ASSERT_TRUE(put("k", std::string("binary\0value", 12)).ok());
  EXPECT_EQ(get("k"), std::string("binary\0value", 12));
}

TEST_F(RedisStoreTest, AKeyWithATtlIsGoneAfterIt) {
  ASSERT_TRUE(put("k", "v", 200).ok());
  EXPECT_EQ(get("k"), "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(get("k"), std::nullopt);
}

TEST_F(RedisStoreTest, PutIfAbsentWritesOnlyTheFirstTime) {
  EXPECT_TRUE(flag([&](auto d) { store_->put_if_absent("k", "first", 0, d); }));
  EXPECT_FALSE(flag([&](auto d) { store_->put_if_absent("k", "second", 0, d); }));
  EXPECT_EQ(get("k"), "first");
}

TEST_F(RedisStoreTest, ReplaceIfWritesOnlyOverTheExpectedValue) {
  ASSERT_TRUE(put("k", "a").ok());
  EXPECT_FALSE(flag([&](auto d) { store_->replace_if("k", "b", "c", 0, d); }));
  EXPECT_EQ(get("k"), "a");
  EXPECT_TRUE(flag([&](auto d) { store_->replace_if("k", "a", "c", 200, d); }));
  EXPECT_EQ(get("k"), "c");
  EXPECT_FALSE(flag([&](auto d) { store_->replace_if("absent", "a", "c", 0, d); }));
  EXPECT_EQ(get("absent"), std::nullopt);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(get("k"), std::nullopt);  // the TTL came with the write
}

TEST_F(RedisStoreTest, RemoveIfDeletesOnlyTheExpectedValue) {
  ASSERT_TRUE(put("k", "a").ok());
  EXPECT_FALSE(flag([&](auto d) { store_->remove_if("k", "b", d); }));
  EXPECT_EQ(get("k"), "a");
  EXPECT_TRUE(flag([&](auto d) { store_->remove_if("k", "a", d); }));
  EXPECT_EQ(get("k"), std::nullopt);
}

TEST_F(RedisStoreTest, Sets) {
  std::optional<Status> s1, s2, s3;
  store_->set_add("s", "n1", [&](Status s) { s1.emplace(s); });
  store_->set_add("s", "n2", [&](Status s) { s2.emplace(s); });
  store_->set_remove("s", "n1", [&](Status s) { s3.emplace(s); });
  EXPECT_TRUE(wait(s1).ok());
  EXPECT_TRUE(wait(s2).ok());
  EXPECT_TRUE(wait(s3).ok());
  std::optional<Result<std::vector<std::string>>> members;
  store_->set_members("s", [&](auto v) { members.emplace(std::move(v)); });
  auto m = wait(members);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, std::vector<std::string>{"n2"});
}

TEST_F(RedisStoreTest, AReplyOfTheWrongTypeIsAnError) {
  std::optional<Status> added;
  store_->set_add("s", "x", [&](Status s) { added.emplace(s); });
  ASSERT_TRUE(wait(added).ok());
  std::optional<Result<std::optional<std::string>>> r;
  store_->get("s", [&](auto v) { r.emplace(std::move(v)); });  // GET of a set: WRONGTYPE
  EXPECT_FALSE(wait(r).ok());
}

TEST_F(RedisStoreTest, AnUnreachableRedisIsAnErrorNotAnAnswer) {
  ASSERT_TRUE(put("k", "v").ok());
  redis_.kill();
  // The client notices the loss at its next command or read; every answer is an error.
  std::optional<Result<std::optional<std::string>>> r;
  for (int i = 0; i < 20; ++i) {
    r.reset();
    store_->get("k", [&](auto v) { r.emplace(std::move(v)); });
    if (!wait(r).ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->ok());
}

TEST_F(RedisStoreTest, PinConflictAfterAnOutageResolvesOnRedisAsInMemory) {
  cluster::Config c1, c2;
  c1.node_id = "n1";
  c2.node_id = "n2";
  c1.secret = c2.secret = "cluster-secret-0123";
  cluster::Coordinator n1(*store_, c1), n2(*store_, c2);
  const cluster::Pin older{"n1", 1000}, newer{"n2", 2000};
  ASSERT_TRUE(put(cluster::keys::room_pin("app", "r"), cluster::encode_pin(newer), 10000).ok());
  auto refresh = [&](cluster::Coordinator& c, const cluster::Pin& mine) {
    std::optional<Result<cluster::PinStatus>> r;
    c.refresh_pin("app", "r", mine, [&](auto v) { r.emplace(std::move(v)); });
    auto v = wait(r);
    EXPECT_TRUE(v.ok()) << v.error().reason;
    return v.ok() ? *v : cluster::PinStatus{};
  };
  EXPECT_EQ(refresh(n1, older).action, cluster::PinRefresh::Take);
  const auto lost = refresh(n2, newer);
  EXPECT_EQ(lost.action, cluster::PinRefresh::Yield);
  EXPECT_EQ(lost.owner, older);
  EXPECT_EQ(get(cluster::keys::room_pin("app", "r")), cluster::encode_pin(older));
}

}  // namespace
}  // namespace minirtc::server
