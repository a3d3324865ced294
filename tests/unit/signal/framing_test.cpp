// JSON-RPC framing: what is a request, what each framing error looks like, the rate limit.

#include "signal_fixture.hpp"

namespace minirtc::signal::testing {
namespace {

TEST_F(SignalTest, ParseErrorsKeepTheSession) {
  EXPECT_EQ(send(1, "not json"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})");
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":1,"method":"ping")"),  // truncated
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})");
  EXPECT_EQ(send(1, ""),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})");
  EXPECT_EQ(send(1, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\"}"),  // bad UTF-8
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})");
  EXPECT_TRUE(last.closes.empty());
  EXPECT_EQ(call(1, "ping"), ok(1, R"({"time":1700000000000})"));
}

TEST_F(SignalTest, InvalidRequests) {
  EXPECT_EQ(
      send(1, "[1,2]"),
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request must be an object"}})");
  EXPECT_EQ(
      send(1, "42"),
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request must be an object"}})");
  EXPECT_EQ(send(1, R"({"id":3,"method":"ping","params":{}})"),
            err(3, -32600, R"(jsonrpc must be \"2.0\")"));
  EXPECT_EQ(send(1, R"({"jsonrpc":"1.0","id":3,"method":"ping"})"),
            err(3, -32600, R"(jsonrpc must be \"2.0\")"));
  EXPECT_EQ(send(1, R"({"jsonrpc":2.0,"id":3,"method":"ping"})"),
            err(3, -32600, R"(jsonrpc must be \"2.0\")"));
  EXPECT_EQ(
      send(1, R"({"jsonrpc":"2.0","method":"ping"})"),
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"id must be a number or a string"}})");
  EXPECT_EQ(
      send(1, R"({"jsonrpc":"2.0","id":{},"method":"ping"})"),
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"id must be a number or a string"}})");
  EXPECT_EQ(
      send(1, R"({"jsonrpc":"2.0","id":null,"method":"ping"})"),
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"id must be a number or a string"}})");
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":4})"), err(4, -32600, "method must be a string"));
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":4,"method":7})"),
            err(4, -32600, "method must be a string"));
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":5,"method":"ping","params":[]})"),
            err(5, -32600, "params must be an object"));
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":5,"method":"ping","params":"x"})"),
            err(5, -32600, "params must be an object"));
}

TEST_F(SignalTest, IdsAreEchoedAsSent) {
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":"abc","method":"ping"})"),
            R"({"jsonrpc":"2.0","id":"abc","result":{"time":1700000000000}})");
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":-7,"method":"nope"})"),
            R"({"jsonrpc":"2.0","id":-7,"error":{"code":-32601,"message":"method not found"}})");
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})"),
            R"({"jsonrpc":"2.0","id":18446744073709551615,"result":{"time":1700000000000}})");
  std::string dbl = send(1, R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})");
  EXPECT_EQ(dbl.find(R"("id":1.5E0)") != std::string::npos ||
                dbl.find(R"("id":1.5)") != std::string::npos,
            true)
      << dbl;
}

TEST_F(SignalTest, FrameSizeAndDepthLimits) {
  std::string big = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")";
  big += std::string(64 * 1024, 'x');
  big += "\"}}";
  EXPECT_EQ(send(1, big),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"frame too large"}})");
  std::string fits = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")";
  fits += std::string(64 * 1024 - fits.size() - 3, 'x');
  fits += "\"}}";
  ASSERT_EQ(fits.size(), 64u * 1024u);
  EXPECT_EQ(send(1, fits), ok(1, R"({"time":1700000000000})"));

  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}}";
  EXPECT_EQ(send(1, deep),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})");
}

TEST_F(SignalTest, UnknownMethod) {
  EXPECT_EQ(call(1, "fly"), err(1, -32601, "method not found"));
  EXPECT_EQ(call(1, "Join"), err(1, -32601, "method not found"));
}

TEST_F(SignalTest, RateLimitPerSession) {
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(call(1, "ping", "{}", i), ok(i, R"({"time":1700000000000})"));
  EXPECT_EQ(call(1, "ping", "{}", 50), err(50, -32029, "rate limited"));
  EXPECT_EQ(send(1, "garbage"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32029,"message":"rate limited"}})");
  // Another session has its own bucket.
  EXPECT_EQ(call(2, "ping", "{}", 1), ok(1, R"({"time":1700000000000})"));
  // 20 ms refill one request at 50/s.
  now += 20;
  EXPECT_EQ(call(1, "ping", "{}", 51), ok(51, R"({"time":1700000000020})"));
  EXPECT_EQ(call(1, "ping", "{}", 52), err(52, -32029, "rate limited"));
  // A full second refills the burst, never more.
  now += 10'000;
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(call(1, "ping", "{}", i).find("-32029"), std::string::npos);
  EXPECT_EQ(call(1, "ping", "{}", 99), err(99, -32029, "rate limited"));
}

TEST_F(SignalTest, ConfiguredRateLimit) {
  DispatcherConfig c;
  c.max_requests_per_second = 2;
  SignalDispatcher d(rooms, fake_check, c);
  const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  EXPECT_EQ(d.on_text(9, ping, now).reply->find("-32029"), std::string::npos);
  EXPECT_EQ(d.on_text(9, ping, now).reply->find("-32029"), std::string::npos);
  EXPECT_NE(d.on_text(9, ping, now).reply->find("-32029"), std::string::npos);
  EXPECT_EQ(d.on_text(9, ping, now + 500).reply->find("-32029"), std::string::npos);
}

TEST(RateLimiter, RefillsInThousandths) {
  RateLimiter r(3, 0);
  EXPECT_TRUE(r.take(0));
  EXPECT_TRUE(r.take(0));
  EXPECT_TRUE(r.take(0));
  EXPECT_FALSE(r.take(0));
  EXPECT_FALSE(r.take(333));
  EXPECT_TRUE(r.take(334));
  EXPECT_FALSE(r.take(100));  // time going back adds nothing
  EXPECT_TRUE(r.take(1'000'000));
}

TEST(ParseRequest, Direct) {
  auto r = parse_request(R"({"jsonrpc":"2.0","id":"x","method":"join","params":{"a":1}})", {});
  ASSERT_TRUE(std::holds_alternative<Request>(r));
  const Request& req = std::get<Request>(r);
  EXPECT_EQ(req.method, "join");
  EXPECT_EQ(req.id.as_string(), "x");
  EXPECT_EQ(req.params.at("a").as_int64(), 1);
  FrameLimits tight;
  tight.max_bytes = 10;
  auto e = parse_request(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", tight);
  ASSERT_TRUE(std::holds_alternative<FrameError>(e));
  EXPECT_EQ(std::get<FrameError>(e).code, kInvalidRequest);
  // Missing params is an empty object.
  auto p = parse_request(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", {});
  ASSERT_TRUE(std::holds_alternative<Request>(p));
  EXPECT_TRUE(std::get<Request>(p).params.empty());
}

}  // namespace
}  // namespace minirtc::signal::testing
