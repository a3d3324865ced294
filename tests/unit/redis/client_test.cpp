// redis::Client against a real redis-server (tests/unit/redis/redis_server.hpp): replies of every
// type, binary safety, pipelined order, pub/sub, the server killed and restarted under the
// client, a server that refuses or never answers, the client destroyed with commands in flight.
// Waits are generous (the machine is shared, and the ASan build is slower); no timing asserts.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "redis/client.hpp"
#include "unit/redis/redis_server.hpp"

namespace minirtc::redis {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::RedisServer;

constexpr std::chrono::milliseconds kWait = 30s;

Client::Options quick_retry() {
  Client::Options o;
  o.connect_timeout = 10s;
  o.retry_min = 50ms;
  o.retry_max = 400ms;
  return o;
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { server.start(); }

  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds timeout = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      io.run_for(5ms);
    }
    return true;
  }
  /// Runs the loop for a while whatever happens (to show that something does NOT happen).
  void run_for(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }

  std::unique_ptr<Client> client(std::string url, Client::Options o = quick_retry()) {
    auto parsed = parse_url(url);
    EXPECT_TRUE(parsed) << url;
    return std::make_unique<Client>(io.get_executor(), *parsed, o);
  }
  std::unique_ptr<Client> up_client(int db = 0) {
    auto c = client(server.url(db));
    EXPECT_TRUE(run_until([&] { return c->up(); })) << "client never up";
    return c;
  }

  Result<Reply> call(Client& c, std::vector<std::string> args) {
    auto out = std::make_shared<std::optional<Result<Reply>>>();
    c.command(args, [out](Result<Reply> r) { out->emplace(std::move(r)); });
    if (!run_until([&] { return out->has_value(); })) return make_error("no reply in time");
    return std::move(**out);
  }

  asio::io_context io;
  RedisServer server;
};

TEST_F(RedisClientTest, SetAndGetAreBinarySafe) {
  auto c = up_client();
  const std::string key("k\0ey\r\n", 6);
  const std::string value("a\0b\r\n$3\r\n\xff*1", 13);
  auto set = call(*c, {"SET", key, value});
  ASSERT_TRUE(set) << set.error().reason;
  EXPECT_TRUE(set->is_ok());
  auto get = call(*c, {"GET", key});
  ASSERT_TRUE(get) << get.error().reason;
  EXPECT_EQ(get->type, Reply::Type::String);
  EXPECT_EQ(get->str, value);
  // The span overload: views, no copies by the caller.
  std::optional<Result<Reply>> strlen;
  const std::string_view args[] = {"STRLEN", key};
  c->command(args, [&](Result<Reply> r) { strlen.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return strlen.has_value(); }));
  ASSERT_TRUE(*strlen);
  EXPECT_EQ((*strlen)->integer, 13);
}

TEST_F(RedisClientTest, LargeValuesTakeManyReadsAndWrites) {
  // 8 MiB each way: hiredis writes and reads it in many pieces, each after a readiness wait.
  auto c = up_client();
  std::string big(8 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 4096);
  auto set = call(*c, {"SET", "big", big});
  ASSERT_TRUE(set) << set.error().reason;
  EXPECT_TRUE(set->is_ok());
  auto get = call(*c, {"GET", "big"});
  ASSERT_TRUE(get) << get.error().reason;
  EXPECT_TRUE(get->str == big) << "size " << get->str.size();
}

TEST_F(RedisClientTest, EveryReplyType) {
  auto c = up_client();
  auto incr = call(*c, {"INCR", "n"});
  ASSERT_TRUE(incr);
  EXPECT_EQ(incr->type, Reply::Type::Integer);
  EXPECT_EQ(incr->integer, 1);

  ASSERT_TRUE(call(*c, {"RPUSH", "list", "a", "", "c"}));
  auto range = call(*c, {"LRANGE", "list", "0", "-1"});
  ASSERT_TRUE(range);
  ASSERT_EQ(range->type, Reply::Type::Array);
  ASSERT_EQ(range->elements.size(), 3u);
  EXPECT_EQ(range->elements[0].str, "a");
  EXPECT_EQ(range->elements[1].type, Reply::Type::String);
  EXPECT_EQ(range->elements[1].str, "");
  EXPECT_EQ(range->elements[2].str, "c");

  // Nested: SCAN answers [cursor, [keys...]].
  auto scan = call(*c, {"SCAN", "0", "MATCH", "list"});
  ASSERT_TRUE(scan);
  ASSERT_EQ(scan->type, Reply::Type::Array);
  ASSERT_EQ(scan->elements.size(), 2u);
  EXPECT_EQ(scan->elements[1].type, Reply::Type::Array);

  auto missing = call(*c, {"GET", "no-such-key"});
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->is_nil());

  auto ping = call(*c, {"PING"});
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->type, Reply::Type::Status);
  EXPECT_EQ(ping->str, "PONG");

  // A Redis error is a reply, not a failed Result; the connection stays usable.
  auto wrong = call(*c, {"INCR", "list"});
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(wrong->is_error());
  EXPECT_EQ(wrong->str.rfind("WRONGTYPE", 0), 0u) << wrong->str;
  auto unknown = call(*c, {"NO-SUCH-COMMAND"});
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->is_error());
  EXPECT_TRUE(c->up());
  EXPECT_TRUE(call(*c, {"PING"}));
}

TEST_F(RedisClientTest, PipelinedRepliesKeepOrder) {
  auto c = up_client();
  std::vector<long long> seen;
  constexpr int kCount = 500;
  for (int i = 0; i < kCount; ++i)
    c->command({"INCR", "counter"}, [&](Result<Reply> r) {
      ASSERT_TRUE(r);
      seen.push_back(r->integer);
    });
  ASSERT_TRUE(run_until([&] { return seen.size() == kCount; }));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(seen[i], i + 1);
}

TEST_F(RedisClientTest, CommandsThatWouldChangeTheConnectionAreRefused) {
  auto c = up_client();
  for (const char* name :
       {"subscribe", "PSUBSCRIBE", "Unsubscribe", "MONITOR", "select", "HELLO"}) {
    auto r = call(*c, {name, "1"});
    ASSERT_FALSE(r) << name;
    EXPECT_NE(r.error().reason.find("is not sent through command()"), std::string::npos);
  }
  // The connection is untouched: replies still match their commands.
  ASSERT_TRUE(call(*c, {"SET", "a", "1"}));
  auto a = call(*c, {"GET", "a"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->str, "1");
}

TEST_F(RedisClientTest, TooManyCommandsInFlightFailAtOnce) {
  auto o = quick_retry();
  o.max_in_flight = 10;
  auto c = client(server.url(), o);
  ASSERT_TRUE(run_until([&] { return c->up(); }));
  std::vector<std::string> failures;
  int replies = 0;
  c->command({"BLPOP", "empty", "0"}, [](Result<Reply>) {});
  for (int i = 0; i < 20; ++i)
    c->command({"PING"}, [&](Result<Reply> r) {
      if (r)
        ++replies;
      else
        failures.push_back(r.error().reason);
    });
  ASSERT_TRUE(run_until([&] { return failures.size() == 11; }));
  EXPECT_EQ(failures[0], "redis 127.0.0.1:" + std::to_string(server.port()) +
                             ": too many commands in flight (10)");
  EXPECT_EQ(replies, 0);     // the 9 accepted wait behind BLPOP
  c->command({"PING"}, {});  // still refused, no callback wanted
  auto other = up_client();
  ASSERT_TRUE(call(*other, {"RPUSH", "empty", "x"}));  // BLPOP answered, the 9 PINGs follow
  ASSERT_TRUE(run_until([&] { return replies == 9; }));
  EXPECT_EQ(failures.size(), 11u);
}

TEST_F(RedisClientTest, CommandsIssuedBeforeUpRunInTheSelectedDatabase) {
  auto c = client(server.url(3));
  // Issued at once, while the connection and its SELECT are still under way.
  std::optional<Result<Reply>> set;
  c->command({"SET", "where", "db3"}, [&](Result<Reply> r) { set.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return set.has_value(); }));
  ASSERT_TRUE(*set) << set->error().reason;
  auto db0 = up_client(0);
  auto in0 = call(*db0, {"GET", "where"});
  ASSERT_TRUE(in0);
  EXPECT_TRUE(in0->is_nil());
  auto db3 = up_client(3);
  auto in3 = call(*db3, {"GET", "where"});
  ASSERT_TRUE(in3);
  EXPECT_EQ(in3->str, "db3");
}

TEST_F(RedisClientTest, ADatabaseRedisRefusesIsAClearErrorAndNothingRuns) {
  auto url = parse_url(server.url(999));
  ASSERT_TRUE(url);
  auto st = check_reachable(*url, 5s);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().reason, "cannot reach Redis at " + server.url(999) +
                                   ": SELECT refused: ERR DB index is out of range");
  auto c = client(server.url(999));
  auto set = call(*c, {"SET", "lost", "1"});
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().reason, "redis 127.0.0.1:" + std::to_string(server.port()) +
                                    ": SELECT refused: ERR DB index is out of range");
  EXPECT_FALSE(c->up());
  auto db0 = up_client(0);
  auto lost = call(*db0, {"GET", "lost"});
  ASSERT_TRUE(lost);
  EXPECT_TRUE(lost->is_nil()) << "the held command ran in database 0";
}

TEST_F(RedisClientTest, PublishReachesSubscribersAndUnsubscribeStopsDelivery) {
  auto c = up_client();
  std::vector<std::pair<std::string, std::string>> got;
  bool confirmed = false;
  c->subscribe(
      "room:1", [&](const std::string& ch, const std::string& msg) { got.emplace_back(ch, msg); },
      [&] { confirmed = true; });
  ASSERT_TRUE(run_until([&] { return confirmed; }));
  const std::string payload("hello\0world\r\n", 13);
  std::optional<Result<Reply>> receivers;
  c->publish("room:1", payload, [&](Result<Reply> r) { receivers.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(got[0].first, "room:1");
  EXPECT_EQ(got[0].second, payload);
  ASSERT_TRUE(run_until([&] { return receivers.has_value(); }));
  ASSERT_TRUE(*receivers);
  EXPECT_EQ((*receivers)->integer, 1);

  // A second client's messages arrive too.
  auto other = up_client();
  other->publish("room:1", "from other");
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got[1].second, "from other");

  // A burst arrives whole and in order.
  constexpr int kBurst = 1000;
  for (int i = 0; i < kBurst; ++i) other->publish("room:1", std::to_string(i));
  ASSERT_TRUE(run_until([&] { return got.size() == 2 + kBurst; }));
  for (int i = 0; i < kBurst; ++i) ASSERT_EQ(got[2 + i].second, std::to_string(i));

  c->unsubscribe("room:1");
  ASSERT_TRUE(call(*other, {"PUBLISH", "room:1", "after unsubscribe"}));
  // A marker on another channel: the subscriber connection delivers in order, so anything of
  // room:1 published before it would have arrived before it.
  bool marker = false;
  c->subscribe(
      "marker", [&](const std::string&, const std::string&) { marker = true; },
      [&] { other->publish("marker", "x"); });
  ASSERT_TRUE(run_until([&] { return marker; }));
  EXPECT_EQ(got.size(), 2u + kBurst);
  EXPECT_TRUE(c->up());
}

TEST_F(RedisClientTest, ServerKilledFailsPendingCommandsAtOnceAndGoesDown) {
  auto c = up_client();
  std::vector<bool> states;
  c->on_state([&](bool up) { states.push_back(up); });
  // BLPOP on an empty list never answers; the PING behind it waits too.
  std::optional<Result<Reply>> blpop, ping;
  c->command({"BLPOP", "empty", "0"}, [&](Result<Reply> r) { blpop.emplace(std::move(r)); });
  c->command({"PING"}, [&](Result<Reply> r) { ping.emplace(std::move(r)); });
  run_for(100ms);
  EXPECT_FALSE(blpop.has_value());
  server.kill();
  ASSERT_TRUE(run_until([&] { return blpop.has_value() && ping.has_value(); }));
  const std::string lost = "redis 127.0.0.1:" + std::to_string(server.port()) + ": connection lost";
  ASSERT_FALSE(*blpop);
  EXPECT_EQ(blpop->error().reason, lost);
  ASSERT_FALSE(*ping);
  EXPECT_EQ(ping->error().reason, lost);
  ASSERT_TRUE(run_until([&] { return !states.empty(); }));
  EXPECT_EQ(states, std::vector<bool>{false});
  EXPECT_FALSE(c->up());
  // While down, a command fails at once, saying why (attempts may be under way: wait for one).
  std::optional<Result<Reply>> later;
  ASSERT_TRUE(run_until([&] {
    if (later && !*later && later->error().reason.find("not connected") != std::string::npos)
      return true;
    later.reset();
    c->command({"PING"}, [&](Result<Reply> r) { later.emplace(std::move(r)); });
    run_for(20ms);
    return false;
  }));
  EXPECT_EQ(later->error().reason.rfind(
                "redis 127.0.0.1:" + std::to_string(server.port()) + ": not connected: ", 0),
            0u)
      << later->error().reason;
}

TEST_F(RedisClientTest, ReconnectsAndResubscribesAfterARestart) {
  auto c = up_client();
  std::vector<bool> states;
  c->on_state([&](bool up) { states.push_back(up); });
  std::vector<std::string> got;
  bool confirmed = false;
  c->subscribe(
      "news", [&](const std::string&, const std::string& msg) { got.push_back(msg); },
      [&] { confirmed = true; });
  ASSERT_TRUE(run_until([&] { return confirmed; }));
  ASSERT_TRUE(call(*c, {"SET", "before", "1"}));

  server.kill();
  ASSERT_TRUE(run_until([&] { return !states.empty(); }));
  run_for(300ms);  // a few failed attempts with backoff
  server.start();  // same port, empty
  ASSERT_TRUE(run_until([&] { return states.size() == 2; }));
  EXPECT_EQ(states, (std::vector<bool>{false, true}));
  EXPECT_TRUE(c->up());

  // Re-subscribed by itself: a message published by someone else arrives.
  auto other = up_client();
  std::optional<Result<Reply>> receivers;
  other->publish("news", "after restart",
                 [&](Result<Reply> r) { receivers.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(got[0], "after restart");
  ASSERT_TRUE(run_until([&] { return receivers.has_value(); }));
  EXPECT_EQ((*receivers)->integer, 1);
  // A new, empty server: what the caller wrote before is gone (on_state(true) is its cue).
  auto before = call(*c, {"GET", "before"});
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->is_nil());
  EXPECT_TRUE(call(*c, {"SET", "after", "1"}));
}

TEST_F(RedisClientTest, ConnectionRefusedIsAClearErrorAndTheClientComesUpWhenRedisDoes) {
  server.kill();
  auto url = parse_url(server.url());
  ASSERT_TRUE(url);
  auto st = check_reachable(*url, 5s);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().reason, "cannot reach Redis at " + server.url() + ": Connection refused");

  auto c = client(server.url());
  auto ping = call(*c, {"PING"});
  ASSERT_FALSE(ping);
  EXPECT_NE(ping.error().reason.find("Connection refused"), std::string::npos)
      << ping.error().reason;
  EXPECT_EQ(ping.error().reason.rfind("redis 127.0.0.1:" + std::to_string(server.port()), 0), 0u);
  EXPECT_FALSE(c->up());

  server.start();
  ASSERT_TRUE(run_until([&] { return c->up(); }));
  EXPECT_TRUE(call(*c, {"PING"}));
}

TEST_F(RedisClientTest, AHostNameIsResolvedOnTheLoop) {
  auto c = client("redis://localhost:" + std::to_string(server.port()));
  ASSERT_TRUE(run_until([&] { return c->up(); }));
  auto ping = call(*c, {"PING"});
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->str, "PONG");
}

TEST_F(RedisClientTest, AServerThatNeverAnswersTimesOut) {
  // A listener that accepts and stays silent: TCP connects, SELECT never gets a reply.
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<asio::ip::tcp::socket> held;
  std::function<void()> accept = [&] {
    silent.async_accept([&](boost::system::error_code ec, asio::ip::tcp::socket s) {
      if (ec) return;
      held.push_back(std::move(s));
      accept();
    });
  };
  accept();
  auto o = quick_retry();
  o.connect_timeout = 300ms;
  auto c = client("redis://127.0.0.1:" + std::to_string(silent.local_endpoint().port()), o);
  auto ping = call(*c, {"PING"});
  ASSERT_FALSE(ping);
  EXPECT_EQ(ping.error().reason,
            "redis 127.0.0.1:" + std::to_string(silent.local_endpoint().port()) +
                ": not ready after 300 ms (connect timeout)");
  EXPECT_FALSE(c->up());
  c.reset();
  silent.close();
}

/// The number of clients connected to the server (CLIENT LIST, one line each).
std::size_t connected_clients(const std::string& list) {
  return static_cast<std::size_t>(std::count(list.begin(), list.end(), '\n'));
}

TEST_F(RedisClientTest, DestroyedWithCommandsInFlightRunsNoCallbackAndClosesItsConnections) {
  auto watcher = up_client();  // 2 connections
  int called = 0;
  {
    auto c = up_client();  // 2 more
    c->command({"BLPOP", "empty", "0"}, [&](Result<Reply>) { ++called; });
    for (int i = 0; i < 100; ++i) c->command({"SET", "k", "v"}, [&](Result<Reply>) { ++called; });
    c->subscribe("ch", [&](const std::string&, const std::string&) { ++called; });
  }  // destroyed before the loop ran again
  run_for(200ms);
  EXPECT_EQ(called, 0);
  ASSERT_TRUE(run_until([&] {
    auto list = call(*watcher, {"CLIENT", "LIST"});
    return list && connected_clients(list->str) == 2;
  }));
}

TEST_F(RedisClientTest, DestroyedFromItsOwnCallback) {
  auto c = up_client();
  int called = 0;
  c->command({"PING"}, [&](Result<Reply> r) {
    ++called;
    EXPECT_TRUE(r);
    c.reset();  // from inside a reply: the rest of the pipeline is dropped
  });
  for (int i = 0; i < 50; ++i) c->command({"PING"}, [&](Result<Reply>) { ++called; });
  ASSERT_TRUE(run_until([&] { return c == nullptr; }));
  run_for(200ms);
  EXPECT_EQ(called, 1);
}

TEST_F(RedisClientTest, LoopStoppedMidCommandThenEverythingDestroyed) {
  // What `serve` does on shutdown: the loop stops with commands in flight, then the owner and the
  // loop are destroyed. Run under ASan, this shows the contexts are freed once and nothing
  // touches freed memory.
  auto loop = std::make_unique<asio::io_context>();
  auto url = parse_url(server.url());
  auto c = std::make_unique<Client>(loop->get_executor(), *url, quick_retry());
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!c->up() && std::chrono::steady_clock::now() < deadline) loop->run_for(5ms);
  ASSERT_TRUE(c->up());
  int called = 0;
  c->command({"BLPOP", "empty", "0"}, [&](Result<Reply>) { ++called; });
  c->command({"PING"}, [&](Result<Reply>) { ++called; });
  loop->run_for(20ms);
  loop->stop();
  c.reset();
  loop.reset();
  EXPECT_EQ(called, 0);
}

}  // namespace
}  // namespace minirtc::redis
