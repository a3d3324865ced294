// The codecs of what nodes share through Redis: node records, pins, session records and signed
// node messages. Each round-trips, and each refuses garbage with a reason (they are network
// input: Redis is written by other nodes, or by anyone with its password).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "cluster/broadcast.hpp"
#include "cluster/keys.hpp"
#include "cluster/node_record.hpp"
#include "cluster/pins.hpp"
#include "cluster/room_directory.hpp"
#include "cluster/session_record.hpp"
#include "cluster/signing.hpp"

namespace minirtc::cluster {
namespace {

/// `text` with its first `from` replaced by `to` (which must be there).
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

NodeRecord sample_node() {
  NodeRecord n;
  n.id = "n2";
  n.public_url = "https://rtc.example.com";
  n.path_prefix = "/n2";
  n.rtmp_url = "rtmp://rtc.example.com:1936";
  n.relay_address = "10.0.0.2:1936";
  n.rooms = 3;
  n.sessions = 40;
  n.viewers = 120;
  n.egress_mbps = 61.5;
  n.cpu_percent = 37.25;
  n.started_at_ms = 1'700'000'000'000;
  n.updated_at_ms = 1'700'000'060'000;
  return n;
}

TEST(NodeRecordCodec, RoundTrips) {
  const auto n = sample_node();
  auto back = decode_node_record(encode_node_record(n));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, n);
}

TEST(NodeRecordCodec, SignalUrlIsTheWebSocketFormOfThePublicUrlWithThePrefix) {
  auto n = sample_node();
  EXPECT_EQ(n.signal_url(), "wss://rtc.example.com/n2/v1/signal");
  EXPECT_EQ(n.http_base(), "https://rtc.example.com/n2");
  n.public_url = "http://127.0.0.1:8080";
  n.path_prefix = "";
  EXPECT_EQ(n.signal_url(), "ws://127.0.0.1:8080/v1/signal");
}

TEST(NodeRecordCodec, RefusesGarbage) {
  const auto good = encode_node_record(sample_node());
  auto with = [&](std::string_view from, std::string_view to) { return replaced(good, from, to); };
  for (const std::string& bad : {
           std::string(""), std::string("[]"), std::string("{"), std::string("null"),
           good.substr(0, good.size() / 2), with(R"("id":"n2")", R"("id":"n 2")"),  // not a node id
           with(R"("id":"n2")", R"("id":7)"),                                       // wrong type
           with(R"("publicUrl":"https://)", R"("publicUrl":"ftp://)"),
           with(R"("pathPrefix":"/n2")", R"("pathPrefix":"n2/")"),
           with(R"("rtmpUrl":"rtmp://)", R"("rtmpUrl":"http://)"),
           with(R"("rooms":3)", R"("rooms":-3)"),
           with(R"("rooms":3)", R"("rooms":4294967296)"),  // out of u32
           with(R"("cpuPercent":)", R"("cpuPercent":"high","cpu":)"),
           with(R"("rooms":3,)", ""),                       // missing field
           with(R"("rooms":3)", R"("rooms":3,"extra":1)"),  // unknown field
           std::string(5000, ' '),                          // over the size bound
       }) {
    auto r = decode_node_record(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

// Broke fuzz_cluster_records' round-trip check (an input built at the size bound, kept in its
// seed corpus as node_at_bound): a record of exactly 4096 bytes whose publicUrl and relayAddress
// were control characters (\u0001, six bytes each way) and whose egressMbps and cpuPercent were
// written 1 decoded, but encoded as 4100 bytes (1 → 1E0), which decode refused. URLs and the
// relay address are now visible ASCII, which bounds the encoding.
TEST(NodeRecordCodec, RefusesUrlsAndAddressesThatAreNotVisibleAscii) {
  const auto good = encode_node_record(sample_node());
  for (auto [from, to] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"rtc.example.com\"", "rtc.example.com\\u0001\""},       // publicUrl: control character
           {"https://rtc.example.com", "https://rtc example.com"},  // space
           {"rtmp://rtc.example.com", "rtmp://rtc.\u00e9xample.com"},  // not ASCII
           {"10.0.0.2:1936", "10.0.0.2:1936\\u007f"},                  // DEL
       }) {
    auto r = decode_node_record(replaced(good, from, to));
    EXPECT_FALSE(r.ok()) << replaced(good, from, to);
  }
}

// The longest encoding of a record decode accepts: every string at its bound, made of the
// characters JSON escapes, every number at its longest.
TEST(NodeRecordCodec, TheLargestRecordDecodeAcceptsEncodesWithinTheBound) {
  NodeRecord n;
  n.id = std::string(64, 'n');
  n.path_prefix = "/" + std::string(63, 'p');
  // '"' and '\\' are the characters JSON escapes that a URL may hold: two bytes each.
  n.public_url = "https://" + std::string(kMaxRecordUrl - 8, '"');
  n.rtmp_url = "rtmps://" + std::string(kMaxRecordUrl - 8, '\\');
  n.relay_address = std::string(kMaxRecordUrl, '"');
  n.rooms = n.sessions = n.viewers = 4'294'967'295;
  n.egress_mbps = 123456789.012;  // 3 decimals kept: 1.23456789012E8
  n.cpu_percent = 999999999999.999;
  n.started_at_ms = n.updated_at_ms = 18'446'744'073'709'551'615u;
  const auto text = encode_node_record(n);
  EXPECT_LE(text.size(), 4096u);
  auto back = decode_node_record(text);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, n);
}

// What a node writes is what the others read: the load figures to 3 decimals, exactly. Before
// they were rounded, Boost.JSON 1.81 read about 8% of full-precision doubles back one unit in the
// last place off, so decode(encode(n)) != n for 274 of the 2000 records of this sweep.
TEST(NodeRecordCodec, LoadFiguresReadBackExactlyToThreeDecimals) {
  auto n = sample_node();
  std::uint64_t x = 88172645463325252u;  // xorshift64: a fixed sweep of full-precision values
  int differ = 0;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    n.egress_mbps = static_cast<double>(x >> 11) / (1ull << 53) * 10'000;  // [0, 10000) Mbit/s
    n.cpu_percent = static_cast<double>(x & 0xfffff) / 0xfffff * 800;      // [0, 800] %
    auto back = decode_node_record(encode_node_record(n));
    ASSERT_TRUE(back.ok()) << back.error().reason;
    auto expected = n;
    expected.egress_mbps = std::round(n.egress_mbps * 1000) / 1000;
    expected.cpu_percent = std::round(n.cpu_percent * 1000) / 1000;
    if (*back != expected) ++differ;
  }
  EXPECT_EQ(differ, 0);
}

TEST(PinCodec, RoundTripsAndRefusesGarbage) {
  Pin p{"node-1", 1'700'000'000'123};
  EXPECT_EQ(encode_pin(p), "v1 node-1 1700000000123");
  auto back = decode_pin(encode_pin(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
  for (std::string_view bad : {"", "v1", "v1 node-1", "v2 node-1 5", "v1 node 1 5", "v1 n x",
                               "v1 n 5x", "v1 n -5", "v1 n 99999999999999999999999"})
    EXPECT_FALSE(decode_pin(bad).ok()) << bad;
}

SessionRecord sample_session() {
  SessionRecord s;
  s.app_id = "abcdefghijklmnopqrstuvwx";
  s.room_id = "room-1";
  s.node_id = "n1";
  auto& m = s.member;
  m.user_id = "alice";
  m.session_token = "0123456789abcdef0123456789abcdef0123456789abcdef";
  m.visible = false;
  m.business_id = "biz-1";
  m.grant.join = true;
  m.grant.publish = true;
  m.grant.subscribe = true;
  m.grant.publish_expires_ms = 1'700'000'100'000;
  m.grant.subscribe_expires_ms = 1'700'000'200'000;
  m.grant.token_expires_ms = 1'700'000'300'000;
  m.publications = {{StreamKind::Main, true, false}, {StreamKind::Screen}};
  m.subscriptions = {{"bob", StreamKind::Main, room::PlayFormat::Flv, true, false},
                     {"carol", StreamKind::Screen}};
  s.updated_at_ms = 1'700'000'000'500;
  return s;
}

TEST(SessionRecordCodec, RoundTripsEverythingAResumeElsewhereNeeds) {
  const auto s = sample_session();
  auto back = decode_session_record(encode_session_record(s));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, s);
}

TEST(SessionRecordCodec, RefusesGarbage) {
  const auto good = encode_session_record(sample_session());
  auto with = [&](std::string_view from, std::string_view to) { return replaced(good, from, to); };
  for (const std::string& bad : {
           std::string("{}"),
           std::string("\"x\""),
           good.substr(1),
           with(R"("appId":"abcdefghijklmnopqrstuvwx")", R"("appId":"short")"),
           with(R"("roomId":"room-1")", R"("roomId":"room 1")"),
           with(R"("userId":"alice")", R"("userId":"")"),
           with(R"("sessionToken":"0123)", R"("sessionToken":"","x":"0123)"),
           with(R"("node":"n1")", R"("node":"n/1")"),
           with(R"("kind":"screen","muteAudio":false)", R"("kind":"main","muteAudio":false)"),
           with(R"("kind":"main","muteAudio":true)", R"("kind":"audio","muteAudio":true)"),
           with(R"("publications":[)", R"("publications":"main","x":[)"),
           with(R"("kind":"main","format")", R"("kind":"side","format")"),
           with(R"("format":"flv")", R"("format":"hls")"),
           with(R"("userId":"carol","kind":"screen")", R"("userId":"bob","kind":"main")"),  // twice
           with(R"("businessId":"biz-1")", R"("businessId":"biz 1")"),
           with(R"("userId":"bob")", R"("userId":"b b")"),
           with(R"("muteAudio":true)", R"("muteAudio":1)"),
           with(R"("join":true)", R"("join":true,"admin":true)"),  // unknown grant field
           with(R"("publishExpiresAt":1700000100000)", R"("publishExpiresAt":-1)"),
       }) {
    auto r = decode_session_record(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(SessionRecordCodec, BoundsSubscriptions) {
  auto s = sample_session();
  s.member.subscriptions.clear();
  for (std::size_t i = 0; i <= kMaxRecordSubscriptions; i++)
    s.member.subscriptions.push_back({"u" + std::to_string(i), StreamKind::Main});
  EXPECT_FALSE(decode_session_record(encode_session_record(s)).ok());
}

TEST(RoomDirectoryCodec, RoundTripsASummaryAndItsField) {
  room::RoomSummary s;
  s.created_ms = 1'700'000'000'000;
  s.users = 4;
  s.visible_users = 3;
  s.invisible_users = 1;
  s.publications = 2;
  s.live_streams = 2;
  s.subscribed_streams = 2;
  s.subscriptions = 6;
  auto back = decode_room_entry(encode_room_entry(s));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(back->users, 4u);
  EXPECT_EQ(back->subscriptions, 6u);
  EXPECT_EQ(back->created_ms, s.created_ms);
  auto ids = parse_room_field(room_field("abcdefghijklmnopqrstuvwx", "room-1"));
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->first, "abcdefghijklmnopqrstuvwx");
  EXPECT_EQ(ids->second, "room-1");
  for (std::string_view bad :
       {"", "abcdefghijklmnopqrstuvwx", "short/room", "abcdefghijklmnopqrstuvwx/",
        "abcdefghijklmnopqrstuvwx/a b", "abcdefghijklmnopqrstuvwx/a/b"})
    EXPECT_FALSE(parse_room_field(bad).ok()) << bad;
  const auto good = encode_room_entry(s);
  for (const std::string& bad :
       {std::string("{}"), good.substr(1), replaced(good, R"("users":4)", R"("users":-4)"),
        replaced(good, R"("users":4)", R"("users":4,"x":1)")})
    EXPECT_FALSE(decode_room_entry(bad).ok()) << bad;
}

constexpr std::string_view kId = "0123456789abcdef0123456789abcdef";

TEST(BroadcastCodec, RevocationsAndViewerMutesRoundTripWithTheirId) {
  const Broadcast revoke = RevokeMessage{"0123456789abcdef", 1'700'000'600};
  auto r = decode_broadcast(encode_broadcast(revoke, kId));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->message, revoke);
  EXPECT_EQ(r->id, kId);
  const Broadcast mute =
      ViewerMuteMessage{StreamId{"abcdefghijklmnopqrstuvwx", "room-1", "alice", StreamKind::Screen},
                        "bob", true, false};
  auto m = decode_broadcast(encode_broadcast(mute, kId));
  ASSERT_TRUE(m.ok()) << m.error().reason;
  EXPECT_EQ(m->message, mute);
  EXPECT_EQ(encode_broadcast(revoke, kId),
            R"({"type":"revoke","id":"0123456789abcdef0123456789abcdef",)"
            R"("nonce":"0123456789abcdef","keepUntil":1700000600})");
}

TEST(BroadcastCodec, RefusesGarbage) {
  const auto revoke = encode_broadcast(RevokeMessage{"0123456789abcdef", 5}, kId);
  const auto mute = encode_broadcast(
      ViewerMuteMessage{StreamId{"abcdefghijklmnopqrstuvwx", "room-1", "alice", StreamKind::Main},
                        "bob", true, false},
      kId);
  const auto report = encode_broadcast(ReportForwardMessage{"n2", R"({"sessionToken":"t"})"}, kId);
  for (const std::string& bad : {
           std::string("{}"),
           std::string("[]"),
           replaced(revoke, R"("type":"revoke")", R"("type":"drop")"),
           replaced(revoke, "0123456789abcdef\",\"keep", "0123456789ABCDEF\",\"keep"),
           replaced(revoke, "\"0123456789abcdef\",\"keep", "\"short\",\"keep"),
           replaced(revoke, R"("keepUntil":5)", R"("keepUntil":-5)"),
           replaced(revoke, R"("keepUntil":5)", R"("keepUntil":5,"x":1)"),
           replaced(mute, R"("viewer":"bob")", R"("viewer":"b b")"),
           replaced(mute, "room-1", "room 1"),
           replaced(mute, R"("audio":true)", R"("audio":"yes")"),
           replaced(mute, R"(,"video":false)", ""),
           // The id: missing, too short, too long, upper case, not hex, not a string.
           replaced(revoke, R"("id":"0123456789abcdef0123456789abcdef",)", ""),
           replaced(mute, R"("id":"0123456789abcdef0123456789abcdef",)", ""),
           replaced(report, R"("id":"0123456789abcdef0123456789abcdef",)", ""),
           replaced(revoke, std::string(kId), std::string(kId).substr(1)),
           replaced(revoke, std::string(kId), std::string(kId) + "0"),
           replaced(revoke, std::string(kId), "0123456789ABCDEF0123456789abcdef"),
           replaced(report, std::string(kId), "0123456789abcdef0123456789abcdeg"),
           replaced(mute, "\"" + std::string(kId) + "\"", "12"),
       })
    EXPECT_FALSE(decode_broadcast(bad).ok()) << bad;
  EXPECT_TRUE(is_broadcast_id(kId));
  EXPECT_FALSE(is_broadcast_id(""));
}

TEST(BroadcastCodec, ForwardedReportsRoundTripUpToTheReportLimit) {
  const Broadcast small = ReportForwardMessage{"n2", R"({"sessionToken":"t","reports":[]})"};
  auto r = decode_broadcast(encode_broadcast(small, kId));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->message, small);
  // The worst case: a report body of the route's full size made of characters JSON escapes.
  const Broadcast big = ReportForwardMessage{"n2", std::string(kMaxForwardedReport, '"')};
  const auto text = encode_broadcast(big, kId);
  EXPECT_LE(text.size(), kMaxBroadcastBody);
  auto b = decode_broadcast(text);
  ASSERT_TRUE(b.ok()) << b.error().reason;
  EXPECT_EQ(b->message, big);
  // Signed, it passes the channel's size limit, and that limit alone.
  const auto signed_text = sign_node_message("s", "node-with-a-long-id", 1000, text);
  EXPECT_TRUE(verify_node_message("s", signed_text, 1000, 5000, kMaxBroadcastMessage).ok());
  EXPECT_FALSE(verify_node_message("s", signed_text, 1000, 5000).ok());
}

TEST(BroadcastCodec, RefusesOversizedOrMalformedForwardedReports) {
  const auto good = encode_broadcast(ReportForwardMessage{"n2", R"({"sessionToken":"t"})"}, kId);
  for (const std::string& bad : {
           replaced(good, R"("to":"n2")", R"("to":"n 2")"),
           replaced(good, R"("to":"n2")", R"("to":"")"),
           replaced(good, R"("to":"n2",)", ""),
           replaced(good, R"("body":"{\"sessionToken\":\"t\"}")", R"("body":"")"),
           replaced(good, R"("body":"{\"sessionToken\":\"t\"}")", R"("body":{"sessionToken":"t"})"),
           replaced(good, R"("to":"n2")", R"("to":"n2","x":1)"),
           // A body over the report limit, and a message over the broadcast limit.
           encode_broadcast(ReportForwardMessage{"n2", std::string(kMaxForwardedReport + 1, 'a')},
                            kId),
           std::string(kMaxBroadcastBody + 1, ' '),
       })
    EXPECT_FALSE(decode_broadcast(bad).ok()) << bad.substr(0, 200);
  // Revocations and mutes keep their small limit: padding one past 2 KiB is refused.
  auto revoke = encode_broadcast(RevokeMessage{"0123456789abcdef", 5}, kId);
  revoke.insert(1, std::string(kMaxSmallBroadcast + 1 - revoke.size(), ' '));
  EXPECT_FALSE(decode_broadcast(revoke).ok());
  revoke.erase(1, 1);
  EXPECT_TRUE(decode_broadcast(revoke).ok());
}

TEST(NodeMessages, ASignedMessageVerifiesWithTheSameSecretOnly) {
  const auto text = sign_node_message("secret-1", "n1", 1000, R"({"kick":"alice"})");
  auto m = verify_node_message("secret-1", text, 1500, 5000);
  ASSERT_TRUE(m.ok()) << m.error().reason;
  EXPECT_EQ(m->from, "n1");
  EXPECT_EQ(m->sent_ms, 1000u);
  EXPECT_EQ(m->body, R"({"kick":"alice"})");
  EXPECT_FALSE(verify_node_message("secret-2", text, 1500, 5000).ok());
}

TEST(NodeMessages, AForgedOrAlteredMessageIsRefused) {
  const auto text = sign_node_message("s", "n1", 1000, "body");
  auto altered = text;
  altered.back() = 'X';  // body changed
  EXPECT_FALSE(verify_node_message("s", altered, 1000, 5000).ok());
  auto other_sender = text;
  other_sender.replace(3, 2, "n9");
  EXPECT_FALSE(verify_node_message("s", other_sender, 1000, 5000).ok());
  for (std::string_view bad : {"", "v1.", "v1.n1.1000.", "v2.n1.1000.00.body", "v1.n 1.1.00.b",
                               "v1.n1.x.00.b", "v1.n1.1000.zz.b"})
    EXPECT_FALSE(verify_node_message("s", bad, 1000, 5000).ok()) << bad;
  EXPECT_FALSE(verify_node_message("s", std::string(kMaxNodeMessage + 1, 'v'), 1000, 5000).ok());
}

TEST(NodeMessages, AnOldOrFutureMessageIsRefused) {
  const auto text = sign_node_message("s", "n1", 10'000, "b");
  EXPECT_TRUE(verify_node_message("s", text, 15'000, 5000).ok());
  EXPECT_FALSE(verify_node_message("s", text, 15'001, 5000).ok());
  EXPECT_FALSE(verify_node_message("s", text, 4'999, 5000).ok());
}

TEST(AppFingerprint, SameAppsInAnyOrderMatchAndAnyDifferenceDoesNot) {
  using Apps = std::vector<std::pair<std::string, std::string>>;
  const auto a = app_fingerprint("s", Apps{{"app1", "k1"}, {"app2", "k2"}});
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, app_fingerprint("s", Apps{{"app2", "k2"}, {"app1", "k1"}}));
  EXPECT_NE(a, app_fingerprint("s", Apps{{"app1", "k1"}, {"app2", "k3"}}));
  EXPECT_NE(a, app_fingerprint("s", Apps{{"app1", "k1"}}));
  EXPECT_NE(a, app_fingerprint("other secret", Apps{{"app1", "k1"}, {"app2", "k2"}}));
}

TEST(Keys, KeysOfOneRoomShareOneHashTag) {
  const auto tag = "{abcdefghijklmnopqrstuvwx/room-1}";
  EXPECT_NE(keys::room_pin("abcdefghijklmnopqrstuvwx", "room-1").find(tag), std::string::npos);
  EXPECT_NE(keys::room_sessions("abcdefghijklmnopqrstuvwx", "room-1").find(tag), std::string::npos);
  EXPECT_EQ(keys::room_sessions("a", "r"), "minirtc:room:{a/r}:sessions");
  EXPECT_EQ(keys::room_pin("a", "r"), "minirtc:room:{a/r}:pin");
  EXPECT_EQ(keys::node("n1"), "minirtc:node:n1");
}

}  // namespace
}  // namespace minirtc::cluster
