#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "webhook/envelope.hpp"
#include "webhook/events.hpp"
#include "webhook/retry.hpp"
#include "webhook/url.hpp"

namespace minirtc::webhook {
namespace {

Envelope sample() {
  Envelope e;
  e.event_type = "UserJoined";
  e.event_data = R"({"roomId":"r1","userId":"u1"})";
  e.event_time = "2026-12-02T07:03:04.005Z";
  e.event_id = "0123456789abcdef0123456789abcdef";
  e.app_id = "0123456789abcdef01234567";
  e.nonce = "aB3x";
  return e;
}

// Expected value computed independently with the spec's Python example:
//   sign({...sample...}, "secret-key")
TEST(Signature, MatchesTheSpecsPythonExample) {
  EXPECT_EQ(signature(sample(), "secret-key"),
            "262da9aeedf393d04ab2714bc7c942fca06ac7563065a59961fdd1197130a025");
}

TEST(Signature, SortsByBytesNotByField) {
  // Swapping two field values changes nothing about the sorted multiset: same signature.
  auto a = sample(), b = sample();
  std::swap(b.event_id, b.nonce);
  EXPECT_EQ(signature(a, "k"), signature(b, "k"));
  // Any change of a value or of the secret changes it.
  auto c = sample();
  c.event_data = R"({"roomId":"r1","userId":"u2"})";
  EXPECT_NE(signature(a, "k"), signature(c, "k"));
  EXPECT_NE(signature(a, "k"), signature(a, "K"));
}

TEST(Envelope, BodyIsAnObjectOfEightStringsWithTheSignature) {
  const auto e = sample();
  auto v = boost::json::parse(envelope_body(e, "secret-key"));
  const auto& o = v.as_object();
  EXPECT_EQ(o.size(), 8u);
  for (const auto& [k, val] : o) EXPECT_TRUE(val.is_string()) << k;
  EXPECT_EQ(o.at("Version").as_string(), "2020-12-01");
  EXPECT_EQ(o.at("EventData").as_string(), e.event_data);
  EXPECT_EQ(o.at("Signature").as_string(), signature(e, "secret-key"));
}

TEST(Rfc3339, MillisecondsUtc) {
  EXPECT_EQ(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_ms(1796194984005ull), "2026-12-02T07:03:04.005Z");
  EXPECT_EQ(rfc3339_ms(951782400999ull), "2000-02-29T00:00:00.999Z");  // leap day
}

TEST(Retry, DoublesUpToTheCap) {
  RetryPolicy p{1000, 8000, 3600 * 1000};
  EXPECT_EQ(retry_delay_ms(p, 1), 1000u);
  EXPECT_EQ(retry_delay_ms(p, 2), 2000u);
  EXPECT_EQ(retry_delay_ms(p, 3), 4000u);
  EXPECT_EQ(retry_delay_ms(p, 4), 8000u);
  EXPECT_EQ(retry_delay_ms(p, 40), 8000u);
  EXPECT_EQ(retry_delay_ms(p, 4000000000u), 8000u);
}

TEST(Retry, GivesUpOnlyAfterTheWindow) {
  const RetryPolicy p;  // defaults: at least an hour of retries
  std::uint64_t first = 1'000'000, now = first;
  std::uint32_t failures = 0;
  while (true) {
    ++failures;
    auto next = next_attempt_ms(p, failures, first, now);
    if (!next) break;
    ASSERT_GT(*next, now);
    now = *next;
  }
  EXPECT_GE(now - first, 3600u * 1000);
  EXPECT_LE(now - first, p.window_ms);
  EXPECT_GT(failures, 10u);
}

TEST(EventFilter, EmptyIsAllAndNamesAreChecked) {
  auto all = EventFilter::parse({});
  ASSERT_TRUE(all);
  for (std::size_t i = 0; i < kEventNames.size(); ++i)
    EXPECT_TRUE(all->wants(static_cast<EventType>(i)));
  auto some = EventFilter::parse({"UserJoined", "RoomEnded"});
  ASSERT_TRUE(some);
  EXPECT_TRUE(some->wants(EventType::UserJoined));
  EXPECT_TRUE(some->wants(EventType::RoomEnded));
  EXPECT_FALSE(some->wants(EventType::UserLeft));
  auto bad = EventFilter::parse({"UserJoined", "UserJumped"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().reason.find("UserJumped"), std::string::npos);
}

TEST(CallbackUrl, HttpAndHttpsWithDefaults) {
  auto a = parse_callback_url("https://app.example.com/hooks/rtc?x=1");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "app.example.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->target, "/hooks/rtc?x=1");
  auto b = parse_callback_url("http://127.0.0.1:8081");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->tls);
  EXPECT_EQ(b->port, 8081);
  EXPECT_EQ(b->target, "/");
  auto c = parse_callback_url("http://[::1]:9/x");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
}

TEST(CallbackUrl, RefusesWhatTheSenderCannotUse) {
  for (auto bad : {"ftp://x/", "http://", "/relative", "http://u:p@host/", "http://h:0/",
                   "http://h:99999/", "http://h/#frag", "not a url"})
    EXPECT_FALSE(parse_callback_url(bad)) << bad;
}

}  // namespace
}  // namespace minirtc::webhook
